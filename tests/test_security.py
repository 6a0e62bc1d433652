"""Production behaviour: headers, deploy checks, throttled logins, bad requests, logs."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from .factories import SuperuserFactory

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k" * 20 + "-not-a-real-secret-only-for-this-check-" + "q" * 20,
    "DJANGO_ALLOWED_HOSTS": "sco.example.org",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_check_deploy_is_clean_with_the_documented_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31536000)
def test_https_redirect_and_hsts_but_health_check_exempt(client):
    response = client.get("/exercises/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    secure = client.get("/exercises/", secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
    assert client.get("/healthz").status_code == 200


def test_no_inline_scripts_or_styles_in_pages(client, world):
    for url in (
        "/",
        "/exercises/",
        "/exercises/peace-mission-2007/",
        "/topics/peace-mission-exercises/",
    ):
        page = client.get(url).content.decode()
        # A JSON-LD data block (topics/citations.py) is never run: script-src does not apply.
        scripts = page.replace('<script type="application/ld+json">', "")
        assert "<script" not in scripts and "<style" not in page and " style=" not in page, url


def test_healthz_ok_and_unavailable(client, monkeypatch):
    ok = client.get("/healthz")
    assert ok.status_code == 200
    assert ok.json() == {"status": "ok", "database": "ok", "cache": "ok"}

    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused to secret-host:5432")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    down = client.get("/healthz")
    assert down.status_code == 503
    assert down.json() == {"status": "unavailable", "database": "unavailable", "cache": "ok"}
    assert b"secret-host" not in down.content


def test_request_id_is_returned_and_logged(client, caplog):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="abc12345-from-proxy")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "abc12345-from-proxy"
    # The "Not Found" line, as the configured console handler writes it.
    console = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    lines = [console.format(r) for r in caplog.records if r.name == "django.request"]
    assert len(lines) == 1 and "Not Found: /no-such-page/" in lines[0]
    assert "request_id=abc12345-from-proxy" in lines[0]
    generated = client.get("/", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert len(generated) == 32 and " " not in generated


def test_log_lines_are_single_lines_with_the_request_id():
    from sco_site.logs import OneLineFormatter, RequestIDLogFilter

    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        import sys as _sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, _sys.exc_info())
    record.request = type("R", (), {"request_id": "req-123456"})()
    RequestIDLogFilter().filter(record)
    line = OneLineFormatter().format(record)
    assert "\n" not in line
    assert "request_id=req-123456" in line and "ValueError: boom" in line


def test_500_page_is_styled_reveals_nothing_and_quotes_the_request_id(client, monkeypatch):
    from topics import views

    def explode(self, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(views.HomeView, "get_context_data", explode)
    client.raise_request_exception = False
    response = client.get("/", HTTP_X_REQUEST_ID="trace-0000-1111")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in page and "trace-0000-1111" in page
    assert "hunter2" not in page and "Traceback" not in page
    assert 'href="/static/css/site.css"' in page


@pytest.mark.parametrize(("url", "status", "text"), [
    ("/no-such-page/", 404, "Page not found"),
    ("/exercises/?page=99999", 404, "Page not found"),
])  # fmt: skip
def test_error_pages_are_styled(client, world, url, status, text):
    response = client.get(url)
    assert response.status_code == status
    page = response.content.decode()
    assert text in page and 'class="site-header"' in page


def test_bad_host_header_gets_a_400_page(client):
    response = client.get("/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_admin_login_is_throttled_after_repeated_failures(client):
    SuperuserFactory(username="boss", password="correct-horse-battery")
    url = "/admin/login/?next=/admin/"
    statuses = [
        client.post(url, {"username": "boss", "password": "wrong"}).status_code for _ in range(5)
    ]
    assert statuses[:4] == [200, 200, 200, 200]  # the login form again, with an error
    locked = client.post(url, {"username": "boss", "password": "correct-horse-battery"})
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()


def test_admin_login_works_before_the_limit(client):
    SuperuserFactory(username="boss", password="correct-horse-battery")
    client.post("/admin/login/", {"username": "boss", "password": "wrong"})
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "boss", "password": "correct-horse-battery", "next": "/admin/"},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_admin_url_can_be_moved():
    env = {"DJANGO_DEBUG": "1", "DJANGO_ADMIN_URL": "editors-desk/"}
    code = (
        "import django; django.setup(); from django.urls import reverse; "
        "print(reverse('admin:index'))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env, DJANGO_SETTINGS_MODULE="sco_site.settings.production")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.stdout.strip().splitlines()[-1] == "/editors-desk/", result.stderr


def test_oversized_post_is_refused_with_a_clear_message(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(SuperuserFactory())
    client.raise_request_exception = False
    response = client.post("/admin/topics/theme/add/", {"name": "x" * 5000, "slug": "x"})
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_malformed_admin_posts_are_refused(client, world):
    client.force_login(SuperuserFactory())
    client.raise_request_exception = False
    url = f"/admin/topics/exercise/{world['pm2007'].pk}/change/"
    # No management form at all.
    missing = client.post(url, {"name": "x"})
    assert missing.status_code in (200, 400)
    assert (
        "ManagementForm data is missing" in missing.content.decode() or missing.status_code == 400
    )
    # Garbage in every field: the form comes back with errors; nothing is saved.
    garbage = client.post(
        url,
        {
            "name": "",
            "start_date": "not-a-date",
            "personnel": "-4",
            "framework": "alliance",
            "participations-TOTAL_FORMS": "x",
        },
    )
    assert garbage.status_code in (200, 400)
    world["pm2007"].refresh_from_db()
    assert world["pm2007"].name == "Peace Mission 2007"
    # Non-UTF-8 body and a bogus content type.
    weird = client.generic("POST", url, b"\xff\xfe\x00garbage", content_type="multipart/form-data")
    assert weird.status_code in (200, 400, 403)


# Client address behind proxies ------------------------------------------------

LOGIN_URL = "/admin/login/?next=/admin/"


def sign_in(client, password, **meta):
    return client.post(LOGIN_URL, {"username": "boss", "password": password}, **meta)


def test_behind_a_proxy_an_attacker_cannot_lock_the_admin_out(client):
    SuperuserFactory(username="boss", password="correct-horse-battery")
    nginx = {"REMOTE_ADDR": "127.0.0.1"}
    for _ in range(5):
        sign_in(client, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.66", **nginx)
    assert sign_in(client, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.66", **nginx).status_code == 429

    admin = sign_in(client, "correct-horse-battery", HTTP_X_FORWARDED_FOR="198.51.100.7", **nginx)
    assert admin.status_code == 302 and admin["Location"] == "/admin/"


def test_behind_a_proxy_an_attacker_cannot_escape_the_limit_with_their_own_header(client):
    SuperuserFactory(username="boss", password="correct-horse-battery")
    # nginx appends the address it saw to whatever the client sent.
    statuses = [
        sign_in(
            client,
            "wrong" if n < 5 else "correct-horse-battery",
            HTTP_X_FORWARDED_FOR=f"10.9.8.{n}, 192.0.2.{n}, 203.0.113.66",
            REMOTE_ADDR="127.0.0.1",
        ).status_code
        for n in range(7)
    ]
    assert statuses == [200, 200, 200, 200, 429, 429, 429]


def test_without_a_proxy_a_rotating_forwarded_header_is_still_locked_out(client):
    SuperuserFactory(username="boss", password="correct-horse-battery")
    statuses = [
        sign_in(
            client,
            "wrong" if n < 5 else "correct-horse-battery",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
            REMOTE_ADDR="203.0.113.66",
        ).status_code
        for n in range(7)
    ]
    assert statuses == [200, 200, 200, 200, 429, 429, 429]


def test_forwarded_header_from_an_untrusted_address_is_logged_once(client, caplog, monkeypatch):
    from sco_site import middleware

    monkeypatch.setattr(middleware, "_untrusted_proxy_warned", False)
    with caplog.at_level(logging.WARNING, logger="sco_site.middleware"):
        for n in range(3):
            sign_in(client, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}", REMOTE_ADDR="34.1.2.3")
        sign_in(client, "wrong", REMOTE_ADDR="34.1.2.3")
    warnings = [r.getMessage() for r in caplog.records if r.name == "sco_site.middleware"]
    assert len(warnings) == 1
    assert "X-Forwarded-For ignored: it came from 34.1.2.3" in warnings[0]
    assert "DJANGO_TRUSTED_PROXIES" in warnings[0]


def test_forwarded_header_from_a_trusted_proxy_is_not_logged(client, caplog, monkeypatch):
    from sco_site import middleware

    monkeypatch.setattr(middleware, "_untrusted_proxy_warned", False)
    with caplog.at_level(logging.WARNING, logger="sco_site.middleware"):
        sign_in(client, "wrong", HTTP_X_FORWARDED_FOR="198.51.100.1", REMOTE_ADDR="10.0.0.2")
    assert [r for r in caplog.records if r.name == "sco_site.middleware"] == []


@pytest.mark.parametrize(("remote", "forwarded", "expected"), [
    ("203.0.113.66", "", "203.0.113.66"),
    ("203.0.113.66", "198.51.100.1", "203.0.113.66"),  # no proxy: the header is ignored
    ("127.0.0.1", "", "127.0.0.1"),
    ("127.0.0.1", "198.51.100.1", "198.51.100.1"),
    ("127.0.0.1", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # client-written entry skipped
    ("10.0.0.2", "198.51.100.1, 10.0.0.9", "198.51.100.1"),  # two proxies
    ("127.0.0.1", "10.0.0.5", "10.0.0.5"),  # all trusted: the leftmost is the client
    ("127.0.0.1", "not-an-ip, 10.0.0.5", "10.0.0.5"),
    ("127.0.0.1", "198.51.100.1:51234", "198.51.100.1"),
    ("127.0.0.1", "[2001:db8::1]:443", "2001:db8::1"),
    ("::1", "2001:db8::1", "2001:db8::1"),
    ("::ffff:127.0.0.1", "::ffff:198.51.100.1", "198.51.100.1"),
    ("127.0.0.1", "garbage", "127.0.0.1"),
])  # fmt: skip
def test_client_ip_walks_forwarded_for_past_trusted_proxies(rf, remote, forwarded, expected):
    from sco_site.middleware import client_ip

    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    assert client_ip(rf.get("/", REMOTE_ADDR=remote, **headers)) == expected


def test_trusted_proxies_can_be_narrowed_to_one_address(rf, settings):
    import ipaddress

    from sco_site.middleware import client_ip

    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.2")]
    request = rf.get("/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_ip(request) == "10.0.0.3"


def test_malformed_trusted_proxies_refuse_to_start():
    env = {"DJANGO_DEBUG": "1", "DJANGO_TRUSTED_PROXIES": "127.0.0.1, nginx, 10.0.0.0/8"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_TRUSTED_PROXIES: 'nginx' is not an IP address" in (
        result.stderr
    )


def test_trusted_proxies_parse_addresses_and_networks(monkeypatch):
    import ipaddress

    from django.core.exceptions import ImproperlyConfigured

    from sco_site.settings.base import env_networks

    monkeypatch.setenv("PROXIES_UNDER_TEST", " 203.0.113.7 ,10.1.0.0/16,2001:db8::/32")
    assert env_networks("PROXIES_UNDER_TEST", "") == [
        ipaddress.ip_network("203.0.113.7/32"),
        ipaddress.ip_network("10.1.0.0/16"),
        ipaddress.ip_network("2001:db8::/32"),
    ]
    monkeypatch.setenv("PROXIES_UNDER_TEST", "")
    assert env_networks("PROXIES_UNDER_TEST", "127.0.0.1") == []
    monkeypatch.setenv("PROXIES_UNDER_TEST", "10.0.0.0/33")
    with pytest.raises(ImproperlyConfigured, match="'10.0.0.0/33' is not an IP address"):
        env_networks("PROXIES_UNDER_TEST", "")


def test_the_old_proxy_count_setting_is_reported_by_the_checks():
    result = manage("check", DJANGO_DEBUG="1", DJANGO_TRUSTED_PROXY_COUNT="1")
    assert result.returncode == 0  # a warning, not an error
    assert "sco_site.W001" in result.stderr and "DJANGO_TRUSTED_PROXY_COUNT" in result.stderr


def test_trusted_proxies_must_be_networks(settings):
    from sco_site.checks import check_trusted_proxies

    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert [p.id for p in check_trusted_proxies(None)] == ["sco_site.E001"]
