"""Search (topics/search.py): matching, ranking, snippets, the search page, aliases.

Runs on whichever database DATABASE_URL names; CI runs it on both. Tests of what
only PostgreSQL does (the stored vector, near spellings, headlines) skip on
SQLite, and the one of SQLite's fallback skips on PostgreSQL.
"""

import re

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Q

from topics.bundle.loading import load_content
from topics.bundle.shapes import SHAPES
from topics.models import (
    Body,
    Country,
    Exercise,
    ExerciseSeries,
    Meeting,
    Policy,
    Theme,
    Topic,
)
from topics.models.publishing import Alias, parse_aliases
from topics.search import SiteSearch, StoredVector

from .content_files import MINIMAL, edit, load, write
from .factories import ExerciseFactory, PolicyFactory, SeriesFactory, TopicFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: stored search vectors, pg_trgm near spellings and ts_headline",
)
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite only: the fallback without full-text search"
)


def names(queryset):
    return [str(record) for record in queryset]


def text(response):
    assert response.status_code == 200
    return response.content.decode()


# Matching, on either database -----------------------------------------------------


def test_every_word_must_appear_in_any_order_and_any_case():
    ExerciseFactory(name="Peace Mission 2099", description="Held near Chebarkul.")
    ExerciseFactory(name="Friendship 2099", description="A peace drill.")
    found = Exercise.objects.published().search
    assert names(found("mission PEACE")) == ["Peace Mission 2099"]
    assert names(found("chebarkul peace")) == ["Peace Mission 2099"]  # across fields
    assert sorted(names(found("peace"))) == ["Friendship 2099", "Peace Mission 2099"]
    assert names(found("mission friendship")) == []
    assert names(found("   ")) == []


def test_drafts_are_never_found():
    ExerciseFactory(name="Secret Peace Mission", status=Exercise.Status.DRAFT)
    assert names(Exercise.objects.published().search("peace mission")) == []
    assert SiteSearch("peace mission").count() == 0


def test_names_in_russian_and_chinese_are_found_in_any_case_through_aliases():
    series = SeriesFactory(name="Peace Mission", aliases="ru: Мирная миссия\nzh-Hans: 和平使命")
    SeriesFactory(name="Joint Sea", aliases="ru: Морское взаимодействие")
    found = ExerciseSeries.objects.published().search
    assert list(found("Мирная миссия")) == [series]
    assert list(found("МИРНАЯ миссия")) == [series]  # Cyrillic case, also on SQLite
    assert list(found("миссия мирная")) == [series]
    assert list(found("和平使命")) == [series]
    assert list(found("ru")) == []  # the language tags are not searched


@pytest.mark.parametrize(
    ("model", "factory_kwargs"),
    [
        (Exercise, {"name": "Drill", "description": "About the Zqxv drills"}),
        (Policy, {"short_name": "Deal", "body": "About the Zqxv drills"}),
        (Topic, {"title": "Article", "body": "About the Zqxv drills"}),
    ],
)
def test_a_record_named_by_the_words_comes_before_one_that_only_mentions_them(
    model, factory_kwargs
):
    factory = {Exercise: ExerciseFactory, Policy: PolicyFactory, Topic: TopicFactory}[model]
    mentions = factory(**factory_kwargs)
    title_field = model.objects.none().search_weights["A"][0]
    named = factory(**{title_field: "Zqxv"})
    kind = {Exercise: "exercise", Policy: "policy", Topic: "topic"}[model]
    results = SiteSearch("zqxv", kinds=[kind])[0:2]
    assert [result.record for result in results] == [named, mentions]


def test_the_migration_indexes_the_fields_each_queryset_searches():
    """The trigger's weights (migration 0010) are the QuerySets' `search_weights`."""
    import importlib

    migration = importlib.import_module("topics.migrations.0010_search")
    models = [Topic, Exercise, Policy, Country, Theme, ExerciseSeries, Body, Meeting]
    assert migration.SEARCH_WEIGHTS == {
        model._meta.db_table: model.objects.none().search_weights for model in models
    }


# Aliases ---------------------------------------------------------------------------


