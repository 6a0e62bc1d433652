"""Reader downloads (CSV and JSON of the filtered lists): exact rows, drafts left out."""

import csv
import io
import json

import pytest

from .conftest import DRAFT_LINKS, DRAFT_NAMES

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
