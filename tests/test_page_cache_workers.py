"""With several gunicorn workers, every worker serves an edit at once, and none before
it commits: with no Redis (each worker keeps its own local-memory page cache) and
with a shared Redis (run when TEST_REDIS_URL, default redis://127.0.0.1:6379/0,
answers). The edits are made by another process through the ORM, as an editor's
save in the admin would be.
"""

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .test_serve import ROOT, fetch, free_port

SLUG = "peace-mission-2031"
WORKERS = 2
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_answers(url):
    import redis

    try:
        return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


def manage(env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


# Rename the exercise in one transaction, optionally waiting for a line on stdin
# before committing.
EDIT = """
import sys
import django
django.setup()
from django.db import transaction
from topics.models import Exercise
with transaction.atomic():
    exercise = Exercise.objects.get(slug=sys.argv[1])
    exercise.name = sys.argv[2]
    exercise.save()
    print("saved", flush=True)
    if sys.argv[3:] == ["--wait"]:
        sys.stdin.readline()
print("committed", flush=True)
"""


def edit_command(name, *extra):
    return [sys.executable, "-c", EDIT, SLUG, name, *extra]


@pytest.fixture(scope="module", params=["local-memory", "redis"])
def site(request, tmp_path_factory):
    if request.param == "redis" and not redis_answers(TEST_REDIS_URL):
        if os.environ.get("CI"):  # .ci/run starts Redis: CI must not skip this
            pytest.fail(f"no Redis answers at {TEST_REDIS_URL}")
        pytest.skip(f"no Redis answers at {TEST_REDIS_URL}")
    folder = tmp_path_factory.mktemp("workers")
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "GUNICORN_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        DJANGO_DEBUG="0",
        DJANGO_HTTPS="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SETTINGS_MODULE="sco_site.settings.production",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS=str(WORKERS),
    )
    if request.param == "redis":
        env["REDIS_URL"] = TEST_REDIS_URL
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    manage(
        env,
        "shell",
        "-c",
        "import datetime; from topics.models import Exercise; "
        f"Exercise.objects.create(name='Peace Mission 2031', slug='{SLUG}', "
        "start_date=datetime.date(2031, 8, 1), status='published')",
    )
    log = open(folder / "gunicorn.log", "w+")  # noqa: SIM115 - closed in teardown
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"), "sco_site.wsgi", "--config", "gunicorn.conf.py",
            # The worker's process id on each access line, to see that all of them served.
            "--access-logformat", 'pid=%(p)s "%(r)s" %(s)s',
            # Several servers may run at once (other test modules): no shared ~/.gunicorn socket.
            "--no-control-socket",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if fetch(f"{base}/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    yield base, env, log
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
    log.close()


def fetch_many(base, path, times=40):
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: fetch(base + path), range(times)))
    assert all(status == 200 for status, _, _ in results), [r[0] for r in results]
    return [body.decode() for _, _, body in results]


def workers_that_served(log, path, since):
    time.sleep(0.3)  # let gunicorn write its access lines
    log.seek(since)
    return set(re.findall(rf'pid=<?(\d+)>? "GET {re.escape(path)} ', log.read()))


def said(process, word):
    """Wait for a line from the editing process (Django's log lines come first)."""
    for line in process.stdout:
        if line.strip() == word:
            return True
    return False


def test_every_worker_serves_an_edit_at_once(site):
    base, env, log = site
    for path in ("/exercises/", f"/exercises/{SLUG}/"):
        start = log.seek(0, os.SEEK_END)
        assert all("Peace Mission 2031" in page for page in fetch_many(base, path))
        assert len(workers_that_served(log, path, start)) == WORKERS  # each has it cached

    subprocess.run(edit_command("Peace Mission 2031 (renamed)"), cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=60)  # fmt: skip

    for path in ("/exercises/", f"/exercises/{SLUG}/"):
        start = log.seek(0, os.SEEK_END)
        pages = fetch_many(base, path)
        stale = sum("Peace Mission 2031 (renamed)" not in page for page in pages)
        assert stale == 0, f"{stale} of {len(pages)} responses for {path} were stale"
        assert len(workers_that_served(log, path, start)) == WORKERS


def test_readers_never_see_an_edit_before_it_commits_and_always_after(site):
    base, env, _ = site
    editor = subprocess.Popen(
        edit_command("Peace Mission 2031 (committed)", "--wait"),
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert said(editor, "saved")  # saved, not yet committed
        during = fetch_many(base, "/exercises/")
        assert not any("(committed)" in page for page in during)
        editor.stdin.write("\n")
        editor.stdin.flush()
        assert said(editor, "committed")
    finally:
        editor.communicate(timeout=30)
    after = fetch_many(base, "/exercises/")
    stale = sum("Peace Mission 2031 (committed)" not in page for page in after)
    assert stale == 0, f"{stale} of {len(after)} responses were stale after the commit"
