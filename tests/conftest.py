import datetime

import pytest
from django.utils import timezone

from .factories import (
    CountryFactory,
    ExerciseFactory,
    ParticipationFactory,
    PolicyFactory,
    PolicyPartyFactory,
    SeriesFactory,
    SourceFactory,
    TermFactory,
    ThemeFactory,
    ThemeLinkFactory,
    TopicCountryFactory,
    TopicFactory,
)


@pytest.fixture
def world(db):
    """A small, fully known data set that the view and filter tests assert against."""
    ct = ThemeFactory(name="Counterterrorism")
    border = ThemeFactory(name="Border security")
    founded = {"membership__status": "founding-member"}
    joined = {"membership__start_date": datetime.date(2017, 6, 9)}
    cn = CountryFactory(name="China", iso_code="CN", **founded)
    ru = CountryFactory(name="Russia", iso_code="RU", **founded)
    kz = CountryFactory(name="Kazakhstan", iso_code="KZ", **founded)
    india = CountryFactory(name="India", iso_code="IN", **joined)
    pk = CountryFactory(name="Pakistan", iso_code="PK", **joined)
    pm = SeriesFactory(name="Peace Mission")
    # Keys of their own, so tests may give them the keys import files use (source-1…).
    s1 = SourceFactory(key="xinhua", title="Xinhua report")
    s2 = SourceFactory(key="tass", title="TASS report")
    pm2007 = ExerciseFactory(
        name="Peace Mission 2007",
        start_date=datetime.date(2007, 8, 9),
        end_date=datetime.date(2007, 8, 17),
        series=pm,
        hosts=[cn, ru],
        participants=[kz],
        themes=[ct],
        domains=["land", "air"],
        personnel=6500,
        location="Chebarkul, Russia",
        sources=[s1],
    )
    pm2018 = ExerciseFactory(
        name="Peace Mission 2018",
        start_date=datetime.date(2018, 8, 22),
        series=pm,
        hosts=[ru],
        participants=[cn, kz, india, pk],
        themes=[ct],
        domains=["land"],
        personnel=3000,
        sources=[s1],
    )
    tianshan = ExerciseFactory(
        name="Tianshan-I",
        start_date=datetime.date(2006, 8, 1),
        start_precision="month",
        framework="rats",
        kind="law-enforcement",
        hosts=[kz, cn],
        themes=[border],
        sources=[s1],
    )
    joint_sea = ExerciseFactory(
        name="Joint Sea 2012",
        start_date=datetime.date(2012, 4, 22),
        framework="outside-sco",
        kind="naval",
        hosts=[cn],
        participants=[ru],
        domains=["naval"],
        sources=[s1],
    )
    draft_exercise = ExerciseFactory(
        name="Secret Drill 2019", start_date=datetime.date(2019, 5, 1), status="draft", hosts=[cn]
    )
    convention = PolicyFactory(
        short_name="Shanghai Convention",
        signed_date=datetime.date(2001, 6, 15),
        kind="convention",
        legal_status="in-force",
        in_force_date=datetime.date(2003, 3, 29),
        parties=[cn, ru, kz],
        themes=[ct],
        sources=[s1, s2],
    )
    extremism = PolicyFactory(
        short_name="Extremism Convention",
        signed_date=datetime.date(2017, 6, 9),
        kind="convention",
        legal_status="signed",
        parties=[cn, ru, kz, india, pk],
        themes=[ct],
    )
    border_agreement = PolicyFactory(
        short_name="Border Agreement",
        signed_date=datetime.date(2015, 7, 10),
        parties=[cn, ru],
        themes=[border],
    )
    draft_policy = PolicyFactory(
        short_name="Draft Protocol", signed_date=datetime.date(2020, 1, 1), status="draft"
    )
    article = TopicFactory(
        title="Peace Mission exercises",
        body=f"## Origins\n\nThe drills began in 2007 [@{s2.key}]. "
        f"Later [@{s1.key}] and again [@{s2.key}].",
        themes=[ct],
        exercises=[pm2007],
        sources=[s1, s2],
    )
    draft_topic = TopicFactory(title="Unfinished article", status="draft")
    dmm, dmm_2007 = body_and_meeting(s1)
    rats_term = TermFactory(
        term="RATS", expansion="Regional Anti-Terrorist Structure", sources=[s1]
    )
    del founded, joined
    return locals()


