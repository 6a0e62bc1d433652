"""`make serve` starts the production configuration, and gunicorn serves pages and static files."""

import gzip
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    db = tmp_path_factory.mktemp("serve") / "db.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
    )
    log = open(db.parent / "serve.log", "w+")  # noqa: SIM115 - closed in teardown
    process = subprocess.Popen(
        ["make", "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if fetch(f"{base}/healthz")[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.5)
    else:
        process.kill()
    yield base, log
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
    log.close()


def test_pages_are_served_with_production_settings(server):
    base, log = server
    status, headers, body = fetch(f"{base}/exercises/?country=IN")
    assert status == 200, body[:500]
    page = body.decode()
    assert "Peace Mission 2018" in page
    assert "Strict-Transport-Security" not in headers  # plain-HTTP local run
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])
    assert fetch(f"{base}/healthz")[0] == 200


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_hashed_static_files_are_compressed_and_cached_for_long(server, encoding):
    import brotli

    base, _ = server
    page = fetch(f"{base}/")[2].decode()
    css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page)
    assert css, "the stylesheet URL is hashed"
    plain = fetch(base + css.group(1), {"Accept-Encoding": "identity"})[2]
    status, headers, body = fetch(base + css.group(1), {"Accept-Encoding": f"{encoding}, deflate"})
    assert status == 200
    assert headers.get("Content-Encoding") == encoding
    decompress = brotli.decompress if encoding == "br" else gzip.decompress
    assert decompress(body) == plain and len(body) < len(plain) / 2
    assert (
        "max-age=315360000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
    )


def test_a_readers_page_is_answered_304_when_unchanged(server):
    base, _ = server
    status, headers, body = fetch(f"{base}/policies/")
    assert status == 200 and headers["Cache-Control"] == "no-cache"
    again = fetch(f"{base}/policies/", {"If-None-Match": headers["ETag"]})
    assert again[0] == 304 and again[2] == b""


def test_errors_are_styled_and_debug_is_off(server):
    base, _ = server
    status, _, body = fetch(f"{base}/no-such-page/")
    assert status == 404
    text = body.decode()
    assert "Page not found" in text and "Traceback" not in text and "URLconf" not in text


def test_access_log_is_one_line_per_request_with_its_id(server):
    base, log = server
    _, headers, _ = fetch(f"{base}/policies/")
    time.sleep(0.5)
    log.seek(0)
    lines = [line for line in log.read().splitlines() if "GET /policies/" in line]
    assert any(f"request_id={headers['X-Request-ID']}" in line for line in lines)
