"""The JSON API (topics/api.py): the list pages' records, in their order, drafts never."""

import json

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse

from topics import api
from topics.downloads import exercise_row, meeting_row, policy_row

from .conftest import DRAFT_LINKS, DRAFT_NAMES


@pytest.fixture(scope="module")
def openapi():
    return OpenAPI.from_dict(json.loads(json.dumps(api.schema(), default=str)))


@pytest.fixture
def get(client, openapi):
    """GET an API address; check the response against the schema; return it."""

    def get(url, data=None):
        response = client.get(url, data)
        assert response["Content-Type"].startswith("application/json")
        openapi.validate_response(
            DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response)
        )
        return response

    return get


def page_slugs(client, url, query):
    response = client.get(f"{url}?{query}")
    assert response.status_code == 200
    return [record.slug for record in response.context["paginator"].object_list]


EXERCISE_QUERIES = [
    "", "host=RU", "sort=name", "sort=-personnel", "sort=date&q=peace", "country=in",
    "country=CN&country=RU", "scope=sco", "theme=counterterrorism&sort=-name",
    "country=IN&year_from=2010&year_to=2020", "framework=rats", "kind=naval",
]  # fmt: skip


@pytest.mark.parametrize("query", EXERCISE_QUERIES)
def test_exercises_are_those_of_the_list_page_in_its_order(client, get, drafts, query):
    response = get(f"/api/v1/exercises/?{query}")
    assert response.status_code == 200
    slugs = [record["slug"] for record in response.json()["results"]]
    assert slugs == page_slugs(client, "/exercises/", query)
    assert response.json()["count"] == len(slugs)
    assert "secret-drill-2019" not in slugs


def test_a_country_and_a_year_range_find_peace_mission_2018(get, drafts):
    data = get("/api/v1/exercises/?country=IN&year_from=2010&year_to=2020").json()
    assert [record["slug"] for record in data["results"]] == ["peace-mission-2018"]


@pytest.mark.parametrize(
    "query", ["", "party=cn&party=kz", "sort=name", "sort=date", "year_from=2010"]
)
def test_policies_are_those_of_the_list_page_in_its_order(client, get, drafts, query):
    slugs = [r["slug"] for r in get(f"/api/v1/policies/?{query}").json()["results"]]
    assert slugs == page_slugs(client, "/policies/", query)
    assert "draft-protocol" not in slugs


@pytest.mark.parametrize("query", ["", "q=bishkek", "body=defence-ministers-meeting", "sort=name"])
def test_meetings_are_those_of_the_list_page_in_its_order(client, get, drafts, query):
    slugs = [r["slug"] for r in get(f"/api/v1/meetings/?{query}").json()["results"]]
    assert slugs == page_slugs(client, "/meetings/", query)


def test_a_reversed_year_range_is_turned_round_and_said(client, get, world):
    data = get("/api/v1/exercises/?year_from=2012&year_to=2007").json()
    assert [r["slug"] for r in data["results"]] == page_slugs(
        client, "/exercises/", "year_from=2012&year_to=2007"
    )
    assert data["notices"] == ["The year range was reversed; showing 2007 to 2012."]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/exercises/?year_from=abc",
        "/api/v1/exercises/?colour=red",
        "/api/v1/exercises/?country=XX",
        "/api/v1/exercises/?sort=bogus",
        "/api/v1/exercises/?page=abc",
        "/api/v1/exercises/?page=0",
        "/api/v1/exercises/?page_size=201",
        "/api/v1/exercises/?page_size=x",
        "/api/v1/policies/?legal_status=x",
        "/api/v1/meetings/?host=ZZ",
        "/api/v1/countries/?status=x",
        "/api/v1/glossary/?theme=counterterrorism",
        "/api/v1/exercises/peace-mission-2007/?x=1",
    ],
)
def test_bad_parameters_are_a_400_in_json(get, world, url):
    response = get(url)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_400_says_what_the_page_would_have_ignored(get, world):
    data = get("/api/v1/exercises/?year_from=abc&colour=red").json()
    assert data["notices"] == [
        "From year: Enter a whole number. This filter was ignored.",
        "“colour” is not a filter of this list; it was ignored.",
    ]


def test_pages_of_a_list(get, world):
    first = get("/api/v1/exercises/?page_size=2").json()
    assert first["count"] == 4
    assert first["previous"] is None
    assert first["next"].endswith("/api/v1/exercises/?page=2&page_size=2")
    second = get(first["next"]).json()
    slugs = [r["slug"] for r in first["results"] + second["results"]]
    assert slugs == [r["slug"] for r in get("/api/v1/exercises/").json()["results"]]
    assert second["next"] is None
    assert get("/api/v1/exercises/?page=3&page_size=2").status_code == 404


def test_the_default_page_has_50(get, db):
    from .factories import ExerciseFactory

    ExerciseFactory.create_batch(51)
    data = get("/api/v1/exercises/").json()
    assert (data["count"], len(data["results"])) == (51, 50)
    assert len(get("/api/v1/exercises/?page_size=200").json()["results"]) == 51