def test_aliases_are_lines_of_language_tag_and_name():
    assert parse_aliases("ru: Мирная миссия\n\nzh-Hans: 和平使命\nPeace Missions") == [
        Alias("ru", "Мирная миссия"),
        Alias("zh-Hans", "和平使命"),
        Alias("", "Peace Missions"),
    ]
    series = SeriesFactory.build(aliases="Russian: Мирная миссия", slug="x")
    with pytest.raises(ValidationError, match="is not “language: name”"):
        series.full_clean(exclude=["slug"])


def test_a_record_page_shows_its_aliases_each_in_its_language(client):
    series = SeriesFactory(name="Peace Mission", aliases="ru: Мирная миссия\nzh-Hans: 和平使命")
    page = text(client.get(series.get_absolute_url()))
    assert (
        '<p class="aliases"><span class="aliases-label">Also known as:</span> '
        '<span lang="ru">Мирная миссия</span>; <span lang="zh-Hans">和平使命</span></p>'
    ) in page


ALIASES = "aliases: [{ru: Мирная миссия}, {zh-Hans: 和平使命}]"


def test_aliases_in_content_files_load_export_and_load_again_unchanged(tmp_path, capsys):
    path = write(tmp_path / "in", MINIMAL)
    edit(path, "name: Peace Mission, themes", f"name: Peace Mission, {ALIASES}, themes")
    load(path)
    series = ExerciseSeries.objects.get(slug="peace-mission")
    assert series.aliases == "ru: Мирная миссия\nzh-Hans: 和平使命"
    expected = [{"ru": "Мирная миссия"}, {"zh-Hans": "和平使命"}]
    assert SHAPES["series"].to_entry(series)["aliases"] == expected
    call_command("export_content", str(tmp_path / "out"), verbosity=0)
    exported = yaml.safe_load((tmp_path / "out" / "series.yaml").read_text())
    assert exported["series"][0]["aliases"] == expected
    capsys.readouterr()
    call_command("load_content", path=str(path), verbosity=1)
    assert "0 created, 0 updated" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("aliases: Мирная миссия", "aliases: expected a list of {language: name}"),
        ("aliases: [{ru: Мирная миссия, zh: 和平使命}]", "aliases: expected {language: name}"),
        ("aliases: [{Russian: Мирная миссия}]", "is not “language: name”"),
    ],
)
def test_bad_aliases_in_content_files_are_refused_with_a_message(tmp_path, capsys, value, message):
    path = write(tmp_path, MINIMAL)
    edit(path, "name: Peace Mission, themes", f"name: Peace Mission, {value}, themes")
    with pytest.raises(CommandError, match="1 problem"):
        load(path)
    assert message in capsys.readouterr().err
    assert not ExerciseSeries.objects.exists()


# The search page ---------------------------------------------------------------------


@pytest.fixture
def many():
    """23 exercises and 2 policies about "kolt", and one exercise named for it."""
    for n in range(23):
        ExerciseFactory(name=f"Drill {n:02}", description=f"Kolt drill number {n}.")
    PolicyFactory(short_name="Kolt agreement", summary="On the kolt drills.")
    PolicyFactory(short_name="Other agreement", summary="Mentions kolt once.")
    return ExerciseFactory(name="Kolt", description="The kolt exercise.")


def test_results_are_one_list_best_first_with_a_count_per_kind_and_pages(client, many):
    response = client.get("/search/", {"q": "kolt"})
    page = text(response)
    assert "<strong>26</strong> results for “kolt”" in page
    assert '<a href="?q=kolt&amp;type=exercise">Exercises (24)</a>' in page
    assert (
        '<a href="/exercises/?q=kolt">all 24 exercises matching, in the exercises list</a>' in page
    )
    assert '<a href="?q=kolt&amp;type=policy">Policies (2)</a>' in page
    results = response.context["results"]
    assert len(results) == 20
    assert [r.record for r in results[:1]] == [many]  # named by the word: first
    assert {r.kind for r in results} == {"exercise", "policy"}
    assert '<link rel="next" href="?q=kolt&amp;page=2">' in page
    assert '<a rel="next" href="?q=kolt&amp;page=2">' in page
    second = client.get("/search/", {"q": "kolt", "page": "2"})
    assert len(second.context["results"]) == 6
    assert '<a rel="prev" href="?q=kolt&amp;page=1">' in text(second)
    seen = {(r.kind, r.record.pk) for r in [*results, *second.context["results"]]}
    assert len(seen) == 26  # every result once


