"""Reader downloads (topics/downloads.py): a filtered list as CSV or JSON, the same
records in the same order as the list page, with exact rows and no drafts."""

import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import DRAFT_LINKS, DRAFT_NAMES
from .factories import ExerciseFactory, PolicyFactory

pytestmark = pytest.mark.django_db

VOCABULARY_COLUMNS = ["slug", "series", "hosts", "participants", "observers", "themes"]
EXERCISE_ROWS = [
    ["peace-mission-2018", "Peace Mission", "RU", "CN;IN;KZ;PK", "", "counterterrorism"],
    ["joint-sea-2012", "", "CN", "RU", "", ""],
    ["peace-mission-2007", "Peace Mission", "CN;RU", "KZ", "", "counterterrorism"],
    ["tianshan-i", "", "CN;KZ", "", "", "border-security"],
]
POLICY_ROWS = [
    ["extremism-convention", "CN;IN;KZ;PK;RU", "counterterrorism"],
    ["border-agreement", "CN;RU", "border-security"],
    ["shanghai-convention", "CN;KZ;RU", "counterterrorism"],
]


def csv_rows(response, columns):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    reader = csv.DictReader(io.StringIO(response.content.decode()))
    return [[row[column] for column in columns] for row in reader]


def assert_no_drafts(body):
    for needle in [*DRAFT_NAMES, *DRAFT_LINKS, "RT", "FD", "space-security", "arctic-security"]:
        assert needle not in body


def test_exercise_csv_lists_published_vocabulary_only(client, drafts):
    response = client.get("/exercises/export.csv")
    assert csv_rows(response, VOCABULARY_COLUMNS) == EXERCISE_ROWS
    assert_no_drafts(response.content.decode())


def test_exercise_json_lists_published_vocabulary_only(client, drafts):
    response = client.get("/exercises/export.json")
    data = json.loads(response.content)
    assert data["count"] == 4
    rows = [[row[c] for c in VOCABULARY_COLUMNS] for row in data["results"]]
    as_lists = [
        [slug, series, *(value.split(";") if value else [] for value in rest)]
        for slug, series, *rest in EXERCISE_ROWS
    ]
    assert rows == as_lists
    assert_no_drafts(response.content.decode())


def test_policy_csv_and_json_list_published_parties_and_themes_only(client, drafts):
    response = client.get("/policies/export.csv")
    assert csv_rows(response, ["slug", "parties", "themes"]) == POLICY_ROWS
    assert_no_drafts(response.content.decode())
    data = json.loads(client.get("/policies/export.json").content)
    assert [[r["slug"], r["parties"], r["themes"]] for r in data["results"]] == [
        [slug, parties.split(";"), [themes]] for slug, parties, themes in POLICY_ROWS
    ]


def test_a_download_filtered_by_a_draft_is_the_full_list_with_a_notice(client, drafts):
    data = json.loads(client.get("/exercises/export.json", {"series": "sea-guardian"}).content)
    assert data["notices"] == [
        "Series: Select a valid choice. That choice is not one of the available choices. "
        "This filter was ignored."
    ]
    assert [row["slug"] for row in data["results"]] == [row[0] for row in EXERCISE_ROWS]


def test_a_filtered_download_matches_the_page(client, drafts):
    response = client.get("/exercises/export.csv", {"host": "RU"})
    assert csv_rows(response, VOCABULARY_COLUMNS) == [EXERCISE_ROWS[0], EXERCISE_ROWS[2]]


# The download is the list page in another format -------------------------------------


def page_slugs(client, url, query):
    response = client.get(f"{url}?{query}")
    assert response.status_code == 200
    records = response.context["paginator"].object_list
    assert len(records) <= 20  # one page, so the page shows them all
    return [record.slug for record in records]


