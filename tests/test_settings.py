import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


STARTED = "import django; django.setup(); print('started')"
SERVED = "import sco_site.wsgi; print('started')"


def run_django_setup(code=STARTED, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env, DJANGO_SETTINGS_MODULE="sco_site.settings.production")
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_django_setup(SERVED, DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_starts_with_a_secret_key_when_debug_is_off():
    result = run_django_setup(SERVED, DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_debug_mode_starts_without_a_secret_key():
    assert run_django_setup(DJANGO_DEBUG="1").returncode == 0


def run_without_django_env(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_the_wsgi_application_refuses_to_load_without_secret_key():
    result = run_without_django_env("-c", "import sco_site.wsgi")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_runserver_without_debug_refuses_to_start_without_secret_key(tmp_path):
    # runserver checks migrations before it loads the site: give it a database that
    # exists, so the refusal seen is the secret key's.
    result = run_without_django_env(
        "manage.py", "runserver", "127.0.0.1:0", "--noreload",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )  # fmt: skip
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_offline_management_commands_work_without_secret_key():
    result = run_without_django_env("manage.py", "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_offline_management_commands_work_with_a_throwaway_secret_key():
    # As `make serve` runs migrate and collectstatic: any key will do for them.
    result = run_without_django_env(
        "manage.py", "makemigrations", "--check", "--dry-run", DJANGO_SECRET_KEY="throwaway"
    )
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_the_test_settings_need_neither_pytest_nor_a_secret_key():
    code = "import django; django.setup(); print('started')"
    result = run_without_django_env("-c", code, DJANGO_SETTINGS_MODULE="sco_site.settings.test")
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout
