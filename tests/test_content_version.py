"""The content version: every committed content change moves it, so no cached page is stale.

Reader pages are cached under the content version and the publication marker
(topics/content_version.py); these tests change content in every way an editor or
a load can, and check that readers see the change at once, and only once committed.
"""

import datetime

import pytest
from django.apps import apps
from django.utils import timezone

from topics import content_version
from topics.models import ContentVersion, Exercise, Publishable

from .factories import (
    CitationFactory,
    ExerciseFactory,
    LinkCheckFactory,
    PolicyFactory,
    SuperuserFactory,
    ThemeFactory,
    ThemeLinkFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def text(client, url):
    return client.get(url).content.decode()


# Every change moves the version -----------------------------------------------------


def test_an_edit_is_visible_at_once(client, world):
    assert "Peace Mission 2007" in text(client, "/exercises/")
    exercise = world["pm2007"]
    exercise.name = "Peace Mission 2007 (renamed)"
    exercise.save()
    assert "Peace Mission 2007 (renamed)" in text(client, "/exercises/")


def test_a_relation_change_is_visible_at_once(client, world):
    link = '<a href="/topics/peace-mission-exercises/">'
    assert link in text(client, "/exercises/peace-mission-2007/")
    world["article"].exercises.remove(world["pm2007"])
    assert link not in text(client, "/exercises/peace-mission-2007/")


def test_a_deletion_is_visible_at_once(client, world):
    assert "Joint Sea 2012" in text(client, "/exercises/")
    world["joint_sea"].delete()
    assert "Joint Sea 2012" not in text(client, "/exercises/")


def test_bulk_publish_in_the_admin_is_visible_at_once(client, world):
    assert client.get("/exercises/secret-drill-2019/").status_code == 404
    assert "Secret Drill" not in text(client, "/exercises/")
    # A source, or it may not be published.
    CitationFactory(record=world["draft_exercise"], source=world["s1"])
    client.force_login(SuperuserFactory())
    client.post(
        "/admin/topics/exercise/",
        {"action": "publish", "_selected_action": [world["draft_exercise"].pk]},
    )
    client.logout()
    assert "Secret Drill" in text(client, "/exercises/")


def test_a_bulk_update_is_visible_once_the_version_is_bumped(client, world):
    assert "Tianshan-I" in text(client, "/exercises/")
    Exercise.objects.filter(pk=world["tianshan"].pk).update(status="draft")  # sends no signal
    content_version.bump_content_version()
    assert "Tianshan-I" not in text(client, "/exercises/")


def test_the_version_moves_in_the_edit_transaction_and_rolls_back_with_it(world):
    from django.db import transaction

    before = content_version.content_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        world["pm2007"].save()
        assert content_version.content_version() == before + 1  # same transaction: already moved
        raise RuntimeError("roll back")
    assert content_version.content_version() == before
    assert ContentVersion.objects.get(pk=1).number == before


def test_records_no_page_shows_leave_the_version_alone(world):
    from topics.models import BundleState

    before = content_version.content_version()
    BundleState.objects.create(kind="exercise", key="x", bundle_hash="a", loaded_hash="b")
    assert content_version.content_version() == before


def test_a_migrate_run_moves_the_version_by_a_random_step(world):
    from django.core.management import call_command

    before = content_version.content_version()
    call_command("migrate", verbosity=0)
    after = content_version.content_version()
    call_command("migrate", verbosity=0)
    assert before < after < content_version.content_version()
    assert (after - before) != (content_version.content_version() - after)  # 1 in 2**32 to flake


@pytest.mark.django_db(transaction=True)
def test_a_save_moves_the_version_once_in_autocommit_and_in_a_transaction():
    from django.db import transaction

    exercise = ExerciseFactory(name="Lone Drill", start_date=datetime.date(2020, 1, 1))
    before = content_version.content_version()
    exercise.save()  # autocommit: bumped after the write
    assert content_version.content_version() == before + 1
    with transaction.atomic():
        exercise.save()  # bumped before the write, committed with it
    assert content_version.content_version() == before + 2
    exercise.delete()
    assert content_version.content_version() == before + 3


@pytest.mark.django_db(transaction=True)
def test_without_a_transaction_the_version_moves_only_after_the_write(client):
    from django.db.models.signals import pre_save

    exercise = ExerciseFactory(name="Lone Drill", start_date=datetime.date(2020, 1, 1))
    assert "Lone Drill" in text(client, "/exercises/")
    during = []

    def reader_meanwhile(sender, **kwargs):  # runs after the page cache's own receiver
        if sender is Exercise:
            during.append(text(client, "/exercises/"))

    pre_save.connect(reader_meanwhile, weak=False)
    try:
        exercise.name = "Lone Drill (renamed)"
        exercise.save()
    finally:
        pre_save.disconnect(reader_meanwhile)
    assert "Lone Drill (renamed)" not in during[0]  # cached, under the version before
    assert "Lone Drill (renamed)" in text(client, "/exercises/")


@pytest.mark.skipif(
    not __import__("os").environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row locks and deadlock detection: PostgreSQL only",
)
@pytest.mark.django_db(transaction=True)
def test_two_editors_saving_the_same_records_never_deadlock_on_the_version():
    import threading
    import time

    from django.db import connection, transaction

    first = ExerciseFactory(name="First Drill", start_date=datetime.date(2020, 1, 1))
    second = ExerciseFactory(name="Second Drill", start_date=datetime.date(2020, 2, 1))
    batch_started, editor_started = threading.Event(), threading.Event()
    errors = []

    def batch():  # e.g. a bulk edit or a revert: the first record, then the second
        try:
            with transaction.atomic():
                Exercise.objects.get(pk=first.pk).save()
                batch_started.set()
                editor_started.wait(5)
                time.sleep(0.5)  # the editor now holds (or waits for) its lock
                Exercise.objects.get(pk=second.pk).save()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    def editor():  # meanwhile, an editor saves the second record in the admin
        batch_started.wait(5)
        try:
            record = Exercise.objects.get(pk=second.pk)
            with transaction.atomic():
                editor_started.set()
                record.name = "Second Drill (edited)"
                record.save()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=batch), threading.Thread(target=editor)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert Exercise.objects.get(pk=second.pk).name == "Second Drill (edited)"


