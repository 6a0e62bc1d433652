"""factory_boy factories for test records: published, with unique names, unless told otherwise.

Relations are keyword arguments holding the related records:
`ExerciseFactory(name="Peace Mission 2007", hosts=[china], themes=[ct], sources=[xinhua])`.
A slug follows the name ("Peace Mission 2007" is peace-mission-2007), so tests can
ask for the page of a record they named. A country comes with one SCO status
(`membership__status="observer"`, `membership__start_date=…`; `membership=None` for
none); `status` is, as for every record, draft or published.
"""

import datetime

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from topics.models import (
    Citation,
    Country,
    Domain,
    Exercise,
    ExerciseSeries,
    LinkCheck,
    Membership,
    Participation,
    Policy,
    PolicyParty,
    PolicyRelation,
    Source,
    Term,
    Theme,
    ThemeLink,
    Topic,
    TopicCountry,
)

# ISO 3166-1 leaves these codes to users, so no real country a test names has one.
USER_ASSIGNED_CODES = ["AA", *(f"Q{c}" for c in "MNOPQRSTUVWXYZ"), *(f"X{chr(c)}" for c in
                       range(ord("A"), ord("Z") + 1)), "ZZ"]  # fmt: skip


def slug_of(field):
    return factory.LazyAttribute(lambda record: slugify(getattr(record, field)))


def related(make):
    """A post-generation hook calling `make(record, item)` for each item passed."""

    def hook(record, create, items, **kwargs):
        if create:
            for item in items or ():
                make(record, item)

    return factory.PostGeneration(hook)


def cited(record, create, sources, **kwargs):
    """Cite `sources` in their order (the record's reference list)."""
    if create:
        for position, source in enumerate(sources or (), start=1):
            CitationFactory(record=record, source=source, position=position)


def themed(record, theme):
    ThemeLinkFactory(record=record, theme=theme)


class PublishedFactory(DjangoModelFactory):
    status = "published"

    class Meta:
        abstract = True
        # The hooks write rows of their own; the record needs no second save (which
        # would move the content version and the record's `updated_at` again).
        skip_postgeneration_save = True


# Sources -------------------------------------------------------------------------------


class SourceFactory(DjangoModelFactory):
    key = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Source {n}")
    url = factory.Sequence(lambda n: f"https://example.org/{n}")

    class Meta:
        model = Source


class CitationFactory(DjangoModelFactory):
    """A source cited by `record` (any cited record: a topic, an exercise, a membership…)."""

    source = factory.SubFactory(SourceFactory)
    record = factory.SubFactory("tests.factories.ExerciseFactory")

    class Meta:
        model = Citation


# Vocabulary ------------------------------------------------------------------------------


class ThemeFactory(PublishedFactory):
    name = factory.Sequence(lambda n: f"Theme {n}")
    slug = slug_of("name")

    class Meta:
        model = Theme


class ThemeLinkFactory(DjangoModelFactory):
    theme = factory.SubFactory(ThemeFactory)
    record = factory.SubFactory("tests.factories.ExerciseFactory")

    class Meta:
        model = ThemeLink


class CountryFactory(PublishedFactory):
    name = factory.Sequence(lambda n: f"Country {n}")
    slug = slug_of("name")
    iso_code = factory.Sequence(lambda n: USER_ASSIGNED_CODES[n % len(USER_ASSIGNED_CODES)])
    membership = factory.RelatedFactory(
        "tests.factories.MembershipFactory", factory_related_name="country"
    )

    class Meta:
        model = Country


class MembershipFactory(DjangoModelFactory):
    country = factory.SubFactory(CountryFactory, membership=None)
    status = Membership.Status.MEMBER
    start_date = datetime.date(2001, 6, 15)

    class Meta:
        model = Membership


class SeriesFactory(PublishedFactory):
    name = factory.Sequence(lambda n: f"Series {n}")
    slug = slug_of("name")
    themes = related(themed)
    sources = factory.PostGeneration(cited)

    class Meta:
        model = ExerciseSeries


# Exercises -------------------------------------------------------------------------------


def taking_part(role):
    return related(
        lambda exercise, country: ParticipationFactory(
            exercise=exercise, country=country, role=role
        )
    )


