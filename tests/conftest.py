import datetime

import pytest
from django.utils import timezone

from . import factories as f


@pytest.fixture
def world(db):
    """A small, fully known data set that the view and filter tests assert against."""
    ct = f.theme("Counterterrorism", slug="counterterrorism")
    border = f.theme("Border security", slug="border-security")
    cn = f.country("China", "CN", status="founding-member")
    ru = f.country("Russia", "RU", status="founding-member")
    kz = f.country("Kazakhstan", "KZ", status="founding-member")
    india = f.country("India", "IN", since=datetime.date(2017, 6, 9))
    pk = f.country("Pakistan", "PK", since=datetime.date(2017, 6, 9))
    pm = f.series("Peace Mission")
    s1, s2 = f.source(title="Xinhua report"), f.source(title="TASS report")
    pm2007 = f.exercise(
        "Peace Mission 2007",
        datetime.date(2007, 8, 9),
        end_date=datetime.date(2007, 8, 17),
        series=pm,
        hosts=[cn, ru],
        participants=[kz],
        themes=[ct],
        domains=["land", "air"],
        personnel=6500,
        location="Chebarkul, Russia",
    )
    pm2018 = f.exercise(
        "Peace Mission 2018",
        datetime.date(2018, 8, 22),
        series=pm,
        hosts=[ru],
        participants=[cn, kz, india, pk],
        themes=[ct],
        domains=["land"],
        personnel=3000,
    )
    tianshan = f.exercise(
        "Tianshan-I",
        datetime.date(2006, 8, 1),
        start_precision="month",
        framework="rats",
        kind="law-enforcement",
        hosts=[kz, cn],
        themes=[border],
    )
    joint_sea = f.exercise(
        "Joint Sea 2012",
        datetime.date(2012, 4, 22),
        framework="outside-sco",
        kind="naval",
        hosts=[cn],
        participants=[ru],
        domains=["naval"],
    )
    draft_exercise = f.exercise(
        "Secret Drill 2019", datetime.date(2019, 5, 1), status="draft", hosts=[cn]
    )
    for ex in (pm2007, pm2018, tianshan, joint_sea):
        f.cite(ex, s1)
    convention = f.policy(
        "Shanghai Convention",
        datetime.date(2001, 6, 15),
        kind="convention",
        legal_status="in-force",
        in_force_date=datetime.date(2003, 3, 29),
        parties=[cn, ru, kz],
        themes=[ct],
    )
    extremism = f.policy(
        "Extremism Convention",
        datetime.date(2017, 6, 9),
        kind="convention",
        legal_status="signed",
        parties=[cn, ru, kz, india, pk],
        themes=[ct],
    )
    border_agreement = f.policy(
        "Border Agreement", datetime.date(2015, 7, 10), parties=[cn, ru], themes=[border]
    )
    draft_policy = f.policy("Draft Protocol", datetime.date(2020, 1, 1), status="draft")
    f.cite(convention, s1, s2)
    article = f.topic(
        "Peace Mission exercises",
        body=f"## Origins\n\nThe drills began in 2007 [@{s2.key}]. "
        f"Later [@{s1.key}] and again [@{s2.key}].",
        themes=[ct],
    )
    f.cite(article, s1, s2)
    article.exercises.add(pm2007)
    draft_topic = f.topic("Unfinished article", status="draft")
    dmm, dmm_2007 = body_and_meeting(s1)
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
    from topics.models import (
        Participation,
        PolicyParty,
        ThemeLink,
        TopicCountry,
    )

    due = timezone.now() + datetime.timedelta(days=30)
    space = f.theme("Space security", slug="space-security", status="draft")
    arctic = f.theme("Arctic security", slug="arctic-security", published_at=due)
    ruritania = f.country("Ruritania", "RT", publication="draft")
    freedonia = f.country("Freedonia", "FD", published_at=due)
    sea_guardian = f.series("Sea Guardian", status="draft")
    mountain_watch = f.series("Mountain Watch", published_at=due)
    w = world
    Participation.objects.create(exercise=w["pm2007"], country=ruritania, role="host")
    Participation.objects.create(exercise=w["pm2007"], country=freedonia, role="observer")
    Participation.objects.create(exercise=w["pm2018"], country=ruritania, role="participant")
    ThemeLink.objects.create(record=w["pm2007"], theme=space)
    ThemeLink.objects.create(record=w["joint_sea"], theme=arctic)
    for exercise, series in ((w["joint_sea"], sea_guardian), (w["tianshan"], mountain_watch)):
        exercise.series = series
        exercise.save()
    PolicyParty.objects.create(policy=w["convention"], country=ruritania)
    PolicyParty.objects.create(policy=w["border_agreement"], country=freedonia)
    ThemeLink.objects.create(record=w["convention"], theme=space)
    ThemeLink.objects.create(record=w["border_agreement"], theme=arctic)
    for country in (w["cn"], ruritania, freedonia):
        TopicCountry.objects.create(topic=w["article"], country=country)
    for theme in (space, arctic):
        ThemeLink.objects.create(record=w["article"], theme=theme)
        ThemeLink.objects.create(record=w["pm"], theme=theme)
    ThemeLink.objects.create(record=w["pm"], theme=w["ct"])
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
