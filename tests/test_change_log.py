"""The public change log on every record page: dates and reasons, never editors."""

import datetime

import pytest
from reversion.models import Revision

from topics.history import save_version
from topics.models import RevisionNote

from .factories import UserFactory

pytestmark = pytest.mark.django_db

PM2007 = "/exercises/peace-mission-2007/"


def text(response):
    return response.content.decode()


def on(day, month, year=2024):
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


def version(record, when, **note):
    """Save a version of `record` dated `when`; return its revision."""
    save_version(record, **note)
    revision = Revision.objects.order_by("-pk").first()
    Revision.objects.filter(pk=revision.pk).update(date_created=when)
    return revision


def time(day):
    return f'<time datetime="{day.isoformat()}">{day.day} {day:%B %Y}</time>'


def test_change_log_lists_reasons_and_dates_newest_first(client, world):
    version(world["pm2007"], on(5, 3), reason="Corrected troop numbers")
    version(world["pm2007"], on(9, 4), reason="Added the TASS report")
    page = text(client.get(PM2007))
    assert '<h2 id="change-log-heading">Change log</h2>' in page
    newest = f"<li>{time(on(9, 4))}: Added the TASS report</li>"
    oldest = f"<li>{time(on(5, 3))}: Corrected troop numbers</li>"
    assert newest in page and oldest in page
    assert page.index(newest) < page.index(oldest)


def test_a_change_without_a_reason_shows_only_its_date(client, world):
    version(world["pm2007"], on(5, 3), reason="")
    page = text(client.get(PM2007))
    assert f"<li>{time(on(5, 3))}</li>" in page
    # The revision's comment (the kind's label) is not shown either.
    assert "Edited in the admin" not in page


def test_created_and_last_changed_come_from_the_history_and_the_record(client, world):
    from topics.models import Exercise

    Exercise.objects.filter(pk=world["pm2007"].pk).update(
        created_at=on(1, 1, 2020), updated_at=on(2, 2, 2021)
    )
    page = text(client.get(PM2007))
    assert f"Created {time(on(1, 1, 2020))}; last changed {time(on(2, 2, 2021))}." in page
    assert '<ul class="change-list"' not in page  # no versions yet
    version(world["pm2007"], on(5, 3), reason="Corrected troop numbers")
    page = text(client.get(PM2007))
    assert f"Created {time(on(1, 1, 2020))}; last changed {time(on(5, 3))}." in page


def test_only_the_newest_five_changes_are_listed_with_a_count_of_the_rest(client, world):
    for day in range(1, 8):
        version(world["pm2007"], on(day, 5), reason=f"Change number {day}")
    page = text(client.get(PM2007))
    assert [n for n in range(1, 8) if f"Change number {n}<" in page] == [3, 4, 5, 6, 7]
    assert "And 2 earlier changes." in page


def test_the_log_of_another_record_does_not_leak(client, world):
    version(world["pm2018"], on(5, 3), reason="Renamed the 2018 drill")
    version(world["convention"], on(6, 3), reason="Fixed the ratification date")
    version(world["pm2007"], on(7, 3), reason="Corrected troop numbers")
    page = text(client.get(PM2007))
    assert "Corrected troop numbers" in page
    assert "Renamed the 2018 drill" not in page and "Fixed the ratification date" not in page
    assert "earlier change" not in page


def test_editors_names_and_addresses_never_appear(client, world):
    editor = UserFactory(
        username="jane.editor", email="jane@editors.invalid", first_name="Jane", last_name="Roe"
    )
    version(world["pm2007"], on(5, 3), reason="Corrected troop numbers", user=editor)
    page = text(client.get(PM2007))
    assert "Corrected troop numbers" in page
    for needle in ("jane", "Jane", "Roe", "editors.invalid"):
        assert needle not in page


def test_a_snapshot_taken_before_a_deletion_is_not_a_change(client, world):
    version(world["pm2007"], on(5, 3), kind=RevisionNote.Kind.DELETE, reason="Duplicate record")
    version(world["pm2007"], on(6, 3), kind=RevisionNote.Kind.RECOVER, reason="Restored")
    page = text(client.get(PM2007))
    assert f"<li>{time(on(6, 3))}: Restored</li>" in page
    assert "Duplicate record" not in page


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("article", "/topics/peace-mission-exercises/"),
        ("pm2007", PM2007),
        ("convention", "/policies/shanghai-convention/"),
        ("cn", "/countries/china/"),
        ("ct", "/themes/counterterrorism/"),
        ("pm", "/series/peace-mission/"),
    ],
)
def test_every_record_page_has_its_change_log(client, world, key, url):
    version(world[key], on(5, 3), reason=f"Checked the {key} record")
    page = text(client.get(url))
    assert f"<li>{time(on(5, 3))}: Checked the {key} record</li>" in page
    assert page.count('id="change-log-heading"') == 1


def test_the_log_costs_the_same_queries_however_long_it_is(
    client, world, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    version(world["pm2007"], on(1, 3), reason="First")
    client.get(PM2007)  # fill process-wide caches (content types)
    version(world["pm2007"], on(2, 3), reason="Second")
    with CaptureQueriesContext(connection) as short:
        assert "Second" in text(client.get(PM2007))
    for day in range(3, 20):
        version(world["pm2007"], on(day, 3), reason=f"Change {day}")
    with django_assert_num_queries(len(short)):
        assert "And 14 earlier changes." in text(client.get(PM2007))


def test_the_log_is_read_in_one_query(world, django_assert_num_queries):
    from topics.history import change_log

    for day in range(1, 9):
        version(world["pm2007"], on(day, 3), reason=f"Change {day}")
    change_log(world["pm2007"])  # fill process-wide caches (content types)
    with django_assert_num_queries(1):
        log = change_log(world["pm2007"])
    assert [entry["reason"] for entry in log.entries] == [f"Change {d}" for d in (8, 7, 6, 5, 4)]
    assert log.earlier == 3