def test_a_kind_narrows_the_results_and_the_list_page_finds_the_same(client, many):
    response = client.get("/search/", {"q": "kolt", "type": "policy"})
    assert [str(r.record) for r in response.context["results"]] == [
        "Kolt agreement",
        "Other agreement",
    ]
    assert response.context["paginator"].count == 2
    listing = client.get("/exercises/", {"q": "kolt"})
    assert listing.context["paginator"].count == 24
    assert client.get("/policies/", {"q": "agreement kolt"}).context["paginator"].count == 2


@pytest.mark.parametrize(
    ("page", "notice", "number"),
    [
        ("abc", "“abc” is not a page number; showing page 1.", 1),
        ("0", "There is no page 0; showing page 1.", 1),
        ("99", "There is no page 99; showing page 2.", 2),
        ("1.5", "“1.5” is not a page number; showing page 1.", 1),
    ],
)
def test_a_bad_page_is_answered_with_a_notice_never_an_error(client, many, page, notice, number):
    response = client.get("/search/", {"q": "kolt", "page": page})
    assert notice in text(response)
    assert response.context["page_obj"].number == number


def test_an_unknown_kind_is_answered_with_every_kind_and_a_notice(client, many):
    response = client.get("/search/", {"q": "kolt", "type": "drills"})
    assert "“drills” is not a kind of record; showing every kind." in text(response)
    assert response.context["paginator"].count == 26


def test_snippets_mark_the_words_and_escape_the_text(client):
    ExerciseFactory(name="Drill", description='Kolt <script>alert("x")</script> & more text.')
    page = text(client.get("/search/", {"q": "kolt"}))
    assert "<script>alert" not in page
    assert re.search(r"<p><mark>Kolt</mark> [^<]*&amp; more text\.?</p>", page), page


def test_the_query_count_does_not_grow_with_the_results(client):
    """Counts (one query), the page across kinds (one), one per kind on the page."""
    from django.test.utils import CaptureQueriesContext

    def search_page(query):
        # Each query string once: a page seen again is answered from the page cache.
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/search/", {"q": query})
        kinds = {result.kind for result in response.context["results"]}
        return len(queries), len(kinds)

    ExerciseFactory(name="Kolt 1")
    PolicyFactory(short_name="Kolt deal")
    search_page("kolt")  # anything done once per process or content version
    small, small_kinds = search_page("KOLT")
    for n in range(5):  # 17 results: all on the first page
        ExerciseFactory(name=f"Kolt {n + 2}")
        PolicyFactory(short_name=f"Kolt deal {n}")
        TopicFactory(title=f"Kolt topic {n}")
    search_page("Kolt")
    big, big_kinds = search_page("kolT")
    assert (small_kinds, big_kinds) == (2, 3)
    assert big - big_kinds == small - small_kinds
    assert big <= 8


def test_editors_see_edit_and_search_aliases_in_the_admin(admin_client):
    series = SeriesFactory(
        name="Peace Mission (admin)", aliases="ru: Мирная миссия\nzh-Hans: 和平使命"
    )
    SeriesFactory(name="Joint Sea (admin)")
    form = admin_client.get(f"/admin/topics/exerciseseries/{series.pk}/change/")
    assert form.status_code == 200
    assert re.search(
        r'<textarea name="aliases"[^>]*>\s*ru: Мирная миссия\nzh-Hans: 和平使命</textarea>',
        form.content.decode(),
    )
    listing = admin_client.get("/admin/topics/exerciseseries/", {"q": "和平使命"})
    assert [str(s) for s in listing.context["cl"].result_list] == ["Peace Mission (admin)"]


# PostgreSQL: the stored vector, near spellings, headlines ----------------------------


@postgresql_only
def test_the_stored_vector_follows_bulk_writes():
    from django.contrib.postgres.search import SearchQuery, SearchVectorExact

    def by_vector(word):
        query = SearchQuery(word, config="simple")
        return names(Exercise.objects.filter(Q(SearchVectorExact(StoredVector(), query))))

    template = ExerciseFactory.build()
    template.pk, template.name, template.slug = None, "Xylophone 2030", "xylophone-2030"
    Exercise.objects.bulk_create([template])
    assert by_vector("xylophone") == ["Xylophone 2030"]
    Exercise.objects.filter(slug="xylophone-2030").update(name="Marimba 2030")
    assert by_vector("xylophone") == []
    assert by_vector("marimba") == ["Marimba 2030"]
    Exercise.objects.filter(slug="xylophone-2030").update(aliases="ru: Ксилофон")
    assert by_vector("ксилофон") == ["Marimba 2030"]
    assert by_vector("ru") == []  # the tag is left out


