"""Reader downloads: a filtered list page as CSV or JSON.

A download *is* the list view (`DownloadMixin` on top of `ExerciseListView`,
`PolicyListView` or `MeetingListView`): the same FilterSet, the same QuerySet and the same order,
unpaginated (up to `DOWNLOAD_LIMIT` records), so it can never disagree with the page the
reader is looking at.
Only published countries, themes, series, bodies and linked records are named. Dates keep their
precision ("2007-08" for August 2007); a list is joined with ";" in CSV.
"""

import csv
import io
import json

from django.http import Http404, HttpResponse

from .models import Participation
from .partial_dates import partial_iso

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


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
        "themes": [link.theme.slug for link in exercise.published_theme_links],
        "agreements": [policy.slug for policy in exercise.agreements.all()],
        "sources": [citation.source.url for citation in exercise.citations.all()],
        "url": request.build_absolute_uri(exercise.get_absolute_url()),
    }


def party_joined(link):
    """Return "IN:2017-06-09" for a party that joined later on a known date, else "IN"."""
    joined = partial_iso(link.joined_date, link.joined_precision)
    return f"{link.country.iso_code}:{joined}" if joined else link.country.iso_code


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
        "signatories": [link.country.iso_code for link in policy.signatory_links],
        "joined_later": [party_joined(link) for link in policy.joined_later_links],
        "themes": [link.theme.slug for link in policy.published_theme_links],
        "summary": policy.summary,
        "official_text_url": policy.official_text_url,
        "sources": [citation.source.url for citation in policy.citations.all()],
        "url": request.build_absolute_uri(policy.get_absolute_url()),
    }


def meeting_row(meeting, request):
    return {
        "slug": meeting.slug,
        "name": meeting.name,
        "body": meeting.body.slug,
        "number": meeting.number,
        "date": partial_iso(meeting.date, meeting.date_precision),
        "place": meeting.place,
        "host": meeting.host.iso_code if meeting.host else "",
        "chair": meeting.chair.iso_code if meeting.chair else "",
        "outcome": meeting.outcome,
        "policies": [policy.slug for policy in meeting.policies.all()],
        "exercises": [exercise.slug for exercise in meeting.exercises.all()],
        "sources": [citation.source.url for citation in meeting.citations.all()],
        "url": request.build_absolute_uri(meeting.get_absolute_url()),
    }


EXERCISE_COLUMNS = [
    "slug", "name", "series", "start", "end", "held", "location", "latitude", "longitude",
    "kind", "framework", "domains", "hosts", "participants", "observers", "personnel",
    "personnel_approximate", "themes", "agreements", "sources", "url",
]  # fmt: skip
POLICY_COLUMNS = [
    "slug", "short_name", "title", "kind", "signed", "signed_place", "in_force", "status",
    "parties", "signatories", "joined_later", "themes", "summary", "official_text_url", "sources",
    "url",
]  # fmt: skip
MEETING_COLUMNS = [
    "slug", "name", "body", "number", "date", "place", "host", "chair", "outcome", "policies",
    "exercises", "sources", "url",
]  # fmt: skip


# A download holds at most this many records (the first, in the list's order): it
# then reads a bounded number of rows, in the same queries, however large the list;
# the notice (JSON) and the X-Download-Truncated header (both) say when it was cut.
# Measured at 100,000 exercises (docs/performance.md): reading and prefetching rows
# costs about a millisecond each, so 1,000 (some thirty times the bundled content)
# keeps an uncached download near a second, and its file (under 1 MB) is kept by
# the page cache like any page. The bodies are written in pieces (as_json, as_csv),
# ready for a StreamingHttpResponse should the limit ever be raised far.
DOWNLOAD_LIMIT = 1000


class DownloadMixin:
    """Render a filtered list view as a file.

    `row(record, request)` gives a record's values, `columns` their order in CSV.
    """

    paginate_by = None
    columns = []
    row = None
    limit = DOWNLOAD_LIMIT

    def get(self, request, *args, **kwargs):
        if kwargs["fmt"] not in FORMATS:
            raise Http404("No such download")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        # On top of what the list's cards show, everything a row has.
        return super().get_queryset().for_download()

    def render_to_response(self, context, **response_kwargs):
        fmt = self.kwargs["fmt"]
        # One past the limit tells whether the list was cut, without counting it.
        records = list(context["object_list"][: self.limit + 1])
        truncated = len(records) > self.limit
        records = records[: self.limit]
        notices = list(self.filterset.notices)
        if truncated:
            notices.append(
                f"This download holds the first {self.limit:,} records of the list; "
                "narrow the filters (e.g. by year) to download the others."
            )
        rows = (self.row(record, self.request) for record in records)
        if fmt == "json":
            chunks = as_json(rows, len(records), notices)
        else:
            chunks = as_csv(rows, self.columns)
        response = HttpResponse("".join(chunks), content_type=FORMATS[fmt])
        if truncated:
            response["X-Download-Truncated"] = f"first {self.limit} records"
        name = self.filterset._meta.model._meta.verbose_name_plural.replace(" ", "-")
        response["Content-Disposition"] = f'attachment; filename="sco-{name}.{fmt}"'
        response.page_query = self.get_page_query()
        return response


def as_json(rows, count, notices):
    """Yield the JSON file in pieces: {"count", "notices", "results"}, a row at a time."""
    head = json.dumps({"count": count, "notices": notices}, ensure_ascii=False, indent=2)
    yield head[:-2] + ',\n  "results": ['
    for index, row in enumerate(rows):
        text = json.dumps(row, ensure_ascii=False, indent=2).replace("\n", "\n    ")
        yield ("," if index else "") + "\n    " + text
    yield "\n  ]\n}"


def as_csv(rows, columns):
    """Yield the CSV file in pieces: the header, then a row at a time."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)

    def flush():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writeheader()
    yield flush()
    for row in rows:
        writer.writerow({key: ";".join(v) if isinstance(v, list) else v for key, v in row.items()})
        yield flush()
