"""Reader downloads: the filtered exercise and policy lists as CSV or JSON.

The same filters as the list pages apply, so a download matches the page the
reader is looking at; only published countries, themes and series are named.
Dates keep their precision ("2007-08" for August 2007).
"""

import csv
import io
import json

from django.http import Http404, HttpResponse

from .dates import partial_iso
from .filters import ExerciseFilter, PolicyFilter
from .models import Exercise, Participation, Policy
from .queries import CITATIONS, exercise_cards, policy_cards, published_themes


def exercise_row(exercise, request):
    by_role = {role: [] for role in Participation.Role.values}
    for participation in exercise.participations.all():
        by_role[participation.role].append(participation.country.iso_code)
    return {
        "slug": exercise.slug,
        "name": exercise.name,
        "series": exercise.series.name if exercise.series else "",
        "start": partial_iso(exercise.start_date, exercise.start_precision),
        "end": partial_iso(exercise.end_date, exercise.end_precision),
        "held": exercise.held,
        "location": exercise.location,
        "latitude": str(exercise.latitude) if exercise.latitude is not None else "",
        "longitude": str(exercise.longitude) if exercise.longitude is not None else "",
        "kind": exercise.kind,
        "framework": exercise.framework,
        "domains": [domain.slug for domain in exercise.domains.all()],
        "hosts": by_role["host"],
        "participants": by_role["participant"],
        "observers": by_role["observer"],
        "personnel": exercise.personnel,
        "personnel_approximate": exercise.personnel_approximate,
        "themes": [theme.slug for theme in exercise.theme_list],
        "sources": [citation.source.url for citation in exercise.citations.all()],
        "url": request.build_absolute_uri(exercise.get_absolute_url()),
    }


def policy_row(policy, request):
    return {
        "slug": policy.slug,
        "short_name": policy.short_name,
        "title": policy.title,
        "kind": policy.kind,
        "signed": partial_iso(policy.signed_date, policy.signed_precision),
        "signed_place": policy.signed_place,
        "in_force": partial_iso(policy.in_force_date, policy.in_force_precision),
        "status": policy.legal_status,
        "parties": [link.country.iso_code for link in policy.party_links.all()],
        "themes": [theme.slug for theme in policy.theme_list],
        "summary": policy.summary,
        "official_text_url": policy.official_text_url,
        "sources": [citation.source.url for citation in policy.citations.all()],
        "url": request.build_absolute_uri(policy.get_absolute_url()),
    }


EXERCISE_COLUMNS = [
    "slug", "name", "series", "start", "end", "held", "location", "latitude", "longitude",
    "kind", "framework", "domains", "hosts", "participants", "observers", "personnel",
    "personnel_approximate", "themes", "sources", "url",
]  # fmt: skip
POLICY_COLUMNS = [
    "slug", "short_name", "title", "kind", "signed", "signed_place", "in_force", "status",
    "parties", "themes", "summary", "official_text_url", "sources", "url",
]  # fmt: skip

EXPORTS = {
    "exercises": (
        ExerciseFilter,
        lambda: exercise_cards(Exercise.objects.published()).prefetch_related(
            CITATIONS, published_themes(Exercise)
        ),
        exercise_row,
        EXERCISE_COLUMNS,
    ),
    "policies": (
        PolicyFilter,
        lambda: policy_cards(Policy.objects.published()).prefetch_related(
            CITATIONS, published_themes(Policy)
        ),
        policy_row,
        POLICY_COLUMNS,
    ),
}


def export(request, section, fmt):
    if section not in EXPORTS or fmt not in ("csv", "json"):
        raise Http404("No such download")
    filterset_class, queryset, to_row, columns = EXPORTS[section]
    filterset = filterset_class(request.GET or None, queryset=queryset(), request=request)
    rows = [to_row(record, request) for record in filterset.qs]
    filename = f"sco-{section}.{fmt}"
    if fmt == "json":
        body = json.dumps(
            {"count": len(rows), "notices": filterset.notices, "results": rows},
            ensure_ascii=False,
            indent=2,
        )
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()})
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