def download_slugs(client, url, query):
    rows = csv.DictReader(io.StringIO(client.get(f"{url}export.csv?{query}").content.decode()))
    from_csv = [row["slug"] for row in rows]
    data = json.loads(client.get(f"{url}export.json?{query}").content)
    from_json = [row["slug"] for row in data["results"]]
    assert data["count"] == len(from_json)
    assert from_csv == from_json
    return from_json


@pytest.mark.parametrize(
    "query",
    [
        "",
        "host=RU",
        "sort=name",
        "sort=-personnel",
        "sort=date&q=peace",
        "country=in",
        "country=CN&country=RU",
        "scope=sco",
        "theme=counterterrorism&sort=-name",
        "year_from=2012&year_to=2007",
        "kind=naval&colour=red",
        "year_from=abc&framework=rats",
        "series=sea-guardian",
        "page=1",
    ],
)
def test_an_exercise_download_has_the_records_of_the_list_page_in_its_order(client, drafts, query):
    shown = page_slugs(client, "/exercises/", query)
    assert download_slugs(client, "/exercises/", query) == shown
    assert "secret-drill-2019" not in shown


@pytest.mark.parametrize(
    "query",
    ["", "party=cn&party=kz", "sort=name", "sort=date", "year_from=2010", "legal_status=x"],
)
def test_a_policy_download_has_the_records_of_the_list_page_in_its_order(client, drafts, query):
    shown = page_slugs(client, "/policies/", query)
    assert download_slugs(client, "/policies/", query) == shown
    assert "draft-protocol" not in shown


def test_a_download_is_not_paginated(client, world):
    ExerciseFactory.create_batch(25, kind="cyber", hosts=[world["cn"]])
    data = json.loads(client.get("/exercises/export.json?kind=cyber&page=2").content)
    assert data["count"] == len(data["results"]) == 25


# Exact rows ------------------------------------------------------------------------------

d = datetime.date


@pytest.fixture
def known(drafts):
    """One exercise and one policy with every field set, dates at three precisions,
    and draft vocabulary linked (which no download may name)."""
    w = drafts
    exercise = ExerciseFactory(
        name="Peace Mission 2021",
        series=w["pm"],
        start_date=d(2021, 9, 11),
        start_precision="month",
        end_date=d(2021, 9, 25),
        location="Orenburg, Russia",
        latitude="51.76740",
        longitude="55.09700",
        domains=["land", "air"],
        hosts=[w["ru"]],
        participants=[w["kz"], w["india"], w["cn"], w["ruritania"]],
        observers=[w["pk"], w["freedonia"]],
        themes=[w["ct"], w["space"], w["border"]],
        personnel=4000,
        personnel_approximate=False,
        sources=[w["s2"], w["s1"]],
    )
    policy = PolicyFactory(
        short_name="Border Protocol",
        title="Protocol on the state border",
        kind="protocol",
        signed_date=d(2015, 3, 3),
        signed_precision="year",
        signed_place="Ufa",
        in_force_date=d(2016, 10, 2),
        in_force_precision="month",
        legal_status="in-force",
        summary="Where the border runs.",
        official_text_url="https://example.org/protocol",
        parties=[w["kz"], w["ruritania"], w["cn"]],
        themes=[w["border"], w["arctic"]],
        sources=[w["s1"]],
    )
    return {**w, "exercise": exercise, "policy": policy}


def exercise_row(known):
    return {
        "slug": "peace-mission-2021",
        "name": "Peace Mission 2021",
        "series": "Peace Mission",
        "start": "2021-09",
        "end": "2021-09-25",
        "held": True,
        "location": "Orenburg, Russia",
        "latitude": "51.76740",
        "longitude": "55.09700",
        "kind": "counterterrorism",
        "framework": "sco-multilateral",
        "domains": ["air", "land"],
        "hosts": ["RU"],
        "participants": ["CN", "IN", "KZ"],
        "observers": ["PK"],
        "personnel": 4000,
        "personnel_approximate": False,
        "themes": ["counterterrorism", "border-security"],
        "agreements": [],
        "sources": [known["s2"].url, known["s1"].url],
        "url": "http://testserver/exercises/peace-mission-2021/",
    }