def version():
    return content_version.content_version()


def test_each_write_to_content_moves_the_version_once(world):
    # In a transaction (as every test is), the version moves before the write.
    before = version()
    link = ThemeLinkFactory(record=world["pm2007"], theme=world["border"])
    assert version() == before + 1
    world["article"].exercises.add(world["pm2018"])  # a relation of two records
    assert version() == before + 2
    link.delete()
    assert version() == before + 3
    CitationFactory(record=world["india"].memberships.get(), source=world["s1"])
    assert version() == before + 4


def test_users_and_bookkeeping_leave_the_version_alone(world):
    before = version()
    UserFactory()
    LinkCheckFactory()
    assert version() == before


def test_a_bump_creates_the_version_row_when_there_is_none():
    ContentVersion.objects.all().delete()  # as `flush` leaves it
    assert version() == 0
    content_version.bump_content_version()
    assert ContentVersion.objects.get(pk=1).number == 1


def test_migrated_moves_the_version_by_a_step_from_one_to_two_to_the_32(monkeypatch):
    before = version()
    monkeypatch.setattr(content_version.secrets, "randbelow", lambda n: n - 1)
    content_version.migrated(sender=None, using="default")
    assert version() == before + 2**32
    monkeypatch.setattr(content_version.secrets, "randbelow", lambda n: 0)
    content_version.migrated(sender=None, using="default")
    assert version() == before + 2**32 + 1


def test_migrated_creates_the_version_row_when_there_is_none(monkeypatch):
    ContentVersion.objects.all().delete()
    monkeypatch.setattr(content_version.secrets, "randbelow", lambda n: 41)
    content_version.migrated(sender=None, using="default")
    assert ContentVersion.objects.get(pk=1).number == 42


