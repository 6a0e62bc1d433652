"""Two app servers sharing one PostgreSQL database and one Redis behave as one site.

Two gunicorns (the project's gunicorn.conf.py, 2 sync workers each, production
settings) on loopback ports serve a database of their own on the PostgreSQL server
of DATABASE_URL and the Redis of TEST_REDIS_URL (default redis://127.0.0.1:6379/12):

- an exercise's summary (its description) edited in the real admin form on one is
  shown by the other on the next anonymous request (its page was in the shared page
  cache before the edit);
- 32 concurrent clients for 15 s against both get nothing but 200s;
- slow clients, trickling their request's bytes, hold every sync worker when gunicorn
  is reached directly (a normal request then times out), and do not when nginx, as
  docs/deployment.md says to deploy it, buffers requests in front of it.
"""

import http.client
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from bench.run import Server, fetch, free_port
from tests.admin_forms import _FormParser

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/12")

NOT_POSTGRES = (
    "scale-out needs a database that several servers share: set DATABASE_URL to "
    "PostgreSQL (SQLite is one file on one machine)"
)

EXERCISE_CODE = """
from topics.models import Exercise
e = Exercise.objects.published().order_by("slug").first()
print("SCALE_EXERCISE", e.pk, e.slug)
"""


def redis_or_skip():
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {REDIS_URL} ({error}); set TEST_REDIS_URL")
    return client


def pg_admin(statement):
    import psycopg

    admin = urllib.parse.urlunsplit(urllib.parse.urlsplit(DATABASE_URL)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(statement)


def manage(env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not DATABASE_URL.startswith("postgres"):
        pytest.skip(NOT_POSTGRES)
    redis_or_skip().flushdb()
    parts = urllib.parse.urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/") + "_scale_out"
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_admin(f'CREATE DATABASE "{name}"')
    log_dir = tmp_path_factory.mktemp("scale-out")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    env.update(
        DATABASE_URL=urllib.parse.urlunsplit(parts._replace(path=f"/{name}")),
        REDIS_URL=REDIS_URL,
        DJANGO_DEBUG="0",
        DJANGO_HTTPS="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        PYTHONPATH=str(ROOT),
    )
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "load_content")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    password = secrets.token_urlsafe(16)
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        f"User.objects.create_superuser('scale-admin', 'scale@example.org', {password!r})",
    )
    line = next(
        line for line in manage(env, "shell", "-c", EXERCISE_CODE).splitlines()
        if line.startswith("SCALE_EXERCISE")
    )  # fmt: skip
    _, pk, slug = line.split()
    servers = [Server(f"app-{n}", "sco_site.wsgi", env, log_dir) for n in ("a", "b")]
    try:
        for server in servers:
            server.wait_ready("/healthz")
        yield {"servers": servers, "password": password, "pk": pk, "slug": slug}
    finally:
        for server in servers:
            server.stop()
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def browser():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))


def form_fields(html, form_id):
    parser = _FormParser(form_id)
    parser.feed(html)
    return parser.fields


def post(opener, url, fields):
    data = urllib.parse.urlencode(fields).encode()
    with opener.open(urllib.request.Request(url, data=data), timeout=30) as response:
        return response.geturl(), response.read().decode()


def test_an_edit_through_one_server_is_seen_on_the_other(site):
    a, b = (f"http://127.0.0.1:{server.port}" for server in site["servers"])
    page = f"/exercises/{site['slug']}/"
    marker = f"Scale-out check {secrets.token_hex(4)}."
    status, before = fetch(site["servers"][1].port, page)
    assert status == 200 and marker.encode() not in before
    # Asked again: the page is now in the shared cache under the current content version.
    assert fetch(site["servers"][1].port, page) == (200, before)

    editor = browser()
    login = editor.open(f"{a}/admin/login/?next=/admin/", timeout=30).read().decode()
    fields = form_fields(login, "login-form")
    fields += [("username", "scale-admin"), ("password", site["password"])]
    url, _ = post(editor, f"{a}/admin/login/?next=/admin/", fields)
    assert urllib.parse.urlsplit(url).path == "/admin/", "logged in"

    change = f"{a}/admin/topics/exercise/{site['pk']}/change/"
    fields = form_fields(editor.open(change, timeout=30).read().decode(), "exercise_form")
    fields = [
        (name, f"{marker}\n\n{value}" if name == "description" else value)
        for name, value in fields
        if "__prefix__" not in name
    ]
    assert ("description", marker) in [(n, v[: len(marker)]) for n, v in fields]
    url, body = post(editor, change, fields)
    assert urllib.parse.urlsplit(url).path == "/admin/topics/exercise/", body[:3000]

    status, after = fetch(site["servers"][1].port, page)
    assert status == 200
    assert marker.encode() in after


