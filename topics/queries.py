"""Querysets shared by the views and the reader downloads.

Each helper fetches everything its caller shows in a fixed number of queries.

Reader pages link only to *published* vocabulary: a draft or scheduled country,
theme or series linked from a published record is left out of its prefetch (a
draft series leaves `exercise.series` None). These prefetches are built per call
because `published()` compares with the time of the call: a module-level one
would be frozen at import time.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min, Prefetch, Window

from .history import public_change_log
from .models import (
    Citation,
    Country,
    ExerciseSeries,
    Participation,
    Policy,
    PolicyParty,
    RevisionNote,
    Theme,
    TopicCountry,
)

CITATIONS = Prefetch("citations", queryset=Citation.objects.select_related("source"))


def published_themes(model):
    """Prefetch the theme links of `model`'s records to published themes only.

    `record.theme_list` then lists those themes.
    """
    link_model = model._meta.get_field("theme_links").related_model
    links = link_model.objects.filter(theme__in=Theme.objects.published())
    return Prefetch("theme_links", queryset=links.select_related("theme"))


def published_participations():
    participations = Participation.objects.filter(country__in=Country.objects.published())
    return Prefetch("participations", queryset=participations.select_related("country"))


def published_parties():
    parties = PolicyParty.objects.filter(country__in=Country.objects.published())
    return Prefetch("party_links", queryset=parties.select_related("country"))


def published_countries_discussed():
    links = TopicCountry.objects.filter(country__in=Country.objects.published())
    return Prefetch("country_links", queryset=links.select_related("country"))


def published_series():
    """Prefetch an exercise's series if published; a draft one leaves `series` None."""
    return Prefetch("series", queryset=ExerciseSeries.objects.published())


def exercise_cards(queryset):
    """Exercises with everything a card shows, in a fixed number of queries."""
    return queryset.prefetch_related(published_series(), published_participations(), "domains")


def policy_cards(queryset):
    return queryset.prefetch_related(published_parties())


def policies_sharing_themes(record, exclude=None, limit=5):
    """Published policies with the most published themes in common with `record`.

    `record` must come with `published_themes()` prefetched.
    """
    theme_ids = [theme.pk for theme in record.theme_list]
    policies = Policy.objects.published().filter(theme_links__theme__in=theme_ids)
    if exclude is not None:
        policies = policies.exclude(pk=exclude.pk)
    return policies.annotate(shared=Count("theme_links")).order_by("-shared", "-signed_date")[
        :limit
    ]


@dataclass
class ChangeLog:
    """What a record's page tells readers about its history: dates and reasons only."""

    created: datetime
    changed: datetime
    entries: list  # [{"date": datetime, "reason": str}], newest first
    earlier: int  # changes not listed in `entries`


def change_log(record, limit=5):
    """Return the public change log of `record`, in one query whatever its length.

    Only the date and the reason of each version are read: editors' names and
    e-mail addresses never reach the page. A version saved just before a
    deletion is not a change and is left out. The record's own `created_at` and
    `updated_at` cover changes made before, or outside, the history.
    """
    versions = (
        public_change_log(record)
        .exclude(revision__note__kind=RevisionNote.Kind.DELETE)
        .order_by("-revision__date_created", "-pk")
        .annotate(
            total=Window(Count("pk")),
            first=Window(Min("revision__date_created")),
            last=Window(Max("revision__date_created")),
        )
        .values("revision__date_created", "revision__note__reason", "total", "first", "last")
    )
    rows = list(versions[:limit])
    created, changed = record.created_at, record.updated_at
    if rows:
        created = min(created, rows[0]["first"])
        changed = max(changed, rows[0]["last"])
    return ChangeLog(
        created=created,
        changed=changed,
        entries=[
            {"date": row["revision__date_created"], "reason": row["revision__note__reason"] or ""}
            for row in rows
        ],
        earlier=rows[0]["total"] - len(rows) if rows else 0,
    )
