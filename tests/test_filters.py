import pytest

pytestmark = pytest.mark.django_db


def names(response):
    return sorted(e.name for e in response.context["exercises"])


def policy_names(response):
    return sorted(p.short_name for p in response.context["policies"])


ALL_PUBLISHED = ["Joint Sea 2012", "Peace Mission 2007", "Peace Mission 2018", "Tianshan-I"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ALL_PUBLISHED),
        ({"q": "chebarkul"}, ["Peace Mission 2007"]),
        ({"year_from": "2007", "year_to": "2012"}, ["Joint Sea 2012", "Peace Mission 2007"]),
        ({"year_from": "2013"}, ["Peace Mission 2018"]),
        ({"series": "peace-mission"}, ["Peace Mission 2007", "Peace Mission 2018"]),
        ({"kind": "law-enforcement"}, ["Tianshan-I"]),
        ({"domain": "naval"}, ["Joint Sea 2012"]),
        ({"domain": "land"}, ["Peace Mission 2007", "Peace Mission 2018"]),
        ({"framework": "rats"}, ["Tianshan-I"]),
        ({"framework": "outside-sco"}, ["Joint Sea 2012"]),
        ({"host": "RU"}, ["Peace Mission 2007", "Peace Mission 2018"]),
        ({"host": "KZ"}, ["Tianshan-I"]),
        ({"country": ["IN"]}, ["Peace Mission 2018"]),
        ({"country": ["CN", "RU"]}, ["Joint Sea 2012", "Peace Mission 2007", "Peace Mission 2018"]),
        ({"country": ["KZ", "IN", "PK"]}, ["Peace Mission 2018"]),
        ({"theme": "border-security"}, ["Tianshan-I"]),
        ({"theme": "counterterrorism", "host": "CN"}, ["Peace Mission 2007"]),
    ],
)
def test_exercise_filters_return_exactly_the_expected_records(client, world, query, expected):
    response = client.get("/exercises/", query)
    assert response.status_code == 200
    assert names(response) == expected
    assert f"<strong>{len(expected)}</strong> exercise" in response.content.decode()


def test_exercise_sort_orders(client, world):
    by_personnel = client.get(
        "/exercises/", {"sort": "-personnel", "framework": "sco-multilateral"}
    )
    assert [e.name for e in by_personnel.context["exercises"]] == [
        "Peace Mission 2007",
        "Peace Mission 2018",
    ]
    oldest = client.get("/exercises/", {"sort": "date"})
    assert [e.name for e in oldest.context["exercises"]][0] == "Tianshan-I"
    default = client.get("/exercises/")
    assert [e.name for e in default.context["exercises"]][0] == "Peace Mission 2018"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["Border Agreement", "Extremism Convention", "Shanghai Convention"]),
        ({"q": "extremism"}, ["Extremism Convention"]),
        ({"kind": "convention"}, ["Extremism Convention", "Shanghai Convention"]),
        ({"year_from": "2010"}, ["Border Agreement", "Extremism Convention"]),
        ({"year_to": "2010"}, ["Shanghai Convention"]),
        ({"legal_status": "in-force"}, ["Shanghai Convention"]),
        ({"party": ["IN"]}, ["Extremism Convention"]),
        (
            {"party": ["CN", "RU"]},
            ["Border Agreement", "Extremism Convention", "Shanghai Convention"],
        ),
        ({"party": ["KZ", "RU"]}, ["Extremism Convention", "Shanghai Convention"]),
        ({"theme": "border-security"}, ["Border Agreement"]),
    ],
)
def test_policy_filters_return_exactly_the_expected_records(client, world, query, expected):
    response = client.get("/policies/", query)
    assert response.status_code == 200
    assert policy_names(response) == expected


def test_policy_sort_by_name(client, world):
    response = client.get("/policies/", {"sort": "name"})
    assert [p.short_name for p in response.context["policies"]] == [
        "Border Agreement",
        "Extremism Convention",
        "Shanghai Convention",
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"year_from": "abc"}, "From year: Enter a whole number."),
        ({"year_to": "99999999999999999999"}, "To year:"),
        ({"kind": "submarine"}, "Kind: Select a valid choice."),
        ({"country": ["XX"]}, "Taking part (all of): Select a valid choice. XX is not one of"),
        ({"host": "ZZ"}, "Host country: Select a valid choice."),
        ({"series": "no-such-series"}, "Series: Select a valid choice."),
        ({"sort": "drop table"}, "Sort by: Select a valid choice."),
    ],
)
def test_bad_values_are_ignored_with_a_clear_message(client, world, query, message):
    response = client.get("/exercises/", query)
    assert response.status_code == 200
    page = response.content.decode().replace("&#x27;", "'")
    assert message in page
    assert "This filter was ignored." in page
    assert names(response) == ALL_PUBLISHED


def test_reversed_year_range_is_swapped_and_explained(client, world):
    response = client.get("/exercises/", {"year_from": "2012", "year_to": "2007"})
    assert names(response) == ["Joint Sea 2012", "Peace Mission 2007"]
    assert "The year range was reversed; showing 2007 to 2012." in response.content.decode()


