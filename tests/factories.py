"""Small builders for test records (published unless told otherwise)."""

import datetime
import itertools

from topics.models import (
    Citation,
    Country,
    Domain,
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

_seq = itertools.count(1)


def source(**kwargs):
    n = next(_seq)
    defaults = {"key": f"source-{n}", "title": f"Source {n}", "url": f"https://example.org/{n}"}
    return Source.objects.create(**{**defaults, **kwargs})


def cite(record, *sources, note=""):
    for position, src in enumerate(sources, start=1):
        Citation.objects.create(record=record, source=src, position=position, note=note)
    return record


def theme(name=None, **kwargs):
    name = name or f"Theme {next(_seq)}"
    defaults = {"name": name, "slug": name.lower().replace(" ", "-"), "status": "published"}
    return Theme.objects.create(**{**defaults, **kwargs})


def country(
    name, iso, status="member", since=datetime.date(2001, 6, 15), publication="published", **kwargs
):
    """A country with one SCO status (`status`); `publication` is its draft/published status."""
    defaults = {"slug": name.lower().replace(" ", "-"), "status": publication}
    obj = Country.objects.create(name=name, iso_code=iso, **{**defaults, **kwargs})
    Membership.objects.create(country=obj, status=status, start_date=since)
    return obj


def series(name="Peace Mission", *, themes=(), **kwargs):
    defaults = {"slug": name.lower().replace(" ", "-"), "status": "published"}
    obj = ExerciseSeries.objects.create(name=name, **{**defaults, **kwargs})
    for t in themes:
        ThemeLink.objects.create(record=obj, theme=t)
    return obj


def exercise(
    name, start, *, hosts=(), participants=(), observers=(), themes=(), domains=(), **kwargs
):
    defaults = {
        "slug": name.lower().replace(" ", "-"),
        "framework": "sco-multilateral",
        "kind": "counterterrorism",
        "status": "published",
    }
    obj = Exercise.objects.create(name=name, start_date=start, **{**defaults, **kwargs})
    for role, countries in (
        ("host", hosts),
        ("participant", participants),
        ("observer", observers),
    ):
        for c in countries:
            Participation.objects.create(exercise=obj, country=c, role=role)
    for t in themes:
        ThemeLink.objects.create(record=obj, theme=t)
    if domains:
        obj.domains.set(Domain.objects.filter(slug__in=domains))
    return obj


def policy(short_name, signed, *, parties=(), themes=(), **kwargs):
    defaults = {
        "title": f"The {short_name}",
        "slug": short_name.lower().replace(" ", "-"),
        "kind": "agreement",
        "summary": f"Summary of the {short_name}.",
        "status": "published",
    }
    obj = Policy.objects.create(short_name=short_name, signed_date=signed, **{**defaults, **kwargs})
    for c in parties:
        PolicyParty.objects.create(policy=obj, country=c)
    for t in themes:
        ThemeLink.objects.create(record=obj, theme=t)
    return obj


def topic(title, body="Body text.", *, themes=(), countries=(), **kwargs):
    defaults = {
        "slug": title.lower().replace(" ", "-"),
        "summary": f"Summary of {title}.",
        "status": "published",
    }
    obj = Topic.objects.create(title=title, body=body, **{**defaults, **kwargs})
    for t in themes:
        ThemeLink.objects.create(record=obj, theme=t)
    for c in countries:
        TopicCountry.objects.create(topic=obj, country=c)
    return obj
