"""Write every content record (drafts included) as content files.

The output is in the same format `load_content` reads (docs/content-format.md),
so a backup is restored into an empty database with
`load_content --path <folder>`. Change history is not exported.
"""

from pathlib import Path

import yaml
from django.db.models import Prefetch

from .dates import partial_iso
from .models import (
    Country,
    Exercise,
    ExerciseSeries,
    Membership,
    Policy,
    Source,
    Theme,
    Topic,
)
from .queries import CITATIONS, PARTICIPATIONS


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(data):
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def publication(record, field="status"):
    data = {field: record.status}
    if record.published_at:
        data["published_at"] = record.published_at.isoformat()
    return data


def sources(record):
    return [
        {"key": c.source.key, "note": c.note} if c.note else c.source.key
        for c in record.citations.all()
    ]


def theme_slugs(record):
    return [link.theme.slug for link in record.theme_links.all()]


def without_empty(data):
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def export_themes():
    return [
        without_empty(
            {"slug": t.slug, "name": t.name, "description": t.description, **publication(t)}
        )
        for t in Theme.objects.order_by("slug")
    ]


def export_sources():
    return [
        without_empty(
            {
                "key": s.key,
                "title": s.title,
                "url": s.url,
                "publisher": s.publisher,
                "author": s.author,
                "published": partial_iso(s.published_date, s.published_precision),
                "accessed": s.accessed_date.isoformat() if s.accessed_date else "",
            }
        )
        for s in Source.objects.order_by("key")
    ]


def export_countries():
    memberships = Membership.objects.prefetch_related(CITATIONS)
    countries = Country.objects.order_by("iso_code").prefetch_related(
        Prefetch("memberships", queryset=memberships), CITATIONS
    )
    return [
        without_empty(
            {
                "iso": c.iso_code,
                "name": c.name,
                "slug": c.slug,
                "summary": c.summary,
                "memberships": [
                    without_empty(
                        {
                            "status": m.status,
                            "start": partial_iso(m.start_date, m.start_precision),
                            "end": partial_iso(m.end_date, m.end_precision),
                            "note": m.note,
                            "sources": sources(m),
                        }
                    )
                    for m in c.memberships.all()
                ],
                "sources": sources(c),
                **publication(c),
            }
        )
        for c in countries
    ]


def export_series():
    return [
        without_empty(
            {
                "slug": s.slug,
                "name": s.name,
                "description": s.description,
                "themes": theme_slugs(s),
                "sources": sources(s),
                **publication(s),
            }
        )
        for s in ExerciseSeries.objects.order_by("slug").prefetch_related(
            CITATIONS, "theme_links__theme"
        )
    ]


def export_exercises():
    exercises = Exercise.objects.order_by("start_date", "slug").select_related("series")
    exercises = exercises.prefetch_related(
        CITATIONS,
        "theme_links__theme",
        "domains",
        PARTICIPATIONS,
    )
    return [
        without_empty(
            {
                "slug": e.slug,
                "name": e.name,
                "series": e.series.slug if e.series else None,
                "start": partial_iso(e.start_date, e.start_precision),
                "end": partial_iso(e.end_date, e.end_precision),
                "held": e.held,
                "location": e.location,
                "latitude": float(e.latitude) if e.latitude is not None else None,
                "longitude": float(e.longitude) if e.longitude is not None else None,
                "participants": [
                    {"country": p.country.iso_code, "role": p.role}
                    for p in sorted(e.participations.all(), key=lambda p: p.pk)
                ],
                "kind": e.kind,
                "domains": [d.slug for d in e.domains.all()],
                "framework": e.framework,
                "personnel": e.personnel,
                "personnel_approximate": e.personnel_approximate,
                "description": e.description,
                "disputed": e.disputed,
                "themes": theme_slugs(e),
                "sources": sources(e),
                **publication(e),
            }
        )
        for e in exercises
    ]


def export_policies():
    policies = Policy.objects.order_by("signed_date", "slug").prefetch_related(
        CITATIONS, "theme_links__theme", "party_links__country", "outgoing_relations__to_policy"
    )
    return [
        without_empty(
            {
                "slug": p.slug,
                "title": p.title,
                "short_name": p.short_name,
                "kind": p.kind,
                "signed": partial_iso(p.signed_date, p.signed_precision),
                "signed_place": p.signed_place,
                "in_force": partial_iso(p.in_force_date, p.in_force_precision),
                "status": p.legal_status,
                "parties": [link.country.iso_code for link in p.party_links.all()],
                "themes": theme_slugs(p),
                "summary": p.summary,
                "body": p.body,
                "official_text_url": p.official_text_url,
                "relations": [
                    {"kind": r.kind, "policy": r.to_policy.slug} for r in p.outgoing_relations.all()
                ],
                "sources": sources(p),
                **publication(p, field="publication"),
            }
        )
        for p in policies
    ]


def export_topic(topic):
    front = without_empty(
        {
            "title": topic.title,
            "slug": topic.slug,
            "summary": topic.summary,
            "last_reviewed": topic.last_reviewed.isoformat() if topic.last_reviewed else None,
            "themes": theme_slugs(topic),
            "related": sorted(t.slug for t in topic.related_topics.all()),
            "exercises": sorted(e.slug for e in topic.exercises.all()),
            "policies": sorted(p.slug for p in topic.policies.all()),
            "countries": [link.country.iso_code for link in topic.country_links.all()],
            "sources": sources(topic),
            **publication(topic),
        }
    )
    return f"---\n{dump_yaml(front)}---\n{topic.body}"


def export_content(directory):
    """Write all content under `directory`; return {kind: count}."""
    directory = Path(directory)
    (directory / "topics").mkdir(parents=True, exist_ok=True)
    sections = {
        "themes": export_themes(),
        "sources": export_sources(),
        "countries": export_countries(),
        "series": export_series(),
        "exercises": export_exercises(),
        "policies": export_policies(),
    }
    for kind, records in sections.items():
        (directory / f"{kind}.yaml").write_text(dump_yaml({kind: records}), encoding="utf-8")
    topics = Topic.objects.order_by("slug").prefetch_related(
        CITATIONS, "theme_links__theme", "related_topics", "exercises", "policies",
        "country_links__country",
    )  # fmt: skip
    for topic in topics:
        (directory / "topics" / f"{topic.slug}.md").write_text(
            export_topic(topic), encoding="utf-8"
        )
    counts = {kind: len(records) for kind, records in sections.items()}
    counts["topics"] = len(topics)
    return counts
