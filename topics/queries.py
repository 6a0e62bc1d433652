"""Querysets shared by the views, the reader downloads and the backup exporter.

Each helper fetches everything its caller shows in a fixed number of queries.
"""

from django.db.models import Count, Prefetch

from .models import Citation, Participation, Policy

CITATIONS = Prefetch("citations", queryset=Citation.objects.select_related("source"))
THEMES = Prefetch("theme_links__theme")
PARTICIPATIONS = Prefetch(
    "participations", queryset=Participation.objects.select_related("country")
)


def exercise_cards(queryset):
    """Exercises with everything a card shows, in a fixed number of queries."""
    return queryset.select_related("series").prefetch_related(PARTICIPATIONS, "domains")


def policy_cards(queryset):
    return queryset.prefetch_related("party_links__country")


def policies_sharing_themes(record, exclude=None, limit=5):
    """Published policies with the most themes in common with `record`."""
    theme_ids = [theme.pk for theme in record.theme_list]
    policies = Policy.objects.published().filter(theme_links__theme__in=theme_ids)
    if exclude is not None:
        policies = policies.exclude(pk=exclude.pk)
    return policies.annotate(shared=Count("theme_links")).order_by("-shared", "-signed_date")[
        :limit
    ]
