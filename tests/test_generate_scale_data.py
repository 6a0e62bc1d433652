"""generate_scale_data: exact counts, relations, every record marked, --clear keeps real ones."""

import io
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection

from topics.content_version import content_version
from topics.management.commands.generate_scale_data import COUNTRY_CODES
from topics.models import (
    Citation,
    Country,
    Exercise,
    ExerciseSeries,
    Membership,
    Participation,
    Policy,
    PolicyParty,
    Source,
    Theme,
    ThemeLink,
    Topic,
    TopicCountry,
)


def generate(**options):
    out = io.StringIO()
    call_command("generate_scale_data", stdout=out, **options)
    return out.getvalue()


def synthetic(model, field="slug"):
    return model.objects.filter(**{f"{field}__startswith": "synthetic-"})


def links_of(model, pk=None):
    content_type = ContentType.objects.get_for_model(model)
    links = ThemeLink.objects.filter(content_type=content_type)
    citations = Citation.objects.filter(content_type=content_type)
    if pk is not None:
        links, citations = links.filter(object_id=pk), citations.filter(object_id=pk)
    return links, citations


def test_it_writes_exactly_what_was_asked_marked_and_published(db):
    before = content_version()
    output = generate(exercises=30, policies=10, topics=5)
    assert content_version() == before + 1
    assert Exercise.objects.count() == Exercise.objects.published().count() == 30
    assert Policy.objects.published().count() == 10
    assert Topic.objects.published().count() == 5
    assert Country.objects.published().count() == 20
    assert Theme.objects.published().count() == 12
    assert ExerciseSeries.objects.published().count() == 40
    assert Source.objects.count() == 2000
    # Every name, title and source says what it is.
    for model, field in [
        (Exercise, "name"),
        (Policy, "short_name"),
        (Policy, "title"),
        (Topic, "title"),
        (Country, "name"),
        (Theme, "name"),
        (ExerciseSeries, "name"),
        (Source, "title"),
    ]:
        values = model.objects.values_list(field, flat=True)
        assert all(value.startswith("[Synthetic] ") for value in values), (model, field)
    assert all(
        url.startswith("https://example.org/synthetic/")
        for url in Source.objects.values_list("url", flat=True)
    )
    assert set(Country.objects.values_list("iso_code", flat=True)) <= set(COUNTRY_CODES)
    assert re.fullmatch(
        r"  exercises: 30 written; participants, domains, themes, sources…\n"
        r"Refreshing the query planner's statistics…\n"
        r"Synthetic data: created 30 exercises, 10 policies, 5 topics "
        r"\(90 citations, \d+ theme links\) in \d+\.\d s\.\n",
        output,
    )


def test_records_have_realistic_relations(db):
    generate(exercises=40, policies=12, topics=6)
    for exercise in Exercise.objects.all():
        roles = list(exercise.participations.values_list("role", flat=True))
        assert 2 <= len(roles) <= 6 and 1 <= roles.count("host") <= 2
        assert set(roles) <= {"host", "participant", "observer"}
        links, citations = links_of(Exercise, exercise.pk)
        assert 1 <= links.count() <= 3 and citations.count() == 2
        assert exercise.domains.count() in (1, 2)
        assert exercise.end_date >= exercise.start_date
    assert Participation.objects.count() >= 80
    # Spread over years, series, countries, themes and kinds, so filters find fractions.
    assert Exercise.objects.dates("start_date", "year").count() >= 10
    assert Exercise.objects.values("series").distinct().count() >= 10
    assert Participation.objects.values("country").distinct().count() >= 15
    assert ThemeLink.objects.values("theme").distinct().count() >= 10
    assert Exercise.objects.values("kind").distinct().count() >= 4
    for policy in Policy.objects.all():
        assert 2 <= PolicyParty.objects.filter(policy=policy).count() <= 8
        links, citations = links_of(Policy, policy.pk)
        assert links.exists() and citations.count() == 2
    for topic in Topic.objects.all():
        assert topic.exercises.count() == 3 and topic.policies.count() == 2
        assert topic.country_links.count() == 2
        links, citations = links_of(Topic, topic.pk)
        assert links.count() == 2
        cited = set(re.findall(r"\[@([\w-]+)\]", topic.body))
        assert cited == set(citations.values_list("source__key", flat=True))
        assert "## Background" in topic.body
    assert Membership.objects.count() == 20


def test_reader_pages_show_the_records(client, db):
    generate(exercises=25, policies=5, topics=2)
    page = client.get("/exercises/", {"country": "XA"}).content.decode()
    shown = Exercise.objects.filter(
        participations__country__iso_code="XA", participations__role__in=["host", "participant"]
    )
    assert shown.exists()
    for exercise in shown[:3]:
        assert exercise.name in page
    topic = Topic.objects.get(slug="synthetic-topic-000001")
    assert client.get(topic.get_absolute_url()).status_code == 200


def test_a_second_run_adds_after_the_first_and_reuses_the_vocabulary(db):
    generate(exercises=5, policies=2, topics=1)
    generate(exercises=3, policies=1, topics=1)
    assert Exercise.objects.count() == 8 and Policy.objects.count() == 3
    assert Topic.objects.count() == 2 and Country.objects.count() == 20
    assert Exercise.objects.order_by("-slug").first().slug == "synthetic-exercise-000008"


def test_clear_removes_only_synthetic_records(world, client):
    real = {
        model: set(model.objects.values_list("pk", flat=True))
        for model in (
            Exercise, Policy, Topic, Country, Theme, ExerciseSeries, Source, Citation,
            ThemeLink, Participation, PolicyParty, TopicCountry, Membership,
        )
    }  # fmt: skip
    generate(exercises=20, policies=5, topics=3)
    assert Exercise.objects.count() == len(real[Exercise]) + 20
    before = content_version()
    output = generate(clear=True)
    assert "cleared 20 exercises, 5 policies, 3 topics" in output
    assert content_version() == before + 1
    for model, pks in real.items():
        assert set(model.objects.values_list("pk", flat=True)) == pks, model
    for model in (Exercise, Policy, Topic, Country, Theme, ExerciseSeries):
        assert not synthetic(model).exists()
    assert not synthetic(Source, "key").exists()
    assert "Peace Mission 2007" in client.get("/exercises/").content.decode()


def test_clear_then_generate_in_one_run(db):
    generate(exercises=4)
    output = generate(exercises=2, clear=True)
    assert "cleared 4 exercises" in output and "created 2 exercises" in output
    assert list(Exercise.objects.order_by("slug").values_list("slug", flat=True)) == [
        "synthetic-exercise-000001",
        "synthetic-exercise-000002",
    ]


def test_negative_counts_are_refused(db):
    with pytest.raises(CommandError, match="cannot be negative"):
        generate(exercises=-1)
    assert not Exercise.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_class statistics: PostgreSQL")
def test_the_planner_learns_the_new_sizes_at_once(db):
    """With an empty table's statistics PostgreSQL chose a nested loop for a filtered
    list's count (20 ms at 1,000 exercises instead of 1 ms): the command analyses."""
    call_command("generate_scale_data", exercises=30, policies=1, topics=1, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE relname = 'topics_exercise'"
        )  # what the planner believes the table holds
        assert cursor.fetchone()[0] >= 30