@postgresql_only
def test_a_near_spelling_of_a_name_is_found():
    ExerciseFactory(name="Peace Mission 2099")
    ExerciseFactory(name="Friendship 2099")
    found = Exercise.objects.published().search
    assert names(found("Peace Misson")) == ["Peace Mission 2099"]
    assert names(found("Frendship")) == ["Friendship 2099"]
    # Each word on its own: a name typed in full with another year is not near.
    assert names(found("Peace Mission 2021")) == []


@postgresql_only
def test_stemmed_words_are_found_and_marked_in_the_headline(client):
    ExerciseFactory(name="Drill", description="Both armies held missions in the mountains.")
    page = text(client.get("/search/", {"q": "mission"}))
    assert "held <mark>missions</mark> in the mountains" in page


@sqlite_only
def test_sqlite_finds_only_words_contained_not_near_spellings():
    ExerciseFactory(name="Peace Mission 2099")
    assert names(Exercise.objects.published().search("Peace Misson")) == []
    assert names(Exercise.objects.published().search("ace missi")) == ["Peace Mission 2099"]


# The bundled content: the examples readers try ---------------------------------------


@pytest.fixture(scope="module")
def bundled_content(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        load_content()
        yield
        transaction.set_rollback(True)


def first(query, count=1):
    return [(r.kind, str(r.record)) for r in SiteSearch(query)[0:count]]


@postgresql_only
def test_rats_gives_the_rats_article_first_then_its_bodies(bundled_content):
    top = first("RATS", 5)
    assert top[0] == ("topic", "Counterterrorism and the Regional Anti-Terrorist Structure (RATS)")
    assert top[1] == ("body", "RATS Council")
    assert ("body", "RATS Executive Committee") in top


def test_an_article_whose_title_holds_the_words_comes_before_records_named_by_them():
    Body.objects.create(
        name="Zqxv Council", short_name="Zqxv Council", slug="zqxv", status="published"
    )
    TopicFactory(title="Zqxv structure and security cooperation", body="About Zqxv.")
    assert [r.kind for r in SiteSearch("zqxv")[0:2]] == ["topic", "body"]


@postgresql_only
def test_a_misspelt_peace_mission_finds_the_series_first(bundled_content):
    assert first("Peace Misson") == [("series", "Peace Mission")]
    assert SiteSearch("Peace Misson").counts["exercise"] >= 10


@pytest.mark.parametrize("query", ["mission peace", "Мирная миссия", "和平使命", "peace MISSION"])
def test_the_peace_mission_is_found_in_any_order_and_by_its_russian_and_chinese_names(
    bundled_content, query
):
    results = {(r.kind, str(r.record)) for r in SiteSearch(query)[0:5]}
    assert ("series", "Peace Mission") in results


def test_the_search_page_with_the_bundled_content(client, bundled_content):
    page = text(client.get("/search/", {"q": "Мирная миссия"}))
    assert '<a href="/series/peace-mission/">Peace Mission</a>' in page
    assert '<span lang="ru">Мирная миссия</span>' in page
    page = text(client.get("/countries/china/"))
    assert '<span lang="ru">Китай</span>; <span lang="zh-Hans">中国</span>' in page


@postgresql_only
@pytest.mark.parametrize("query", ["peace", "Peace Misson", "ia", "Мирная миссия"])
def test_every_kind_is_matched_from_its_indexes_never_by_reading_the_table(query):
    """With sequential scans priced out, PostgreSQL still finds the matches through
    the GIN indexes alone: no part of the match reads every row (at 100,000
    exercises a scan took 0.4 s, the indexes 0.1 ms)."""
    from topics.search import sections

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for _, _, model in sections():
            sql, params = model.objects.search(query).order_by().query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan" not in plan, plan
            assert f"Bitmap Index Scan on {model._meta.db_table}_search_" in plan, plan
