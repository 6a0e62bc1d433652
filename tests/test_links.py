"""check_links against a local HTTP server: exact LinkCheck rows, the time budget, output.

Every URL points at a server on 127.0.0.1 started for the test; a guard makes
any attempt to resolve another host fail the test instead of reaching out.
"""

import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from topics.links import USER_AGENT
from topics.models import LinkCheck

from .factories import (
    LinkCheckFactory,
    PolicyFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db
NOW = timezone.now()
SUMMARY = re.compile(
    r"^Checked (\d+) links in (\d+\.\d) s: (\d+) ok, (\d+) broken, (\d+) not checked\.$"
)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    real = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost"):
            raise AssertionError(f"test tried to reach {host}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


class Handler(BaseHTTPRequestHandler):
    release = threading.Event()
    seen = []

    def answer(self, body):
        type(self).seen.append((self.command, self.path, self.headers.get("User-Agent")))
        path = self.path.split("?")[0]
        if path == "/ok":
            self.send_response(200)
        elif path == "/missing":
            self.send_response(404)
        elif path == "/no-head":
            self.send_response(405 if self.command == "HEAD" else 200)
        elif path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
        elif path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
        elif path.startswith("/slow"):
            type(self).release.wait(5)
            self.send_response(200)
        else:
            self.send_response(500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    def do_HEAD(self):
        self.answer(b"")

    def do_GET(self):
        self.answer(b"hello")

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Handler.release.clear()
    Handler.seen.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    Handler.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(*args):
    out = StringIO()
    call_command("check_links", *args, stdout=out)
    return out.getvalue()


def rows():
    return {c.url: (c.ok, c.status_code, c.error) for c in LinkCheck.objects.all()}


def test_check_links_records_each_outcome(server):
    refused = f"http://127.0.0.1:{closed_port()}/gone"
    for path in ("/ok", "/missing", "/no-head", "/moved", "/slow", "/loop"):
        SourceFactory(url=server + path)
    SourceFactory(url=server + "/ok")  # the same URL twice is checked once
    SourceFactory(url=refused)
    PolicyFactory(
        short_name="Charter",
        signed_date=timezone.now().date(),
        official_text_url=server + "/missing",
    )

    output = run("--timeout", "0.5", "--max-seconds", "30")

    assert rows() == {
        server + "/ok": (True, 200, ""),
        server + "/missing": (False, 404, "Not Found"),
        server + "/no-head": (True, 200, ""),
        server + "/moved": (True, 200, ""),
        server + "/slow": (False, None, "No answer within 0.5 s"),
        server + "/loop": (False, 302, "Too many redirects"),
        refused: (False, None, "[Errno 111] Connection refused"),
    }
    summary = SUMMARY.match(output.splitlines()[-1])
    assert summary and summary.group(1, 3, 4, 5) == ("7", "3", "4", "0"), output
    assert "7/7 links checked…" in output
    # HEAD first, GET only when HEAD is refused; redirects followed with HEAD.
    requests = [(method, path) for method, path, _ in Handler.seen]
    assert requests.count(("HEAD", "/no-head")) == 1 and ("GET", "/no-head") in requests
    assert ("GET", "/ok") not in requests and requests.count(("HEAD", "/ok")) == 2  # + /moved
    assert {agent for _, _, agent in Handler.seen} == {USER_AGENT}


def test_links_left_when_the_budget_is_spent_are_not_checked_and_keep_their_result(server):
    SourceFactory(url=server + "/ok")
    for n in range(3):
        SourceFactory(url=f"{server}/slow?{n}")
    earlier = timezone.now() - timezone.timedelta(days=7)
    LinkCheckFactory(url=server + "/slow?0", ok=True, status_code=200, checked_at=earlier)

    started = timezone.now()
    output = run("--timeout", "10", "--max-seconds", "1", "--workers", "2")
    elapsed = (timezone.now() - started).total_seconds()

    assert elapsed < 3
    assert rows() == {server + "/ok": (True, 200, ""), server + "/slow?0": (True, 200, "")}
    assert LinkCheck.objects.get(url=server + "/slow?0").checked_at == earlier
    summary = SUMMARY.match(output.splitlines()[-1])
    assert summary and summary.group(1, 3, 4, 5) == ("4", "1", "0", "3"), output


def test_only_broken_rechecks_just_the_failures(server):
    SourceFactory(url=server + "/ok")
    SourceFactory(url=server + "/missing")
    LinkCheckFactory(url=server + "/ok", status_code=500, checked_at=NOW)

    output = run("--only-broken", "--timeout", "2")

    assert rows() == {server + "/ok": (True, 200, "")}
    assert [path for _, path, _ in Handler.seen] == ["/ok"]
    assert output.splitlines()[-1].startswith("Checked 1 links in ")


def test_url_prefix_checks_only_the_matching_links(server):
    SourceFactory(url=server + "/ok")
    elsewhere = "https://example.org/elsewhere"  # the guard fails the test if it is checked
    SourceFactory(url=elsewhere)
    LinkCheckFactory(url=elsewhere, status_code=404, checked_at=NOW)

    output = run("--url-prefix", server, "--timeout", "2")

    assert rows() == {server + "/ok": (True, 200, ""), elsewhere: (False, 404, "")}
    assert output.splitlines()[-1].startswith("Checked 1 links in ")


def test_dry_run_and_quiet_run(server):
    SourceFactory(url=server + "/missing")
    output = run("--dry-run", "--verbosity", "2", "--timeout", "2")
    assert LinkCheck.objects.count() == 0
    assert f"  BROKEN {server}/missing 404 Not Found" in output
    assert output.splitlines()[-1].endswith("1 broken, 0 not checked. Nothing recorded (dry run).")
    assert run("--verbosity", "0", "--timeout", "2") == ""
    assert rows() == {server + "/missing": (False, 404, "Not Found")}


@pytest.mark.parametrize("args", [["--timeout", "0"], ["--max-seconds", "-1"], ["--workers", "99"]])
def test_bad_options_are_refused_with_a_message(args):
    with pytest.raises(CommandError):
        call_command("check_links", *args)