def with_domains(exercise, create, slugs, **kwargs):
    """Domains by slug (land, air, naval, cyber: rows the migrations create)."""
    if create and slugs:
        exercise.domains.set(Domain.objects.filter(slug__in=slugs))


class ExerciseFactory(PublishedFactory):
    name = factory.Sequence(lambda n: f"Drill {n}")
    slug = slug_of("name")
    start_date = datetime.date(2010, 9, 9)
    framework = Exercise.Framework.SCO_MULTILATERAL
    kind = Exercise.Kind.COUNTERTERRORISM
    hosts = taking_part(Participation.Role.HOST)
    participants = taking_part(Participation.Role.PARTICIPANT)
    observers = taking_part(Participation.Role.OBSERVER)
    themes = related(themed)
    domains = factory.PostGeneration(with_domains)
    agreements = related(lambda exercise, policy: exercise.agreements.add(policy))
    sources = factory.PostGeneration(cited)

    class Meta:
        model = Exercise


class ParticipationFactory(DjangoModelFactory):
    exercise = factory.SubFactory(ExerciseFactory)
    country = factory.SubFactory(CountryFactory)
    role = Participation.Role.PARTICIPANT

    class Meta:
        model = Participation


# Policies --------------------------------------------------------------------------------


class PolicyFactory(PublishedFactory):
    short_name = factory.Sequence(lambda n: f"Agreement {n}")
    title = factory.LazyAttribute(lambda policy: f"The {policy.short_name}")
    slug = slug_of("short_name")
    kind = Policy.Kind.AGREEMENT
    signed_date = datetime.date(2001, 6, 15)
    summary = factory.LazyAttribute(lambda policy: f"Summary of the {policy.short_name}.")
    parties = related(lambda policy, country: PolicyPartyFactory(policy=policy, country=country))
    themes = related(themed)
    sources = factory.PostGeneration(cited)

    class Meta:
        model = Policy


class PolicyPartyFactory(DjangoModelFactory):
    policy = factory.SubFactory(PolicyFactory)
    country = factory.SubFactory(CountryFactory)

    class Meta:
        model = PolicyParty


class PolicyRelationFactory(DjangoModelFactory):
    from_policy = factory.SubFactory(PolicyFactory)
    to_policy = factory.SubFactory(PolicyFactory)
    kind = PolicyRelation.Kind.SUPPLEMENTS

    class Meta:
        model = PolicyRelation


# Topics ----------------------------------------------------------------------------------


class TopicFactory(PublishedFactory):
    title = factory.Sequence(lambda n: f"Topic {n}")
    slug = slug_of("title")
    summary = factory.LazyAttribute(lambda topic: f"Summary of {topic.title}.")
    body = "Body text."
    themes = related(themed)
    countries = related(lambda topic, country: TopicCountryFactory(topic=topic, country=country))
    exercises = related(lambda topic, exercise: topic.exercises.add(exercise))
    policies = related(lambda topic, policy: topic.policies.add(policy))
    sources = factory.PostGeneration(cited)

    class Meta:
        model = Topic


class TopicCountryFactory(DjangoModelFactory):
    topic = factory.SubFactory(TopicFactory)
    country = factory.SubFactory(CountryFactory)

    class Meta:
        model = TopicCountry


# Glossary ----------------------------------------------------------------------------------


class TermFactory(PublishedFactory):
    term = factory.Sequence(lambda n: f"TERM{n}")
    slug = slug_of("term")
    definition = factory.LazyAttribute(lambda term: f"What {term.term} means.")
    sources = factory.PostGeneration(cited)

    class Meta:
        model = Term


# Bookkeeping and users ---------------------------------------------------------------------


class LinkCheckFactory(DjangoModelFactory):
    url = factory.Sequence(lambda n: f"https://example.org/checked-{n}")
    ok = False
    checked_at = factory.LazyFunction(timezone.now)

    class Meta:
        model = LinkCheck


class UserFactory(DjangoModelFactory):
    """A user with the password "pw"; `groups=["Editor"]` puts them in the named groups."""

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("pw")

    class Meta:
        model = User
        skip_postgeneration_save = True

    @factory.post_generation
    def groups(user, create, names, **kwargs):
        if create:
            user.groups.add(*(Group.objects.get(name=name) for name in names or ()))


class StaffFactory(UserFactory):
    is_staff = True


class SuperuserFactory(StaffFactory):
    is_superuser = True