def test_migrated_back_to_before_the_version_table_does_nothing():
    class Before:
        def get_model(self, app_label, model_name):
            raise LookupError(model_name)

    before = version()
    content_version.migrated(sender=None, using="default", apps=Before())
    assert version() == before


# The publication marker ---------------------------------------------------------------

HOUR = datetime.timedelta(hours=1)


def test_the_marker_is_the_latest_publication_time_that_has_passed():
    now = timezone.now()
    TopicFactory(published_at=now - 2 * HOUR)
    ThemeFactory(published_at=now - HOUR)  # any kind of record counts
    ExerciseFactory(published_at=now + HOUR)  # scheduled: not yet
    PolicyFactory(status="draft", published_at=now - HOUR / 2)  # a draft: never
    assert content_version.publication_marker(version()) == now - HOUR


def test_the_marker_is_worked_out_once_per_version(django_assert_num_queries):
    ExerciseFactory(published_at=timezone.now() - HOUR)
    current = version()
    content_version.publication_marker(current)
    with django_assert_num_queries(0):
        content_version.publication_marker(current)
    kinds = [m for m in apps.get_app_config("topics").get_models() if issubclass(m, Publishable)]
    with django_assert_num_queries(len(kinds)):  # one aggregate per kind of record
        content_version.publication_marker(current + 1)


def test_the_marker_moves_when_a_scheduled_time_comes(monkeypatch, django_assert_num_queries):
    now = timezone.now()
    past = TopicFactory(published_at=now - HOUR)
    scheduled = ExerciseFactory(published_at=now + HOUR / 2)
    current = version()
    assert content_version.publication_marker(current) == past.published_at
    monkeypatch.setattr(timezone, "now", lambda: now + HOUR / 4)
    with django_assert_num_queries(0):  # nothing came due: the memo holds
        assert content_version.publication_marker(current) == past.published_at
    monkeypatch.setattr(timezone, "now", lambda: now + HOUR)
    assert content_version.publication_marker(current) == scheduled.published_at


def test_with_nothing_published_there_is_no_marker():
    ExerciseFactory(status="draft")
    assert content_version.publication_marker(version()) is None


# Scheduled publication -----------------------------------------------------------


def test_a_scheduled_record_appears_on_every_page_when_its_time_comes(client, world, monkeypatch):
    now = timezone.now()
    ExerciseFactory(
        name="Scheduled Drill 2026",
        start_date=datetime.date(2026, 3, 1),
        hosts=[world["cn"]],
        published_at=now + datetime.timedelta(minutes=30),
    )
    pages = {
        "/exercises/": "Scheduled Drill 2026",
        "/": "<strong>4</strong> SCO exercises",
        "/sitemap.xml": "/exercises/scheduled-drill-2026/",
        "/feed/": "Scheduled Drill 2026",
        world["cn"].get_absolute_url(): "Scheduled Drill 2026",
    }
    assert "<strong>3</strong> SCO exercises" in text(client, "/")
    for url, shown in pages.items():
        assert shown not in text(client, url), url
    assert client.get("/exercises/scheduled-drill-2026/").status_code == 404

    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(minutes=29))
    assert "Scheduled Drill 2026" not in text(client, "/exercises/")

    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(minutes=30))
    for url, shown in pages.items():
        assert shown in text(client, url), url
    detail = client.get("/exercises/scheduled-drill-2026/")
    assert detail.status_code == 200 and "Draft preview" not in detail.content.decode()


def test_pages_stay_cached_until_a_scheduled_time_comes(
    client, world, monkeypatch, django_assert_num_queries
):
    now = timezone.now()
    ExerciseFactory(
        name="Scheduled Drill 2026",
        start_date=datetime.date(2026, 3, 1),
        published_at=now + datetime.timedelta(hours=2),
    )
    client.get("/exercises/")
    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(hours=1))
    with django_assert_num_queries(1):
        client.get("/exercises/")
