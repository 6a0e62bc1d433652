"""Production behaviour: headers, deploy checks, throttled logins, bad requests, logs."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import override_settings

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
        assert "<script" not in page and "<style" not in page and " style=" not in page, url


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
    generated = client.get("/", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert len(generated) == 32 and " " not in generated


def test_log_lines_are_single_lines_with_the_request_id():
    from sco_site.middleware import OneLineFormatter, RequestIDLogFilter

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
    User.objects.create_superuser("boss", "boss@example.org", "correct-horse-battery")
    url = "/admin/login/?next=/admin/"
    statuses = [
        client.post(url, {"username": "boss", "password": "wrong"}).status_code for _ in range(5)
    ]
    assert statuses[:4] == [200, 200, 200, 200]  # the login form again, with an error
    locked = client.post(url, {"username": "boss", "password": "correct-horse-battery"})
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()


def test_admin_login_works_before_the_limit(client):
    User.objects.create_superuser("boss", "boss@example.org", "correct-horse-battery")
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
    clean.update(env, DJANGO_SETTINGS_MODULE="sco_site.settings")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.stdout.strip().splitlines()[-1] == "/editors-desk/", result.stderr


def test_oversized_post_is_refused_with_a_clear_message(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    admin = User.objects.create_superuser("boss", "boss@example.org", "pw")
    client.force_login(admin)
    client.raise_request_exception = False
    response = client.post("/admin/topics/theme/add/", {"name": "x" * 5000, "slug": "x"})
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_malformed_admin_posts_are_refused(client, world):
    admin = User.objects.create_superuser("boss", "boss@example.org", "pw")
    client.force_login(admin)
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