def test_a_burst_against_both_servers_gets_no_errors(site):
    ports = [server.port for server in site["servers"]]
    paths = ["/", "/exercises/", f"/exercises/{site['slug']}/", "/policies/", "/search/?q=peace"]
    statuses = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + 15

    def client(n):
        i = n
        while time.monotonic() < deadline:
            port, path = ports[i % 2], paths[i % len(paths)]
            i += 1
            try:
                status, _ = fetch(port, path)
                outcome = str(status)
            except OSError as error:
                outcome = type(error).__name__
            with lock:
                statuses[outcome] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    print(f"burst: {sum(statuses.values())} requests, {dict(statuses)}")
    assert set(statuses) == {"200"}, statuses
    assert statuses["200"] > 100


class SlowClients:
    """Connections that send a request one header byte at a time, never finishing it."""

    def __init__(self, port, count=6, seconds=12):
        self.stop = threading.Event()
        self.sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
        self.deadline = time.monotonic() + seconds
        self.threads = [threading.Thread(target=self.trickle, args=(s,)) for s in self.sockets]

    def trickle(self, sock):
        try:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            while not self.stop.is_set() and time.monotonic() < self.deadline:
                sock.sendall(b"X")
                self.stop.wait(0.5)
        except OSError:
            pass

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        time.sleep(1.5)  # every worker (or nginx) has accepted one by now
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


def timed_get(port, path, timeout):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.monotonic()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    finally:
        connection.close()


# The server block of docs/deployment.md, over plain HTTP on a loopback port, with
# every file nginx writes in a folder of the test's own.
NGINX_CONF = """\
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;

    upstream sco_app {{
        server 127.0.0.1:{upstream};
        keepalive 8;
    }}
    server {{
        listen 127.0.0.1:{port};
        # Slow or idle clients wait in nginx, never in a gunicorn worker.
        client_header_timeout 15s;
        client_body_timeout 15s;
        send_timeout 15s;
        keepalive_timeout 15s;
        client_header_buffer_size 1k;
        large_client_header_buffers 4 8k;
        client_body_buffer_size 128k;
        client_max_body_size 3m;

        location / {{
            proxy_pass http://sco_app;
            # Whole requests in, whole responses out: gunicorn is busy only while it works.
            proxy_request_buffering on;
            proxy_buffering on;
            proxy_buffers 16 16k;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $request_id;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_connect_timeout 5s;
            proxy_send_timeout 35s;
            proxy_read_timeout 35s;
        }}
    }}
}}
"""


@pytest.fixture
def nginx(site):
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(binary):
        pytest.skip("nginx is not installed (apt-get install -y nginx; .ci/run does it)")
    folder = Path(tempfile.mkdtemp(prefix="sco-nginx-"))
    folder.chmod(0o755)  # nginx's workers run as nobody when started by root
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=folder, port=port, upstream=site["servers"][0].port))
    process = subprocess.Popen(
        [binary, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(conf)]
        + ["-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if timed_get(port, "/healthz", 2)[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, (folder / "error.log").read_text()
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def test_slow_clients_stall_gunicorn_reached_directly(site):
    port = site["servers"][0].port
    assert timed_get(port, "/about/", 10)[0] == 200
    with SlowClients(port), pytest.raises(TimeoutError):
        # Both sync workers are reading a request that never ends.
        timed_get(port, "/about/", 3)
    # They are let go: the workers answer again.
    assert timed_get(port, "/about/", 10)[0] == 200


def test_nginx_in_front_answers_while_slow_clients_hold_connections(site, nginx):
    assert timed_get(nginx, "/about/", 10)[0] == 200
    with SlowClients(nginx):
        status, seconds = timed_get(nginx, "/about/", 3)
    assert status == 200
    assert seconds < 1.0


def test_the_deployment_guide_shows_the_nginx_settings_tested_here():
    guide = (ROOT / "docs" / "deployment.md").read_text()
    block = NGINX_CONF[NGINX_CONF.index("# Slow or idle") : NGINX_CONF.index("}}\n    }}\n}}")]
    directives = [line.strip() for line in block.splitlines() if line.strip()]
    assert len(directives) > 20
    guide_lines = {line.strip().split("  #")[0].strip() for line in guide.splitlines()}
    missing = [d for d in directives if d.replace("{{", "{").replace("}}", "}") not in guide_lines]
    assert missing == []
