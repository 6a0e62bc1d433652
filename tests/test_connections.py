"""Connections between records (issue 10): exercises and the agreements they were held
under, parties that signed versus joined later, a country's status timeline, a series'
editions side by side."""

import datetime
import json
import re

import pytest

from topics.views import RELATED_LIMIT

from .factories import (
    CountryFactory,
    ExerciseFactory,
    MembershipFactory,
    PolicyFactory,
    PolicyPartyFactory,
    SeriesFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db
d = datetime.date


def text(response):
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def framed(db):
    agreement = PolicyFactory(
        short_name="Joint Exercises Agreement", slug="joint-exercises", signed_date=d(2007, 6, 27)
    )
    draft = PolicyFactory(short_name="Draft Exercises Protocol", status="draft")
    exercise = ExerciseFactory(
        name="Peace Mission 2010", start_date=d(2010, 9, 9), agreements=[agreement, draft]
    )
    ExerciseFactory(name="Secret Drill", status="draft", agreements=[agreement])
    return {"agreement": agreement, "draft": draft, "exercise": exercise}


def test_an_exercise_page_links_to_its_published_agreements(client, framed):
    page = text(client.get("/exercises/peace-mission-2010/"))
    assert (
        '<dt>Held under</dt><dd><a href="/policies/joint-exercises/">Joint Exercises Agreement'
        '</a> <span class="muted">(27 June 2007)</span></dd>'
    ) in page
    assert "Draft Exercises Protocol" not in page


def test_a_policy_page_lists_the_published_exercises_held_under_it(client, framed):
    page = text(client.get("/policies/joint-exercises/"))
    assert "Exercises held under it (1)" in page
    assert 'href="/exercises/peace-mission-2010/">Peace Mission 2010</a>' in page
    assert "Secret Drill" not in page
    assert "All 1 exercises held under it" not in page  # all shown: no link


def test_a_policy_page_bounds_its_exercises_and_links_to_the_filtered_list(client, framed):
    for year in range(2011, 2011 + RELATED_LIMIT):
        ExerciseFactory(
            name=f"Drill {year}", start_date=d(year, 5, 1), agreements=[framed["agreement"]]
        )
    total = RELATED_LIMIT + 1
    page = text(client.get("/policies/joint-exercises/"))
    listed = re.findall(r'href="/exercises/([a-z0-9-]+)/"', page)
    assert len(listed) == RELATED_LIMIT and listed[0] == f"drill-{2010 + RELATED_LIMIT}"
    assert (
        f'<a href="/exercises/?agreement=joint-exercises">All {total} exercises held under it'
        in page
    )
    # The link's list has them all, and says what it filters by.
    listing = client.get("/exercises/?agreement=joint-exercises")
    assert listing.context["paginator"].count == total
    assert "Held under: Joint Exercises Agreement" in text(listing)


def test_the_downloads_name_agreements_signatories_and_who_joined_later(client, framed):
    india = CountryFactory(name="India", iso_code="IN")
    china = CountryFactory(name="China", iso_code="CN")
    pakistan = CountryFactory(name="Pakistan", iso_code="PK")
    agreement = framed["agreement"]
    PolicyPartyFactory(policy=agreement, country=china)
    PolicyPartyFactory(policy=agreement, country=india, role="acceded", joined_date=d(2017, 6, 9))
    PolicyPartyFactory(policy=agreement, country=pakistan, role="acceded")
    rows = json.loads(client.get("/exercises/export.json").content)["results"]
    assert [(row["slug"], row["agreements"]) for row in rows] == [
        ("peace-mission-2010", ["joint-exercises"])
    ]
    (row,) = json.loads(client.get("/policies/export.json?q=joint").content)["results"]
    assert row["parties"] == ["CN", "IN", "PK"]
    assert row["signatories"] == ["CN"]
    assert row["joined_later"] == ["IN:2017-06-09", "PK"]


def test_a_policy_page_lists_signatories_and_states_that_joined_later_apart(client, db):
    china, russia = CountryFactory(name="China"), CountryFactory(name="Russia")
    india, pakistan = CountryFactory(name="India"), CountryFactory(name="Pakistan")
    policy = PolicyFactory(short_name="Extremism Convention", parties=[russia, china])
    PolicyPartyFactory(policy=policy, country=pakistan, role="acceded")
    PolicyPartyFactory(policy=policy, country=india, role="acceded", joined_date=d(2017, 6, 9))
    page = text(client.get("/policies/extremism-convention/"))
    assert (
        '<dt>Signatories</dt><dd><a href="/countries/china/">China</a>, '
        '<a href="/countries/russia/">Russia</a></dd>'
    ) in page
    # Joined later: by date joined, an unknown date last.
    assert (
        '<dt>Joined later</dt><dd><a href="/countries/india/">India</a> '
        '<span class="muted">(9 June 2017)</span>, <a href="/countries/pakistan/">Pakistan</a></dd>'
    ) in page
    # The country page marks the document as joined later.
    country = text(client.get("/countries/india/"))
    assert "· joined later, 9 June 2017</span>" in country
    assert "joined later" not in text(client.get("/countries/china/"))


def test_a_country_page_shows_its_status_timeline_oldest_first(client, db):
    india = CountryFactory(name="India", membership__start_date=d(2017, 6, 9))
    source = SourceFactory(title="SCO press release", publisher="SCO Secretariat")
    observer = MembershipFactory(
        country=india,
        status="observer",
        start_date=d(2005, 7, 1),
        start_precision="month",
        end_date=d(2017, 6, 8),
        note="Admitted at the Astana summit.",
    )
    observer.citations.create(source=source, position=1)
    page = text(client.get("/countries/india/"))
    timeline = page[page.index('<ol class="status-timeline"') : page.index("</ol>")]
    periods = re.findall(r"<strong>([^<]+)</strong>", timeline)
    assert periods == ["Observer", "Member state"]
    assert (
        'From <time datetime="2005-07">July 2005</time> to '
        '<time datetime="2017-06-08">8 June 2017</time>'
    ) in timeline
    assert "Admitted at the Astana summit." in timeline
    assert (
        f'<a href="{source.url}" rel="noopener noreferrer" title="{source.title}">'
        "SCO Secretariat</a>" in timeline
    )
    assert 'Since <time datetime="2017-06-09">9 June 2017</time>' in timeline
    assert timeline.count('<span class="tag">current</span>') == 1
    assert "Sources: none cited" in timeline  # the membership period has none


def test_a_series_page_compares_its_editions_in_one_table(client, framed):
    pm = SeriesFactory(name="Peace Mission")
    cn, ru = CountryFactory(name="China"), CountryFactory(name="Russia")
    kz, pk = CountryFactory(name="Kazakhstan"), CountryFactory(name="Pakistan")
    ExerciseFactory(
        name="Peace Mission 2007",
        series=pm,
        start_date=d(2007, 8, 9),
        hosts=[cn, ru],
        participants=[kz],
        observers=[pk],
        location="Chebarkul, Russia",
        personnel=6500,
        agreements=[framed["agreement"]],
    )
    ExerciseFactory(
        name="Peace Mission 2009",
        series=pm,
        start_date=d(2009, 7, 1),
        start_precision="month",
        hosts=[cn],
        personnel=2600,
        personnel_approximate=False,
        kind="peacekeeping",
        framework="sco-bilateral",
    )
    ExerciseFactory(name="Peace Mission 2008", series=pm, status="draft")
    page = text(client.get("/series/peace-mission/"))
    table = page[page.index('<div class="table-scroll"') : page.index("</table>")]
    assert 'role="region" aria-labelledby="editions-caption" tabindex="0"' in table
    assert '<caption id="editions-caption">Peace Mission editions compared</caption>' in table
    assert table.count('<th scope="col">') == 9
    rows = [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        for row in re.findall(r"<tr>\s*(<th scope=\"row\">.*?)</tr>", table, re.S)
    ]
    assert rows == [
        ["Peace Mission 2009", "July 2009", "China", "—", "—", "2,600", "Peacekeeping",
         "Bilateral under the SCO", "—"],
        ["Peace Mission 2007", "9 August 2007", "China, Russia", "Chebarkul, Russia",
         "Kazakhstan, Pakistan (observer)", "about 6,500", "Counterterrorism",
         "SCO multilateral", "Joint Exercises Agreement"],
    ]  # fmt: skip
