"""The QuerySet methods the pages are built from (topics/models/): exactly which records
each returns, in which order, and what it prefetches (and nothing more)."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from topics.models import (
    Country,
    Exercise,
    ExerciseSeries,
    Policy,
    PolicyRelation,
    Theme,
    Topic,
)

from .factories import (
    CitationFactory,
    CountryFactory,
    ExerciseFactory,
    MembershipFactory,
    PolicyFactory,
    PolicyRelationFactory,
    SeriesFactory,
    StaffFactory,
    ThemeFactory,
    ThemeLinkFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

d = datetime.date


def slugs(records):
    return [record.slug for record in records]


# Publishing ------------------------------------------------------------------------------


def test_published_excludes_drafts_and_future_publication():
    visible = TopicFactory(title="Visible")
    TopicFactory(title="Draft", status="draft")
    TopicFactory(title="Scheduled", published_at=timezone.now() + datetime.timedelta(days=1))
    assert list(Topic.objects.published()) == [visible]


def test_visible_to_shows_staff_the_drafts_and_readers_only_what_is_published(world):
    published = ["peace-mission-2018", "joint-sea-2012", "peace-mission-2007", "tianshan-i"]
    assert slugs(Exercise.objects.visible_to(StaffFactory())) == ["secret-drill-2019", *published]
    assert slugs(Exercise.objects.visible_to(AnonymousUser())) == published
    assert slugs(Exercise.objects.visible_to(UserFactory())) == published  # signed in, not staff


def test_recently_updated_lists_the_latest_changes_first(world):
    Exercise.objects.filter(slug="tianshan-i").update(updated_at=timezone.now())
    assert slugs(Exercise.objects.published().recently_updated(2)) == [
        "tianshan-i",
        "joint-sea-2012",  # the last one the fixture wrote
    ]


@pytest.mark.parametrize(
    ("model", "text", "expected"),
    [
        (Exercise, "chebarkul", ["peace-mission-2007"]),  # location
        (Exercise, "PEACE MISSION", ["peace-mission-2018", "peace-mission-2007"]),  # name
        (Exercise, "secret", []),  # a draft
        (Policy, "extremism", ["extremism-convention"]),  # title and short name
        (Policy, "summary of the border", ["border-agreement"]),  # summary
        (Topic, "drills began", ["peace-mission-exercises"]),  # body
        (Topic, "unfinished", []),  # a draft
        (Country, "kz", ["kazakhstan"]),  # ISO code
        (Country, "ia", ["india", "russia"]),  # name
        (Theme, "border", ["border-security"]),
        (ExerciseSeries, "peace", ["peace-mission"]),
    ],
)
def test_search_finds_published_records_by_their_text_in_any_case(world, model, text, expected):
    assert slugs(model.objects.published().search(text)) == expected


@pytest.mark.parametrize(
    ("factory", "field"),
    [
        (ExerciseFactory, "name"),
        (ExerciseFactory, "location"),
        (ExerciseFactory, "description"),
        (PolicyFactory, "title"),
        (PolicyFactory, "short_name"),
        (PolicyFactory, "summary"),
        (PolicyFactory, "body"),
        (TopicFactory, "title"),
        (TopicFactory, "summary"),
        (TopicFactory, "body"),
        (CountryFactory, "name"),
        (CountryFactory, "summary"),
        (ThemeFactory, "name"),
        (ThemeFactory, "description"),
        (SeriesFactory, "name"),
        (SeriesFactory, "description"),
    ],
)
def test_search_looks_in_every_text_field_a_reader_sees(factory, field):
    wanted = factory(**{field: "About the Zqxv drills"})
    factory()  # one without the word
    model = factory._meta.model
    assert list(model.objects.search("zQXv")) == [wanted]


# Exercises -------------------------------------------------------------------------------


def test_sco_held_leaves_out_drills_outside_the_sco_and_those_not_held(client, world):
    ExerciseFactory(name="Peace Mission 2023", start_date=d(2023, 8, 1), held=False)
    held = ["peace-mission-2018", "peace-mission-2007", "tianshan-i"]
    assert slugs(Exercise.objects.published().sco_held()) == held
    # The home page's count is the list of `scope=sco`.
    assert client.get("/").context["counts"]["exercises"] == 3
    listing = client.get("/exercises/", {"scope": "sco"})
    assert listing.context["paginator"].count == 3
    assert slugs(listing.context["exercises"]) == held


def test_published_series_prefetch_leaves_a_draft_series_none(drafts):
    from topics.models import Exercise

    exercises = {e.slug: e for e in Exercise.objects.published().for_cards()}
    assert exercises["joint-sea-2012"].series_id == drafts["sea_guardian"].pk
    assert exercises["joint-sea-2012"].series is None
    assert exercises["tianshan-i"].series is None  # scheduled
    assert exercises["peace-mission-2007"].series == drafts["pm"]


def test_for_cards_names_only_published_participants(drafts):
    cards = {e.slug: e for e in Exercise.objects.published().for_cards()}
    # Ruritania (a draft host) and Freedonia (a scheduled observer) are left out.
    pm2007 = cards["peace-mission-2007"]
    assert [(p.country.iso_code, p.role) for p in pm2007.participations.all()] == [
        ("CN", "host"),
        ("RU", "host"),
        ("KZ", "participant"),
    ]
    assert [c.name for c in pm2007.hosts] == ["China", "Russia"]
    countries = [drafts[key] for key in ("cn", "india", "kz", "pk")]  # Ruritania left out
    assert cards["peace-mission-2018"].participant_groups == [
        {"label": "Participants", "countries": countries}
    ]


def cards_shown(queryset):
    """Read what an exercise card shows, as the template does."""
    return [
        (e.name, e.series and e.series.name, [c.name for c in e.hosts], e.participant_groups)
        for e in queryset
    ]


def test_for_cards_costs_three_queries_however_many_cards(drafts, django_assert_num_queries):
    # The exercises, their published series, their published participants: nothing else.
    with django_assert_num_queries(3):
        few = cards_shown(Exercise.objects.published().for_cards())
    ExerciseFactory.create_batch(
        10, series=drafts["pm"], hosts=[drafts["cn"]], participants=[drafts["ruritania"]]
    )
    with django_assert_num_queries(3):
        many = cards_shown(Exercise.objects.published().for_cards())
    assert len(many) == len(few) + 10


def test_for_detail_names_only_published_themes(drafts):
    exercise = Exercise.objects.published().for_detail().get(slug="peace-mission-2007")
    assert [link.theme.slug for link in exercise.published_theme_links] == ["counterterrorism"]
    assert [domain.slug for domain in exercise.domains.all()] == ["air", "land"]
    assert [c.source.title for c in exercise.citations.all()] == ["Xinhua report"]


def test_editions_of_a_series_are_its_published_exercises_oldest_first(world):
    ExerciseFactory(name="Peace Mission 2010", start_date=d(2010, 9, 9), series=world["pm"])
    ExerciseFactory(name="Peace Mission 2021", series=world["pm"], status="draft")
    assert slugs(Exercise.objects.published().editions_of(world["pm"])) == [
        "peace-mission-2007",
        "peace-mission-2010",
        "peace-mission-2018",
    ]


def test_other_editions_leave_out_the_exercise_itself_and_drafts(world):
    ExerciseFactory(name="Peace Mission 2021", series=world["pm"], status="draft")
    exercise = Exercise.objects.published().for_detail().get(slug="peace-mission-2007")
    assert slugs(Exercise.objects.published().other_editions(exercise)) == ["peace-mission-2018"]


def test_an_exercise_in_no_published_series_has_no_other_editions(drafts):
    ExerciseFactory(name="Sea Guardian 2020", series=drafts["sea_guardian"])
    ExerciseFactory(name="Cyber Drill 2020")  # in no series either
    for slug in ("joint-sea-2012", "tianshan-i"):  # draft and scheduled series
        exercise = Exercise.objects.published().for_detail().get(slug=slug)
        assert list(Exercise.objects.published().other_editions(exercise)) == []
    no_series = Exercise.objects.published().for_detail().get(slug="cyber-drill-2020")
    assert list(Exercise.objects.published().other_editions(no_series)) == []


def test_a_countrys_published_exercises_are_newest_first_with_its_role(
    world, django_assert_num_queries
):
    with django_assert_num_queries(1):
        china = [
            (exercise.slug, exercise.role)
            for exercise in Exercise.objects.published().with_country(world["cn"])
        ]
    assert china == [  # not the draft Secret Drill 2019
        ("peace-mission-2018", "participant"),
        ("joint-sea-2012", "host"),
        ("peace-mission-2007", "host"),
        ("tianshan-i", "host"),
    ]


def test_with_theme_lists_the_records_of_a_theme(world):
    border = world["border"]
    assert slugs(Exercise.objects.published().with_theme(border)) == ["tianshan-i"]
    assert slugs(Policy.objects.published().with_theme(border)) == ["border-agreement"]
    assert slugs(Topic.objects.published().with_theme(world["ct"])) == ["peace-mission-exercises"]


# Policies ----------------------------------------------------------------------------------


def related_policies(record):
    return [
        (policy.slug, policy.shared)
        for policy in Policy.objects.published().sharing_themes_with(record)
    ]


def test_sharing_themes_with_puts_the_most_shared_themes_first(world):
    # The oldest policy shares the most, so the order is not simply by date.
    ThemeLinkFactory(record=world["convention"], theme=world["border"])
    ExerciseFactory(name="Border Drill", themes=[world["ct"], world["border"]])
    exercise = Exercise.objects.with_published_themes().get(slug="border-drill")
    assert related_policies(exercise) == [
        ("shanghai-convention", 2),
        ("extremism-convention", 1),  # a tie: the most recently signed first
        ("border-agreement", 1),
    ]


def test_sharing_themes_with_leaves_out_the_policy_itself(world):
    policy = Policy.objects.with_published_themes().get(slug="shanghai-convention")
    assert related_policies(policy) == [("extremism-convention", 1)]


def test_sharing_themes_with_does_not_count_draft_themes(drafts):
    # Peace Mission 2007 and the Shanghai Convention also share Space security, a draft.
    exercise = Exercise.objects.with_published_themes().get(slug="peace-mission-2007")
    assert related_policies(exercise) == [
        ("extremism-convention", 1),
        ("shanghai-convention", 1),
    ]
    # Border Agreement shares only Arctic security (scheduled) with Joint Sea 2012.
    assert (
        related_policies(Exercise.objects.with_published_themes().get(slug="joint-sea-2012")) == []
    )


def test_sharing_themes_with_stops_at_the_limit(world):
    for i in range(6):
        PolicyFactory(signed_date=d(2020, 1, 1 + i), themes=[world["ct"]])
    exercise = Exercise.objects.with_published_themes().get(slug="peace-mission-2007")
    assert len(Policy.objects.published().sharing_themes_with(exercise)) == 5
    assert len(Policy.objects.published().sharing_themes_with(exercise, limit=8)) == 8


def test_with_party_lists_the_policies_a_country_is_party_to(world):
    assert slugs(Policy.objects.published().with_party(world["india"])) == ["extremism-convention"]


def test_policy_for_detail_names_only_published_parties_and_relations(drafts):
    draft = PolicyFactory(short_name="Draft Amendment", status="draft")
    PolicyRelationFactory(from_policy=draft, to_policy=drafts["convention"], kind="amends")
    PolicyRelationFactory(from_policy=drafts["extremism"], to_policy=drafts["convention"])
    policy = Policy.objects.published().for_detail().get(slug="shanghai-convention")
    assert [link.country.iso_code for link in policy.party_links.all()] == ["CN", "KZ", "RU"]
    assert [link.theme.slug for link in policy.published_theme_links] == ["counterterrorism"]
    assert [(r.from_policy.slug, r.kind) for r in policy.incoming_relations.all()] == [
        ("extremism-convention", "supplements")
    ]
    assert PolicyRelation.objects.between_published_policies().count() == 1


# Topics ------------------------------------------------------------------------------------


def test_topic_for_detail_links_only_published_records(drafts):
    other = TopicFactory(title="Draft sequel", status="draft")
    drafts["article"].related_topics.add(other, TopicFactory(title="Sequel"))
    drafts["article"].exercises.add(drafts["draft_exercise"], drafts["pm2018"])
    drafts["article"].policies.add(drafts["draft_policy"], drafts["convention"])
    topic = Topic.objects.published().for_detail().get(slug="peace-mission-exercises")
    assert [link.country.name for link in topic.country_links.all()] == ["China"]
    assert [link.theme.slug for link in topic.published_theme_links] == ["counterterrorism"]
    assert slugs(topic.related_topics.all()) == ["sequel"]
    assert slugs(topic.exercises.all()) == ["peace-mission-2018", "peace-mission-2007"]
    assert slugs(topic.policies.all()) == ["shanghai-convention"]


def test_discussing_finds_the_topics_linking_to_an_exercise_policy_or_country(world):
    TopicFactory(title="Treaties", policies=[world["convention"]], countries=[world["kz"]])
    topics = Topic.objects.published()
    assert slugs(topics.discussing(world["pm2007"])) == ["peace-mission-exercises"]
    assert slugs(topics.discussing(world["convention"])) == ["treaties"]
    assert slugs(topics.discussing(world["pm2018"])) == []
    assert slugs(topics.discussing_country(world["kz"])) == ["treaties"]


def test_last_reviewed_is_the_latest_review_of_a_published_topic(world):
    TopicFactory(last_reviewed=d(2025, 3, 1))
    TopicFactory(last_reviewed=d(2026, 1, 1), status="draft")
    assert Topic.objects.published().last_reviewed() == d(2025, 3, 1)


# Vocabulary ---------------------------------------------------------------------------------


def test_countries_are_grouped_by_their_current_status(world, django_assert_num_queries):
    mongolia = CountryFactory(
        name="Mongolia", membership__status="observer", membership__start_date=d(2004, 6, 17)
    )
    iran = CountryFactory(
        name="Iran",
        membership__status="observer",
        membership__start_date=d(2005, 7, 5),
        membership__end_date=d(2023, 7, 4),
    )
    MembershipFactory(country=iran, status="member", start_date=d(2023, 7, 4))
    sri_lanka = CountryFactory(
        name="Sri Lanka",
        membership__status="dialogue-partner",
        membership__start_date=d(2009, 6, 16),
        membership__end_date=d(2020, 1, 1),
    )
    CountryFactory(name="Atlantis", status="draft")
    with django_assert_num_queries(2):  # the countries, their memberships
        groups = Country.objects.published().for_list().grouped_by_current_status()
        found = [(g["status"], g["label"], [c.name for c in g["countries"]]) for g in groups]
    assert found == [
        ("founding-member", "Founding member", ["China", "Kazakhstan", "Russia"]),
        ("member", "Member state", ["India", "Iran", "Pakistan"]),
        ("observer", "Observer", ["Mongolia"]),
        ("former", "Former", ["Sri Lanka"]),
    ]
    assert mongolia.current_membership().status == "observer"
    assert sri_lanka.current_membership() is None


def test_country_for_detail_prefetches_memberships_with_their_sources(world):
    membership = world["india"].memberships.get()
    CitationFactory(record=membership, source=world["s2"])
    country = Country.objects.published().for_detail().get(slug="india")
    with CaptureQueriesContext(connection) as queries:
        cited = [[c.source.title for c in m.citations.all()] for m in country.memberships.all()]
    assert cited == [["TASS report"]] and len(queries) == 0


def test_series_edition_counts_count_published_exercises_only(world):
    ExerciseFactory(series=world["pm"], status="draft")
    SeriesFactory(name="Sea Breeze")
    counts = {
        s.slug: s.edition_count for s in ExerciseSeries.objects.published().with_edition_counts()
    }
    assert counts == {"peace-mission": 2, "sea-breeze": 0}