def policy_row(known):
    return {
        "slug": "border-protocol",
        "short_name": "Border Protocol",
        "title": "Protocol on the state border",
        "kind": "protocol",
        "signed": "2015",
        "signed_place": "Ufa",
        "in_force": "2016-10",
        "status": "in-force",
        "parties": ["CN", "KZ"],
        "signatories": ["CN", "KZ"],
        "joined_later": [],
        "themes": ["border-security"],
        "summary": "Where the border runs.",
        "official_text_url": "https://example.org/protocol",
        "sources": [known["s1"].url],
        "url": "http://testserver/policies/border-protocol/",
    }


def as_csv_values(row):
    """A row as the CSV writes it: lists joined with ";", everything as text."""
    return {
        key: ";".join(value) if isinstance(value, list) else "" if value is None else str(value)
        for key, value in row.items()
    }


def test_the_json_row_of_an_exercise_has_every_value(client, known):
    data = json.loads(client.get("/exercises/export.json?q=peace+mission+2021").content)
    assert data == {"count": 1, "notices": [], "results": [exercise_row(known)]}


def test_the_csv_row_of_an_exercise_has_every_value(client, known):
    response = client.get("/exercises/export.csv?q=peace+mission+2021")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows == [as_csv_values(exercise_row(known))]
    assert list(rows[0]) == list(exercise_row(known))  # the columns, in order


def test_the_json_row_of_a_policy_has_every_value(client, known):
    data = json.loads(client.get("/policies/export.json?q=border+protocol").content)
    assert data == {"count": 1, "notices": [], "results": [policy_row(known)]}


def test_the_csv_row_of_a_policy_has_every_value(client, known):
    response = client.get("/policies/export.csv?q=border+protocol")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows == [as_csv_values(policy_row(known))]
    assert list(rows[0]) == list(policy_row(known))


def test_a_record_without_optional_values_has_empty_cells(client, world):
    data = json.loads(client.get("/exercises/export.json?q=tianshan").content)
    (row,) = data["results"]
    assert (row["start"], row["end"], row["series"], row["personnel"]) == ("2006-08", "", "", None)
    (line,) = csv.DictReader(io.StringIO(client.get("/exercises/export.csv?q=tianshan").text))
    assert (line["start"], line["end"], line["personnel"], line["observers"]) == (
        "2006-08",
        "",
        "",
        "",
    )


# Notices, formats, files ------------------------------------------------------------------


def test_the_json_says_what_the_download_ignored(client, world):
    data = json.loads(client.get("/exercises/export.json?year_from=abc&colour=red").content)
    assert data["notices"] == [
        "From year: Enter a whole number. This filter was ignored.",
        "“colour” is not a filter of this list; it was ignored.",
    ]
    assert data["count"] == 4


def test_downloads_are_named_files_of_their_format(client, world):
    for url, content_type, name in (
        ("/exercises/export.csv", "text/csv; charset=utf-8", "sco-exercises.csv"),
        ("/exercises/export.json", "application/json; charset=utf-8", "sco-exercises.json"),
        ("/policies/export.csv", "text/csv; charset=utf-8", "sco-policies.csv"),
        ("/policies/export.json", "application/json; charset=utf-8", "sco-policies.json"),
    ):
        response = client.get(url)
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == f'attachment; filename="{name}"'


def test_an_unknown_format_is_404(client, world):
    assert client.get("/exercises/export.xml").status_code == 404
    assert client.get("/policies/export.txt").status_code == 404


@pytest.mark.parametrize(
    "url", ["/exercises/export.csv?sort=name", "/policies/export.json?party=CN"]
)
def test_a_download_costs_the_same_queries_at_two_sizes(client, drafts, url):
    from .test_views import grow

    client.get(url)  # fill process-wide caches (content types)
    grow(drafts, 2, "Small")
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    grow(drafts, 15, "Large")
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)
