"""Two load_content processes at once: one loads, the other waits and then finds
everything loaded. Real processes, against a database of their own."""

import os
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from topics.bundle.reading import read_bundle

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = read_bundle()  # topics/content/
ENTRIES = sum(len(entries) for entries in BUNDLE.entries.values())
EXERCISES = len(BUNDLE.entries["exercises"])
COUNTS = """
    SELECT (SELECT COUNT(*) FROM topics_exercise), (SELECT COUNT(*) FROM topics_bundlestate),
           (SELECT COUNT(*) FROM topics_revisionnote)
"""


def environment(database_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DATABASE_URL=database_url, DJANGO_DEBUG="1", PYTHONUNBUFFERED="1")
    return env


def manage(env, *args):
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def load_twice_at_once(database_url):
    env = environment(database_url)
    migrate = manage(env, "migrate", "--noinput", "--verbosity", "0")
    assert migrate.wait(timeout=300) == 0, migrate.stderr.read()
    first = manage(env, "load_content")
    # Its first line ("themes: 12 created") is written while it holds the lock.
    first_lines = []
    while "themes:" not in (first_lines[-1] if first_lines else ""):
        first_lines.append(first.stdout.readline())
        assert first_lines[-1], first.stderr.read()
    assert "themes: 12 created" in first_lines[-1]
    second = manage(env, "load_content")
    assert first.poll() is None, "the first load ended before the second started"
    out, err = first.communicate(timeout=300)
    second_out, second_err = second.communicate(timeout=300)
    first_out = "".join(first_lines) + out
    return (first.returncode, first_out, err), (second.returncode, second_out, second_err)


def check(first, second):
    code, out, err = first
    assert code == 0 and f"{ENTRIES} created, 0 updated" in out, err
    code, out, err = second
    assert code == 0, err
    assert "Waiting for another load_content to finish" in out
    assert f"0 created, 0 updated, {ENTRIES} unchanged" in out
    for _, _, err in (first, second):
        assert "IntegrityError" not in err and "Traceback" not in err


def test_two_loads_at_once_on_sqlite(tmp_path):
    database = tmp_path / "race.sqlite3"
    first, second = load_twice_at_once(f"sqlite:///{database}")
    check(first, second)
    with sqlite3.connect(database) as db:
        assert db.execute(COUNTS).fetchone() == (EXERCISES, ENTRIES, ENTRIES)


@contextmanager
def scratch_postgres_database(suffix):
    """Yield (URL, psycopg connection arguments) of a new PostgreSQL database, dropped after."""
    import psycopg

    config = settings.DATABASES["default"]
    name = f"{config['NAME']}_{suffix}"
    server = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        password = f":{config['PASSWORD']}" if config["PASSWORD"] else ""
        url = (
            f"postgres://{config['USER']}{password}@{config['HOST'] or 'localhost'}:"
            f"{config['PORT'] or 5432}/{name}"
        )
        yield url, {"dbname": name, **server}
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


ON_POSTGRESQL = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="DATABASE_URL is not PostgreSQL",
)


@ON_POSTGRESQL
def test_two_loads_at_once_on_postgresql():
    import psycopg

    with scratch_postgres_database("lock_test") as (url, connection):
        first, second = load_twice_at_once(url)
        check(first, second)
        with psycopg.connect(**connection) as db:
            assert db.execute(COUNTS).fetchone() == (EXERCISES, ENTRIES, ENTRIES)