# What `drafts` adds, none of which a reader may ever see (by name, link or code).
DRAFT_NAMES = [
    "Ruritania", "Freedonia", "Space security", "Arctic security", "Sea Guardian",
    "Mountain Watch",
]  # fmt: skip
DRAFT_LINKS = [
    "/countries/ruritania/", "/countries/freedonia/", "/themes/space-security/",
    "/themes/arctic-security/", "/series/sea-guardian/", "/series/mountain-watch/",
]  # fmt: skip
# Their codes and slugs as filter choices would show them.
DRAFT_VALUES = [
    'value="RT"', 'value="FD"', 'value="space-security"', 'value="arctic-security"',
    'value="sea-guardian"', 'value="mountain-watch"',
]  # fmt: skip


@pytest.fixture
def drafts(world):
    """The world, plus draft and scheduled vocabulary linked from its published records.

    Each of Ruritania (draft), Freedonia (scheduled), Space security (draft),
    Arctic security (scheduled), Sea Guardian (draft series) and Mountain Watch
    (scheduled series) is linked from published exercises, policies, a topic or a
    series, so every reader page that shows vocabulary has something to leak.
    """
    due = timezone.now() + datetime.timedelta(days=30)
    space = ThemeFactory(name="Space security", status="draft")
    arctic = ThemeFactory(name="Arctic security", published_at=due)
    ruritania = CountryFactory(name="Ruritania", iso_code="RT", status="draft")
    freedonia = CountryFactory(name="Freedonia", iso_code="FD", published_at=due)
    sea_guardian = SeriesFactory(name="Sea Guardian", status="draft")
    mountain_watch = SeriesFactory(name="Mountain Watch", published_at=due)
    w = world
    ParticipationFactory(exercise=w["pm2007"], country=ruritania, role="host")
    ParticipationFactory(exercise=w["pm2007"], country=freedonia, role="observer")
    ParticipationFactory(exercise=w["pm2018"], country=ruritania, role="participant")
    ThemeLinkFactory(record=w["pm2007"], theme=space)
    ThemeLinkFactory(record=w["joint_sea"], theme=arctic)
    for exercise, series in ((w["joint_sea"], sea_guardian), (w["tianshan"], mountain_watch)):
        exercise.series = series
        exercise.save()
    PolicyPartyFactory(policy=w["convention"], country=ruritania)
    PolicyPartyFactory(policy=w["border_agreement"], country=freedonia)
    ThemeLinkFactory(record=w["convention"], theme=space)
    ThemeLinkFactory(record=w["border_agreement"], theme=arctic)
    for country in (w["cn"], ruritania, freedonia):
        TopicCountryFactory(topic=w["article"], country=country)
    for theme in (space, arctic):
        ThemeLinkFactory(record=w["article"], theme=theme)
        ThemeLinkFactory(record=w["pm"], theme=theme)
    ThemeLinkFactory(record=w["pm"], theme=w["ct"])
    added = dict(space=space, arctic=arctic, ruritania=ruritania, freedonia=freedonia)
    return {**world, **added, "sea_guardian": sea_guardian, "mountain_watch": mountain_watch}


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the local-memory cache outlives tests),
    and with the page cache's memory of this process forgotten: every test's
    rolled-back transaction hands out the same content version numbers again."""
    from django.core.cache import cache

    from topics import content_version, page_cache

    def forget():
        cache.clear()
        content_version.forget_schedule()
        page_cache.bypass.reset()

    forget()
    yield
    forget()


def body_and_meeting(source):
    """A published body and one of its meetings, citing `source`, for the world: every
    registered admin then has a record to open (tests/test_bodies.py builds its own)."""
    from topics.models import Body, Citation, Meeting

    body = Body.objects.create(
        name="Meeting of Defence Ministers", short_name="Defence Ministers' Meeting",
        slug="defence-ministers-meeting", status="published",
    )  # fmt: skip
    meeting = Meeting.objects.create(
        body=body, name="Defence Ministers' Meeting, Bishkek 2007", slug="dmm-2007-bishkek",
        date=datetime.date(2007, 6, 27), status="published",
    )  # fmt: skip
    for record in (body, meeting):
        Citation.objects.create(record=record, source=source, position=1)
    return body, meeting
