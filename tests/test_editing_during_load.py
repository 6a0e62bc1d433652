"""An editor saves a record while load_content is updating it: nothing is lost.

Real processes against a database of their own: the load takes the content
version's row before it reads anything, and so does an admin save
(topics/editing.py), so the save waits for the load, then applies on top of it;
the next load keeps the editor's version.
"""

import shutil
import subprocess
import sys

from .test_load_content_lock import (
    ON_POSTGRESQL,
    ROOT,
    environment,
    manage,
    scratch_postgres_database,
)

SLUG = "peace-mission-2007"
OLD_PLACE = "field phase at the Chebarkul training ground"
NEW_PLACE = "field phase at the Chebarkul range (corrected in the files)"
EDITOR = f"""
import time
from django.db import transaction
from topics.content_version import bump_content_version
from topics.models import Exercise
with transaction.atomic():  # as the admin's change form does (RecordForm.clean)
    bump_content_version()
    exercise = Exercise.objects.select_for_update().get(slug="{SLUG}")
    exercise.personnel = 4321
    exercise.save()
print("saved at", time.monotonic())
"""
READ = f"""
from topics.models import Exercise
exercise = Exercise.objects.get(slug="{SLUG}")
print(exercise.personnel, "|", exercise.location)
"""


def run(env, *args, timeout=300):
    process = manage(env, *args)
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return out


def edit_while_loading(database_url, tmp_path):
    env = environment(database_url)
    run(env, "migrate", "--noinput", "--verbosity", "0")
    run(env, "load_content")
    corrected = tmp_path / "content"
    shutil.copytree(ROOT / "topics" / "content", corrected)
    early = corrected / "exercises" / "early.yaml"
    text = early.read_text(encoding="utf-8")
    assert text.count(OLD_PLACE) == 1
    early.write_text(text.replace(OLD_PLACE, NEW_PLACE), encoding="utf-8")

    loader = manage(env, "load_content", "--path", str(corrected), "--verbosity", "2")
    first_line = loader.stdout.readline()  # written while the load holds its locks
    assert first_line, loader.stderr.read()
    editor = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", EDITOR],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    load_out, load_err = loader.communicate(timeout=300)
    edit_out, edit_err = editor.communicate(timeout=300)
    assert loader.returncode == 0 and editor.returncode == 0, (load_err, edit_err)
    assert "1 updated" in load_out, load_out
    assert "saved at" in edit_out
    for err in (load_err, edit_err):
        assert "Traceback" not in err and "deadlock" not in err

    personnel, place = run(env, "shell", "-c", READ).strip().splitlines()[-1].split(" | ")
    assert personnel == "4321" and NEW_PLACE in place  # both changes kept
    again = run(env, "load_content", "--path", str(corrected))
    assert "0 created, 0 updated" in again and "1 kept as edited in the admin" in again
    personnel, place = run(env, "shell", "-c", READ).strip().splitlines()[-1].split(" | ")
    assert personnel == "4321" and NEW_PLACE in place


def test_an_edit_during_a_load_is_kept_on_sqlite(tmp_path):
    edit_while_loading(f"sqlite:///{tmp_path / 'edit.sqlite3'}", tmp_path)


@ON_POSTGRESQL
def test_an_edit_during_a_load_is_kept_on_postgresql(tmp_path):
    with scratch_postgres_database("edit_test") as (url, _):
        edit_while_loading(url, tmp_path)