def test_bad_policy_values_never_500(client, world):
    for query in ({"party": "??"}, {"legal_status": "x"}, {"year_from": "1e9"}, {"page": "abc"}):
        assert client.get("/policies/", query).status_code in (200, 404)


@pytest.mark.parametrize("page", ["99999", "0", "-1", "abc"])
def test_out_of_range_pages_are_404(client, world, page):
    assert client.get("/exercises/", {"page": page}).status_code == 404


def test_empty_parameters_are_dropped_by_redirect(client, world):
    response = client.get("/exercises/?q=&kind=&country=CN&country=&sort=")
    assert response.status_code == 302
    assert response["Location"] == "/exercises/?country=CN"
    assert client.get("/exercises/?q=").headers["Location"] == "/exercises/"


def test_active_filters_have_one_click_removal(client, world):
    response = client.get("/exercises/", {"country": ["CN", "RU"], "kind": "naval"})
    page = response.content.decode()
    assert 'aria-label="Remove filter Taking part (all of): China"' in page
    removal = next(i for i in response.context["filter"].active_filters if i["value"] == "China")
    assert removal["remove_url"] == "/exercises/?country=RU&kind=naval"
    assert any(
        i["label"] == "Kind" and i["value"] == "Naval"
        for i in response.context["filter"].active_filters
    )
    assert '<a class="clear-all" href="/exercises/">Clear all</a>' in page


def test_pagination_keeps_filters(client, world, settings):
    import datetime

    from .factories import ExerciseFactory

    for i in range(25):
        ExerciseFactory(
            name=f"Bulk {i}",
            start_date=datetime.date(2015, 1, 1),
            hosts=[world["cn"]],
            kind="cyber",
        )
    response = client.get("/exercises/", {"kind": "cyber", "sort": "name"})
    assert response.context["paginator"].count == 25
    page = response.content.decode()
    assert 'href="?kind=cyber&amp;sort=name&amp;page=2"' in page
    second = client.get("/exercises/", {"kind": "cyber", "sort": "name", "page": 2})
    assert len(second.context["exercises"]) == 5


def test_unknown_personnel_sorts_last_both_ways(client, world):
    most = [e.name for e in client.get("/exercises/", {"sort": "-personnel"}).context["exercises"]]
    fewest = [e.name for e in client.get("/exercises/", {"sort": "personnel"}).context["exercises"]]
    assert most[:2] == ["Peace Mission 2007", "Peace Mission 2018"]
    assert fewest[:2] == ["Peace Mission 2018", "Peace Mission 2007"]


def test_filter_choices_offer_published_vocabulary_only(drafts):
    from topics.filters import ExerciseFilter, PolicyFilter
    from topics.models import Exercise, Policy

    published_countries = ["CN", "IN", "KZ", "PK", "RU"]
    exercises = ExerciseFilter({}, queryset=Exercise.objects.published()).form.fields
    assert [c.iso_code for c in exercises["country"].queryset] == published_countries
    assert [c.iso_code for c in exercises["host"].queryset] == published_countries
    assert [s.slug for s in exercises["series"].queryset] == ["peace-mission"]
    assert [t.slug for t in exercises["theme"].queryset] == ["border-security", "counterterrorism"]
    policies = PolicyFilter({}, queryset=Policy.objects.published()).form.fields
    assert [c.iso_code for c in policies["party"].queryset] == published_countries
    assert [t.slug for t in policies["theme"].queryset] == ["border-security", "counterterrorism"]


@pytest.mark.parametrize(
    ("url", "query", "message"),
    [
        ("/exercises/", {"country": ["RT"]}, "Taking part (all of): Select a valid choice."),
        ("/exercises/", {"host": "FD"}, "Host country: Select a valid choice."),
        ("/exercises/", {"series": "sea-guardian"}, "Series: Select a valid choice."),
        ("/exercises/", {"series": "mountain-watch"}, "Series: Select a valid choice."),
        ("/exercises/", {"theme": "space-security"}, "Theme: Select a valid choice."),
        ("/policies/", {"party": ["FD"]}, "Parties (all of): Select a valid choice."),
        ("/policies/", {"theme": "arctic-security"}, "Theme: Select a valid choice."),
    ],
)
def test_a_draft_in_the_query_string_is_ignored_like_an_unknown_value(
    client, drafts, url, query, message
):
    from .conftest import DRAFT_NAMES

    response = client.get(url, query)
    page = response.content.decode()
    assert message in page
    assert response.context["filter"].active_filters == []
    for name in DRAFT_NAMES:
        assert name not in page


def test_active_filter_chips_name_published_vocabulary(client, drafts):
    response = client.get(
        "/exercises/", {"series": "peace-mission", "theme": "counterterrorism", "host": "RU"}
    )
    chips = [(i["label"], i["value"]) for i in response.context["filter"].active_filters]
    assert chips == [
        ("Theme", "Counterterrorism"),
        ("Series", "Peace Mission"),
        ("Host country", "Russia"),
    ]
    assert names(response) == ["Peace Mission 2007", "Peace Mission 2018"]