def test_an_exercise_is_its_download_row_with_disputed_and_updated_at(client, get, drafts):
    download = json.loads(client.get("/exercises/export.json?q=peace").content)["results"]
    listed = get("/api/v1/exercises/?q=peace").json()["results"]
    for row, record in zip(download, listed, strict=True):
        assert {key: record[key] for key in row} == row
        assert set(record) - set(row) == {"disputed", "updated_at"}
    detail = get("/api/v1/exercises/peace-mission-2007/").json()
    assert detail["start"] == "2007-08-09"
    assert detail["hosts"] == ["CN", "RU"]  # Ruritania (draft) hosted it too
    assert "description" in detail


def test_a_month_precise_date_keeps_its_precision(get, world):
    assert get("/api/v1/exercises/tianshan-i/").json()["start"] == "2006-08"


@pytest.mark.parametrize(
    ("path", "row"),
    [("policies", policy_row), ("meetings", meeting_row), ("exercises", exercise_row)],
)
def test_the_serializers_keep_every_value_of_the_download(client, get, drafts, path, row):
    download = json.loads(client.get(f"/{path}/export.json").content)["results"]
    listed = get(f"/api/v1/{path}/").json()["results"]
    assert [
        {key: record[key] for key in r} for r, record in zip(download, listed, strict=True)
    ] == download


def test_drafts_are_never_listed_nor_named(get, drafts):
    for path in ["exercises", "policies", "countries", "series", "topics", "bodies", "meetings"]:
        text = get(f"/api/v1/{path}/").content.decode()
        for name in [*DRAFT_NAMES, *DRAFT_LINKS, "secret-drill-2019", "draft-protocol", '"RT"']:
            assert name.lower().replace(" ", "-") not in text.lower()
    for url in [
        "/api/v1/exercises/secret-drill-2019/",
        "/api/v1/policies/draft-protocol/",
        "/api/v1/countries/ruritania/",
        "/api/v1/countries/freedonia/",
        "/api/v1/series/sea-guardian/",
        "/api/v1/topics/unfinished-article/",
    ]:
        response = get(url)
        assert response.status_code == 404
        assert response.json()["detail"]


def test_related_names_are_published_only(get, drafts):
    exercise = get("/api/v1/exercises/joint-sea-2012/").json()
    assert (exercise["series"], exercise["themes"]) == ("", [])
    policy = get("/api/v1/policies/shanghai-convention/").json()
    assert sorted(policy["parties"]) == ["CN", "KZ", "RU"]  # not RT (draft)
    series = get("/api/v1/series/peace-mission/").json()
    assert series["themes"] == ["counterterrorism"]


def test_every_endpoint_answers_a_record_and_a_list(get, world):
    cases = {
        "countries": "india",
        "series": "peace-mission",
        "topics": "peace-mission-exercises",
        "bodies": "defence-ministers-meeting",
        "meetings": "dmm-2007-bishkek",
        "glossary": "rats",
        "policies": "shanghai-convention",
    }
    for path, slug in cases.items():
        listed = get(f"/api/v1/{path}/").json()
        assert slug in [r["slug"] for r in listed["results"]]
        assert get(f"/api/v1/{path}/{slug}/").json()["slug"] == slug
    india = get("/api/v1/countries/india/").json()
    assert (india["iso_code"], india["memberships"][0]["start"]) == ("IN", "2017-06-09")
    assert get("/api/v1/glossary/?q=anti-terrorist").json()["count"] == 1
    assert get("/api/v1/countries/?status=founding-member").json()["count"] == 3


def test_the_schema_is_valid_openapi_in_json_and_yaml(client):
    from openapi_spec_validator import validate

    response = client.get("/api/v1/schema/?format=json")
    schema = json.loads(response.content)
    validate(schema)
    assert {"/api/v1/exercises/", "/api/v1/glossary/{slug}/"} <= set(schema["paths"])
    names = {p["name"] for p in schema["paths"]["/api/v1/exercises/"]["get"]["parameters"]}
    assert {"country", "host", "year_from", "year_to", "sort", "page", "page_size"} <= names
    assert b"openapi: 3" in client.get("/api/v1/schema/").content


def test_the_docs_page_lists_every_endpoint_and_filter(client, world):
    text = client.get("/api/").content.decode()
    for path in api.schema()["paths"]:
        assert f"<code>{path}</code>" in text
    for name in ["year_from", "party", "body", "page_size"]:
        assert f"<code>{name}</code>" in text
    assert "<script" not in text
    assert 'href="/api/"' in client.get("/").content.decode()


def test_api_responses_keep_the_security_headers(client, world):
    for url in ["/api/v1/exercises/", "/api/v1/exercises/?x=1", "/api/"]:
        response = client.get(url)
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"


def test_a_cached_list_changes_with_the_content(client, world):
    first = client.get("/api/v1/policies/").json()
    assert client.get("/api/v1/policies/").has_header("ETag")  # kept by the page cache
    policy = world["extremism"]
    policy.status = "draft"
    policy.save()
    second = client.get("/api/v1/policies/").json()
    assert second["count"] == first["count"] - 1


def test_a_refused_request_is_never_cached(client, world):
    assert client.get("/api/v1/exercises/?page=x").status_code == 400
    assert not client.get("/api/v1/exercises/?page=x").has_header("ETag")


def test_nothing_can_be_written(client, world):
    assert client.post("/api/v1/exercises/", {}).status_code in (403, 405)
