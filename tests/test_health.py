"""The admin's Content health page: each section's exact entries, who may see it, queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from topics import health
from topics.models import Exercise, LinkCheck

from .factories import (
    CitationFactory,
    CountryFactory,
    ExerciseFactory,
    LinkCheckFactory,
    PolicyFactory,
    SeriesFactory,
    SourceFactory,
    StaffFactory,
    ThemeFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db
URL = "/admin/content-health/"


def entries(found):
    return [(str(entry.record) if entry.record else entry.url, entry.note) for entry in found]


def related(found):
    return {entry.title: [other.title for other in entry.related] for entry in found}


@pytest.fixture
def editor_client(client):
    client.force_login(StaffFactory(groups=["Editor"]))
    return client


def test_unsourced_lists_published_records_citing_nothing():
    src = SourceFactory()
    cited_country = CountryFactory(name="China", iso_code="CN")
    CitationFactory(record=cited_country.memberships.get(), source=src)
    bare_country = CountryFactory(
        name="India", iso_code="IN", membership__start_date=datetime.date(2017, 6, 9)
    )
    exercise = ExerciseFactory(name="Bare Drill", start_date=datetime.date(2020, 1, 1))
    ExerciseFactory(name="Cited Drill", start_date=datetime.date(2020, 2, 1), sources=[src])
    ExerciseFactory(name="Draft Drill", start_date=datetime.date(2020, 3, 1), status="draft")
    PolicyFactory(short_name="Bare Treaty", signed_date=datetime.date(2001, 6, 15))
    topic = TopicFactory(title="Bare Topic")
    period = bare_country.memberships.get().period_display

    assert entries(health.unsourced()) == [
        ("Bare Drill", "Cites no source."),
        ("Bare Treaty", "Cites no source."),
        ("Bare Topic", "Cites no source."),
        ("India", f"No source for: Member state ({period})."),
    ]

    for record in (exercise, topic, bare_country.memberships.get()):
        CitationFactory(record=record, source=src)
    assert entries(health.unsourced()) == [("Bare Treaty", "Cites no source.")]


def test_drafts_waiting_lists_every_kind_of_draft():
    topic = TopicFactory(title="Unfinished", status="draft")
    ThemeFactory(name="Cyber", status="draft")
    TopicFactory(title="Done")
    changed = date_format(timezone.localdate())

    assert entries(health.drafts()) == [
        ("Unfinished", f"Draft, last changed {changed}."),
        ("Cyber", f"Draft, last changed {changed}."),
    ]
    topic.status = "published"
    topic.save()
    assert entries(health.drafts()) == [("Cyber", f"Draft, last changed {changed}.")]


def test_topics_not_reviewed_for_a_year_are_listed_oldest_first():
    today = datetime.date(2026, 3, 1)
    TopicFactory(title="Never", last_reviewed=None)
    old = TopicFactory(title="Old", last_reviewed=datetime.date(2025, 2, 28))
    TopicFactory(title="Exactly a year", last_reviewed=datetime.date(2025, 3, 1))
    TopicFactory(title="Recent", last_reviewed=datetime.date(2025, 9, 1))
    TopicFactory(title="Draft", last_reviewed=None, status="draft")

    assert entries(health.unreviewed_topics(today)) == [
        ("Never", "Never reviewed."),
        ("Old", f"Last reviewed {date_format(datetime.date(2025, 2, 28))}."),
    ]
    old.last_reviewed = today
    old.save()
    assert entries(health.unreviewed_topics(today)) == [("Never", "Never reviewed.")]


def test_on_29_february_a_review_on_28_february_last_year_is_recent_enough():
    TopicFactory(title="Day before", last_reviewed=datetime.date(2027, 2, 27))
    TopicFactory(title="Same day", last_reviewed=datetime.date(2027, 2, 28))
    assert [e.title for e in health.unreviewed_topics(datetime.date(2028, 2, 29))] == ["Day before"]


def test_missing_references_finds_gone_sources_and_dead_or_draft_site_links():
    src = SourceFactory(key="xinhua-2007")
    ExerciseFactory(name="Peace Mission 2007", start_date=datetime.date(2007, 8, 9))
    PolicyFactory(
        short_name="Draft Protocol", signed_date=datetime.date(2020, 1, 1), status="draft"
    )
    topic = TopicFactory(
        title="Origins",
        body=(
            "Known [@xinhua-2007], gone [@tass-2007] and again [@tass-2007].\n\n"
            "See [the drill](/exercises/peace-mission-2007/), [a lost one](/exercises/lost/#x), "
            "[the protocol](/policies/draft-protocol/), the [list](/exercises/export.csv) "
            'and <a href="/countries/atlantis/">Atlantis</a>.\n\n'
            "[ref]: /themes/none/\n"
        ),
    )
    ExerciseFactory(
        name="Tianshan",
        start_date=datetime.date(2006, 8, 1),
        disputed="Compare [Peace Mission](/series/no-such-series/).",
    )
    TopicFactory(
        title="Sketch", body="[x](/policies/draft-protocol/) [y](/topics/nowhere/)", status="draft"
    )

    assert entries(health.missing_references()) == [
        ("Origins", "Cites [@tass-2007], but no source has that key."),
        ("Origins", "Links to /exercises/lost/, which does not exist."),
        ("Origins", "Links to /policies/draft-protocol/, which readers cannot see (Draft)."),
        ("Origins", "Links to /countries/atlantis/, which does not exist."),
        ("Origins", "Links to /themes/none/, which does not exist."),
        ("Sketch", "Links to /topics/nowhere/, which does not exist."),
        ("Tianshan", "Links to /series/no-such-series/, which does not exist."),
    ]
    assert [[other.title for other in entry.related] for entry in health.missing_references()] == [
        [],
        [],
        ["Draft Protocol"],
        [],
        [],
        [],
        [],
    ]

    topic.body = f"Fixed [@{src.key}], see [the drill](/exercises/peace-mission-2007/)."
    topic.save()
    assert [e.title for e in health.missing_references()] == ["Sketch", "Tianshan"]


def test_vocabulary_readers_cannot_see_but_published_records_use():
    hidden_country = CountryFactory(name="Atlantis", iso_code="AT")
    hidden_country.status = "draft"
    hidden_country.save()
    hidden_theme = ThemeFactory(name="Cyber", status="draft")
    later = timezone.now() + datetime.timedelta(days=3)
    scheduled_series = SeriesFactory(name="Sea Breeze", published_at=later)
    exercise = ExerciseFactory(
        name="Sea Breeze 2026",
        start_date=datetime.date(2026, 1, 1),
        participants=[hidden_country],
        themes=[hidden_theme],
        series=scheduled_series,
    )
    PolicyFactory(
        short_name="Cyber Pact",
        signed_date=datetime.date(2021, 1, 1),
        parties=[hidden_country],
        themes=[hidden_theme],
    )
    ExerciseFactory(
        name="Draft Drill",
        start_date=datetime.date(2026, 2, 1),
        status="draft",
        hosts=[hidden_country],
    )

    found = health.draft_vocabulary()
    assert entries(found) == [
        ("Atlantis", "Draft, but used by published records:"),
        ("Sea Breeze", f"Scheduled for {date_format(timezone.localtime(later))}, but used by "
                       "published records:"),
        ("Cyber", "Draft, but used by published records:"),
    ]  # fmt: skip
    assert related(found) == {
        "Atlantis": ["Sea Breeze 2026", "Cyber Pact"],
        "Sea Breeze": ["Sea Breeze 2026"],
        "Cyber": ["Sea Breeze 2026", "Cyber Pact"],
    }

    hidden_country.status = "published"
    hidden_country.save()
    Exercise.objects.filter(pk=exercise.pk).update(series=None)
    assert [e.title for e in health.draft_vocabulary()] == ["Cyber"]


def test_broken_links_list_the_records_using_them():
    gone = "https://example.org/gone"
    SourceFactory(title="Xinhua report", url=gone)
    PolicyFactory(
        short_name="Charter", signed_date=datetime.date(2002, 6, 7), official_text_url=gone
    )
    SourceFactory(title="TASS report", url="https://example.org/fine")
    checked = timezone.now()
    LinkCheckFactory(url=gone, status_code=404, error="Not Found", checked_at=checked)
    LinkCheckFactory(url="https://example.org/fine", ok=True, status_code=200, checked_at=checked)
    LinkCheckFactory(url="https://example.org/unused", checked_at=checked)

    found = health.broken_links()
    assert entries(found) == [
        (gone, f"HTTP 404: Not Found (checked {date_format(timezone.localtime(checked))}).")
    ]
    assert related(found) == {gone: ["Xinhua report", "Charter"]}

    LinkCheck.objects.filter(url=gone).update(ok=True, status_code=200, error="")
    assert health.broken_links() == []


def build_problems(n):
    """n records for every section of the page."""
    src = SourceFactory()
    hidden = ThemeFactory(name=f"Hidden {n}", status="draft")
    for i in range(n):
        ExerciseFactory(
            name=f"Bare {n}-{i}",
            start_date=datetime.date(2020, 1, 1),
            themes=[hidden],
            description=f"[x](/exercises/missing-{n}-{i}/) [@gone-{n}-{i}]",
        )
        TopicFactory(title=f"Old {n}-{i}", last_reviewed=datetime.date(2000, 1, 1), themes=[hidden])
        TopicFactory(title=f"Draft {n}-{i}", status="draft")
        CountryFactory(name=f"Land {n}-{i}", iso_code=f"{chr(65 + n)}{chr(65 + i)}")
        url = f"https://example.org/broken-{n}-{i}"
        PolicyFactory(
            short_name=f"Pact {n}-{i}",
            signed_date=datetime.date(2001, 1, 1),
            official_text_url=url,
            sources=[src],
        )
        LinkCheckFactory(url=url, status_code=500)


def test_page_lists_every_section_with_counts_and_admin_links(editor_client):
    build_problems(1)
    page = editor_client.get(URL).content.decode()
    exercise = Exercise.objects.get(name="Bare 1-0")
    assert f'href="{reverse("admin:topics_exercise_change", args=[exercise.pk])}"' in page
    for heading in (
        "Published records without sources (3)",  # the exercise, the old topic, the country
        "Drafts waiting (2)",
        "Topics not reviewed for 12 months (1)",
        "References to records that no longer exist (2)",
        "Vocabulary in draft that published records use (1)",
        "Broken external links (1)",
    ):
        assert heading in page
    assert 'href="https://example.org/broken-1-0"' in page
    assert '<div class="breadcrumbs">' in page and "Content health" in page


def test_page_says_so_when_a_section_is_empty(editor_client):
    page = editor_client.get(URL).content.decode()
    assert "No drafts are waiting." in page
    assert "Every published record cites a source." in page
    assert "No broken links were found by the last check" in page


def test_page_queries_do_not_grow_with_the_content(editor_client):
    build_problems(1)
    editor_client.get(URL)  # warm the content-type and permission caches
    with CaptureQueriesContext(connection) as small:
        editor_client.get(URL)
    build_problems(4)
    with CaptureQueriesContext(connection) as large:
        page = editor_client.get(URL).content.decode()
    assert "Drafts waiting (7)" in page
    assert len(large) == len(small) <= 35, [q["sql"] for q in large]


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={URL}"


def test_editors_see_the_page_and_its_link_on_the_admin_index(editor_client):
    assert editor_client.get(URL).status_code == 200
    index = editor_client.get("/admin/").content.decode()
    assert f'<a href="{URL}">Content health</a>' in index


def test_staff_without_view_permissions_are_refused(client):
    client.force_login(StaffFactory())
    client.raise_request_exception = False
    assert client.get(URL).status_code == 403
    assert "Content health" not in client.get("/admin/").content.decode()
