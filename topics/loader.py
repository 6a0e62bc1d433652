"""Read, validate and load the bundled content files (see docs/content-format.md).

`read_bundle()` parses every file and validates every record before anything
touches the database, collecting *all* problems with their file and record.
`apply_bundle()` then writes inside the caller's transaction: it creates what
is missing, updates records whose file entry changed, and leaves alone any
record an editor has saved since it was loaded (`Publishable.loaded_at`).
"""

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from .dates import parse_partial_date
from .markdown import cited_keys
from .models import (
    Citation,
    Country,
    Domain,
    Exercise,
    ExerciseSeries,
    ExerciseTheme,
    Membership,
    Participation,
    Policy,
    PolicyParty,
    PolicyRelation,
    PolicyTheme,
    SeriesTheme,
    Source,
    Theme,
    Topic,
    TopicCountry,
    TopicTheme,
)

CONTENT_DIR = Path(__file__).resolve().parent / "content"
KINDS = ("themes", "sources", "countries", "series", "exercises", "policies")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ISO = re.compile(r"^[A-Z]{2}$")

FIELDS = {
    "themes": ({"slug", "name"}, {"description", "status", "published_at"}),
    "sources": ({"key", "title", "url"}, {"publisher", "author", "published", "accessed"}),
    "countries": (
        {"iso", "name"},
        {"slug", "summary", "memberships", "sources", "status", "published_at"},
    ),
    "series": ({"slug", "name"}, {"description", "themes", "sources", "status", "published_at"}),
    "exercises": (
        {"slug", "name", "start", "framework"},
        {
            "sources", "series", "end", "held", "location", "latitude", "longitude",
            "participants", "kind",
            "domains", "personnel", "personnel_approximate", "description", "disputed",
            "themes", "status", "published_at",
        },
    ),
    "policies": (
        {"slug", "title", "short_name", "kind", "signed", "summary"},
        {
            "sources", "signed_place", "in_force", "status", "parties", "themes", "body",
            "official_text_url", "relations", "publication", "published_at",
        },
    ),
    "topics": (
        {"title", "slug", "summary"},
        {
            "sources", "last_reviewed", "themes", "related", "exercises", "policies",
            "countries", "status", "published_at",
        },
    ),
    "memberships": ({"status", "start"}, {"end", "note", "sources"}),
}  # fmt: skip


class ContentError(Exception):
    def __init__(self, problems):
        super().__init__(f"{len(problems)} problem(s) in the content files")
        self.problems = problems


@dataclass
class Entry:
    kind: str
    data: dict
    file: str
    index: int

    @property
    def label(self):
        ident = self.data.get("slug") or self.data.get("key") or self.data.get("iso") or "?"
        return f"{self.file}: {self.kind}[{self.index}] {ident!r}"

    @property
    def digest(self):
        text = json.dumps(self.data, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Report:
    created: dict = field(default_factory=lambda: defaultdict(int))
    updated: dict = field(default_factory=lambda: defaultdict(int))
    unchanged: dict = field(default_factory=lambda: defaultdict(int))
    kept: list = field(default_factory=list)


# Reading ------------------------------------------------------------------------


def read_bundle(directory=CONTENT_DIR, *, strict=True):
    """Return {kind: [Entry]} for every record, or raise ContentError listing all problems.

    `strict` adds the editorial rules for the bundled content: every factual
    record cites a source, and a topic cites only sources it lists. A restore
    from a backup is not strict: it must bring back whatever the editors had,
    including drafts that are not sourced yet.
    """
    directory = Path(directory)
    problems = []
    bundle = {kind: [] for kind in (*KINDS, "topics")}
    if not directory.is_dir():
        raise ContentError([f"{directory}: content folder not found"])
    for path in sorted(directory.rglob("*.yaml")):
        name = str(path.relative_to(directory))
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            problems.append(f"{name}: not valid YAML: {error}")
            continue
        if not isinstance(data, dict):
            problems.append(f"{name}: expected a mapping with keys such as {', '.join(KINDS)}")
            continue
        for kind, records in data.items():
            if kind not in KINDS:
                problems.append(f"{name}: unknown section {kind!r} (expected one of {KINDS})")
                continue
            if not isinstance(records, list):
                problems.append(f"{name}: {kind} must be a list of records")
                continue
            for index, record in enumerate(records):
                if not isinstance(record, dict):
                    problems.append(f"{name}: {kind}[{index}] must be a mapping")
                    continue
                bundle[kind].append(Entry(kind, record, name, index))
    topics_dir = directory / "topics"
    for path in sorted(topics_dir.glob("*.md")) if topics_dir.is_dir() else []:
        name = str(path.relative_to(directory))
        entry, problem = read_topic_file(path, name)
        if problem:
            problems.append(problem)
        else:
            bundle["topics"].append(entry)
    problems += validate(bundle, strict=strict)
    if problems:
        raise ContentError(problems)
    return bundle


def read_topic_file(path, name):
    text = path.read_text(encoding="utf-8")
    match = re.match(r"^---[ \t]*\n(.*?)\n---[ \t]*\n(.*)$", text, re.DOTALL)
    if not match:
        return None, f"{name}: a topic file starts with YAML front matter between two '---' lines"
    try:
        front = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        return None, f"{name}: front matter is not valid YAML: {error}"
    if not isinstance(front, dict):
        return None, f"{name}: front matter must be a mapping"
    front["body"] = match.group(2)
    if front.get("slug") != path.stem:
        return None, f"{name}: slug {front.get('slug')!r} must match the file name {path.stem!r}"
    return Entry("topics", front, name, 0), None


# Validation ---------------------------------------------------------------------


def validate(bundle, strict=True):
    problems = []

    def check_keys(entry, kind=None, data=None, label=None):
        required, optional = FIELDS[kind or entry.kind]
        data = entry.data if data is None else data
        label = label or entry.label
        for key in sorted(required - data.keys()):
            problems.append(f"{label}: missing {key!r}")
        for key in sorted(data.keys() - required - optional - {"body"}):
            problems.append(f"{label}: unknown field {key!r}")

    known = {
        "themes": {e.data.get("slug") for e in bundle["themes"]}
        | set(Theme.objects.values_list("slug", flat=True)),
        "sources": {e.data.get("key") for e in bundle["sources"]}
        | set(Source.objects.values_list("key", flat=True)),
        "countries": {e.data.get("iso") for e in bundle["countries"]}
        | set(Country.objects.values_list("iso_code", flat=True)),
        "series": {e.data.get("slug") for e in bundle["series"]}
        | set(ExerciseSeries.objects.values_list("slug", flat=True)),
        "exercises": {e.data.get("slug") for e in bundle["exercises"]}
        | set(Exercise.objects.values_list("slug", flat=True)),
        "policies": {e.data.get("slug") for e in bundle["policies"]}
        | set(Policy.objects.values_list("slug", flat=True)),
        "topics": {e.data.get("slug") for e in bundle["topics"]}
        | set(Topic.objects.values_list("slug", flat=True)),
    }
    domains = {"land", "air", "naval", "cyber"}

    def check_refs(label, values, kind, what):
        if values is None:
            return
        if not isinstance(values, list):
            problems.append(f"{label}: {what} must be a list")
            return
        for value in values:
            if value not in known[kind]:
                problems.append(
                    f"{label}: unknown {what[:-1] if what.endswith('s') else what} {value!r}"
                )

    def check_sources(label, sources, required=True):
        if sources is None or sources == []:
            if required and strict:
                problems.append(f"{label}: cites no source")
            return
        if not isinstance(sources, list):
            problems.append(f"{label}: sources must be a list")
            return
        for item in sources:
            key = item.get("key") if isinstance(item, dict) else item
            if key not in known["sources"]:
                problems.append(f"{label}: unknown source key {key!r}")

    def check_date(label, data, key, required=False, end=False):
        value = data.get(key)
        if value in (None, ""):
            if required:
                problems.append(f"{label}: missing {key!r}")
            return None
        try:
            return parse_partial_date(value, end=end)[0]
        except ValueError as error:
            problems.append(f"{label}: {key}: {error}")
            return None

    def check_choice(label, value, choices, what):
        if value is not None and value not in choices:
            problems.append(f"{label}: {what} {value!r} is not one of {sorted(choices)}")

    def check_slug(entry, key="slug"):
        value = entry.data.get(key)
        if value is not None and not (isinstance(value, str) and SLUG.match(value)):
            problems.append(
                f"{entry.label}: {key} {value!r} must be lowercase letters, digits and hyphens"
            )

    for kind, entries in bundle.items():
        seen = {}
        ident = {"sources": "key", "countries": "iso"}.get(kind, "slug")
        for entry in entries:
            check_keys(entry)
            value = entry.data.get(ident)
            if value in seen:
                problems.append(f"{entry.label}: duplicate {ident}, already used at {seen[value]}")
            seen[value] = entry.label
            stamp = entry.data.get("published_at")
            if stamp is not None and not _valid_datetime(stamp):
                problems.append(f"{entry.label}: published_at {stamp!r} is not an ISO date-time")
            publication = "publication" if kind == "policies" else "status"
            check_choice(
                entry.label, entry.data.get(publication), {"draft", "published"}, publication
            )

    for entry in bundle["themes"]:
        check_slug(entry)
    for entry in bundle["sources"]:
        check_slug(entry, "key")
        url = str(entry.data.get("url", ""))
        if not url.startswith(("http://", "https://")):
            problems.append(f"{entry.label}: url must start with http:// or https://")
        check_date(entry.label, entry.data, "published")
        check_date(entry.label, entry.data, "accessed")
    for entry in bundle["countries"]:
        data = entry.data
        if not ISO.match(str(data.get("iso", ""))):
            problems.append(f"{entry.label}: iso must be two capital letters (ISO 3166-1)")
        memberships = data.get("memberships") or []
        if not memberships:
            problems.append(f"{entry.label}: no memberships (status history)")
        for number, membership in enumerate(memberships):
            label = f"{entry.label} membership[{number}]"
            if not isinstance(membership, dict):
                problems.append(f"{label}: must be a mapping")
                continue
            check_keys(entry, "memberships", membership, label)
            check_choice(label, membership.get("status"), set(Membership.Status.values), "status")
            start = check_date(label, membership, "start", required=True)
            end = check_date(label, membership, "end", end=True)
            if start and end and end < start:
                problems.append(f"{label}: end is before start")
            check_sources(label, membership.get("sources"))
        check_sources(entry.label, data.get("sources"), required=False)
    for entry in bundle["series"]:
        check_slug(entry)
        check_refs(entry.label, entry.data.get("themes"), "themes", "themes")
        check_sources(entry.label, entry.data.get("sources"), required=False)
    for entry in bundle["exercises"]:
        data, label = entry.data, entry.label
        check_slug(entry)
        start = check_date(label, data, "start", required=True)
        end = check_date(label, data, "end", end=True)
        if start and end and end < start:
            problems.append(f"{label}: end is before start")
        if data.get("series") is not None and data["series"] not in known["series"]:
            problems.append(f"{label}: unknown series {data['series']!r}")
        check_choice(label, data.get("kind"), set(Exercise.Kind.values), "kind")
        check_choice(label, data.get("framework"), set(Exercise.Framework.values), "framework")
        for domain in data.get("domains") or []:
            check_choice(label, domain, domains, "domain")
        personnel = data.get("personnel")
        if personnel is not None and (not isinstance(personnel, int) or personnel < 0):
            problems.append(f"{label}: personnel must be a whole number, not {personnel!r}")
        for axis, limit in (("latitude", 90), ("longitude", 180)):
            value = data.get(axis)
            if value is not None and (not isinstance(value, int | float) or abs(value) > limit):
                problems.append(f"{label}: {axis} must be a number between -{limit} and {limit}")
        seen_countries = set()
        for participant in data.get("participants") or []:
            if not isinstance(participant, dict):
                problems.append(f"{label}: each participant is {{country: XX, role: ...}}")
                continue
            code = participant.get("country")
            if code not in known["countries"]:
                problems.append(f"{label}: unknown country code {code!r}")
            if code in seen_countries:
                problems.append(f"{label}: country {code!r} listed twice")
            seen_countries.add(code)
            check_choice(
                label,
                participant.get("role", "participant"),
                set(Participation.Role.values),
                "role",
            )
        check_refs(label, data.get("themes"), "themes", "themes")
        check_sources(label, data.get("sources"))
    for entry in bundle["policies"]:
        data, label = entry.data, entry.label
        check_slug(entry)
        signed = check_date(label, data, "signed", required=True)
        in_force = check_date(label, data, "in_force", end=True)
        if signed and in_force and in_force < signed:
            problems.append(f"{label}: in_force is before signed")
        check_choice(label, data.get("kind"), set(Policy.Kind.values), "kind")
        check_choice(label, data.get("status"), set(Policy.LegalStatus.values), "status")
        check_refs(label, data.get("parties"), "countries", "parties")
        check_refs(label, data.get("themes"), "themes", "themes")
        for relation in data.get("relations") or []:
            if not isinstance(relation, dict):
                problems.append(f"{label}: each relation is {{kind: ..., policy: slug}}")
                continue
            check_choice(
                label, relation.get("kind"), set(PolicyRelation.Kind.values), "relation kind"
            )
            if relation.get("policy") not in known["policies"]:
                problems.append(f"{label}: relation to unknown policy {relation.get('policy')!r}")
            if relation.get("policy") == data.get("slug"):
                problems.append(f"{label}: a policy cannot relate to itself")
        url = data.get("official_text_url")
        if url and not str(url).startswith(("http://", "https://")):
            problems.append(f"{label}: official_text_url must start with http:// or https://")
        check_sources(label, data.get("sources"))
    for entry in bundle["topics"]:
        data, label = entry.data, entry.label
        check_date(label, data, "last_reviewed")
        check_refs(label, data.get("themes"), "themes", "themes")
        check_refs(label, data.get("related"), "topics", "related")
        check_refs(label, data.get("exercises"), "exercises", "exercises")
        check_refs(label, data.get("policies"), "policies", "policies")
        check_refs(label, data.get("countries"), "countries", "countries")
        check_sources(label, data.get("sources"))
        listed = {s.get("key") if isinstance(s, dict) else s for s in data.get("sources") or []}
        for key in cited_keys(data.get("body", "")) if strict else []:
            if key not in listed:
                problems.append(f"{label}: body cites [@{key}] but it is not in sources")
    return problems


# Writing ------------------------------------------------------------------------


class Loader:
    def __init__(self, bundle):
        self.bundle = bundle
        self.report = Report()
        self.now = timezone.now()
        self.problems = []
        self.written = set()  # (model, slug) written in this run; only these get relinked

    def run(self):
        for kind in ("themes", "sources", "countries", "series", "exercises", "policies", "topics"):
            for entry in self.bundle[kind]:
                getattr(self, f"load_{kind}")(entry)
        if self.problems:
            raise ContentError(self.problems)
        for entry in self.bundle["policies"]:
            self.link_policy_relations(entry)
        for entry in self.bundle["topics"]:
            self.link_related_topics(entry)
        if self.problems:
            raise ContentError(self.problems)
        return self.report

    # The create / update / keep decision, shared by every kind.
    def upsert(self, entry, model, lookup, values, write_children=None):
        obj = model.objects.filter(**lookup).first()
        if obj is not None and (obj.loaded_at is None or obj.updated_at > obj.loaded_at):
            self.report.kept.append(entry.label)
            return None
        if obj is not None and obj.content_hash == entry.digest:
            self.report.unchanged[entry.kind] += 1
            return None
        created = obj is None
        obj = obj or model(**lookup)
        for name, value in values.items():
            setattr(obj, name, value)
        try:
            obj.full_clean(validate_unique=True)
        except ValidationError as error:
            self.problems.append(f"{entry.label}: {'; '.join(error.messages)}")
            return None
        obj.save()
        if write_children:
            write_children(obj)
        model.objects.filter(pk=obj.pk).update(loaded_at=F("updated_at"), content_hash=entry.digest)
        self.written.add((model, entry.data.get("slug")))
        (self.report.created if created else self.report.updated)[entry.kind] += 1
        return obj

    def publication(self, data, field="status"):
        values = {"status": data.get(field, "published")}
        if data.get("published_at"):
            values["published_at"] = parse_datetime(str(data["published_at"]))
        return values

    def cite(self, obj, sources):
        Citation.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        ).delete()
        keys = [item.get("key") if isinstance(item, dict) else item for item in sources or []]
        by_key = Source.objects.in_bulk(keys, field_name="key")
        Citation.objects.bulk_create(
            Citation(
                record=obj,
                source=by_key[item.get("key") if isinstance(item, dict) else item],
                note=(item.get("note", "") if isinstance(item, dict) else "")[:500],
                position=position,
            )
            for position, item in enumerate(sources or [], start=1)
        )

    def set_themes(self, link_model, owner_field, obj, slugs):
        link_model.objects.filter(**{owner_field: obj}).delete()
        themes = Theme.objects.in_bulk(slugs or [], field_name="slug")
        link_model.objects.bulk_create(
            link_model(**{owner_field: obj, "theme": themes[slug]}) for slug in slugs or []
        )

    def load_themes(self, entry):
        data = entry.data
        self.upsert(
            entry,
            Theme,
            {"slug": data["slug"]},
            {
                "name": data["name"],
                "description": data.get("description", ""),
                **self.publication(data),
            },
        )

    def load_sources(self, entry):
        data = entry.data
        published, precision = (None, "day")
        if data.get("published"):
            published, precision = parse_partial_date(data["published"])
        accessed = parse_partial_date(data["accessed"])[0] if data.get("accessed") else None
        self.upsert(
            entry,
            Source,
            {"key": data["key"]},
            {
                "title": data["title"],
                "url": data["url"],
                "publisher": data.get("publisher") or "",
                "author": data.get("author") or "",
                "published_date": published,
                "published_precision": precision,
                "accessed_date": accessed,
            },
        )

    def load_countries(self, entry):
        data = entry.data

        def children(country):
            country.memberships.all().delete()
            for item in data.get("memberships") or []:
                start, start_precision = parse_partial_date(item["start"])
                end, end_precision = (None, "day")
                if item.get("end"):
                    end, end_precision = parse_partial_date(item["end"], end=True)
                membership = Membership.objects.create(
                    country=country,
                    status=item["status"],
                    start_date=start,
                    start_precision=start_precision,
                    end_date=end,
                    end_precision=end_precision,
                    note=item.get("note") or "",
                )
                self.cite(membership, item.get("sources"))
            self.cite(country, data.get("sources"))

        self.upsert(
            entry,
            Country,
            {"iso_code": data["iso"]},
            {
                "name": data["name"],
                "slug": data.get("slug") or slugify(data["name"]),
                "summary": data.get("summary") or "",
                **self.publication(data),
            },
            children,
        )

    def load_series(self, entry):
        data = entry.data

        def children(series):
            self.set_themes(SeriesTheme, "series", series, data.get("themes"))
            self.cite(series, data.get("sources"))

        self.upsert(
            entry,
            ExerciseSeries,
            {"slug": data["slug"]},
            {
                "name": data["name"],
                "description": data.get("description") or "",
                **self.publication(data),
            },
            children,
        )

    def load_exercises(self, entry):
        data = entry.data
        start, start_precision = parse_partial_date(data["start"])
        end, end_precision = (None, "day")
        if data.get("end"):
            end, end_precision = parse_partial_date(data["end"], end=True)

        def children(exercise):
            exercise.participations.all().delete()
            countries = Country.objects.in_bulk(
                [p["country"] for p in data.get("participants") or []], field_name="iso_code"
            )
            Participation.objects.bulk_create(
                Participation(
                    exercise=exercise,
                    country=countries[p["country"]],
                    role=p.get("role", "participant"),
                )
                for p in data.get("participants") or []
            )
            exercise.domains.set(Domain.objects.filter(slug__in=data.get("domains") or []))
            self.set_themes(ExerciseTheme, "exercise", exercise, data.get("themes"))
            self.cite(exercise, data.get("sources"))

        series = (
            ExerciseSeries.objects.filter(slug=data.get("series")).first()
            if data.get("series")
            else None
        )
        personnel = data.get("personnel")
        self.upsert(
            entry,
            Exercise,
            {"slug": data["slug"]},
            {
                "name": data["name"],
                "series": series,
                "start_date": start,
                "start_precision": start_precision,
                "end_date": end,
                "end_precision": end_precision,
                "location": data.get("location") or "",
                "latitude": _decimal(data.get("latitude")),
                "longitude": _decimal(data.get("longitude")),
                "kind": data.get("kind") or Exercise.Kind.OTHER,
                "framework": data["framework"],
                "held": data.get("held", True),
                "personnel": personnel,
                "personnel_approximate": data.get("personnel_approximate", True),
                "description": data.get("description") or "",
                "disputed": data.get("disputed") or "",
                **self.publication(data),
            },
            children,
        )

    def load_policies(self, entry):
        data = entry.data
        signed, signed_precision = parse_partial_date(data["signed"])
        in_force, in_force_precision = (None, "day")
        if data.get("in_force"):
            in_force, in_force_precision = parse_partial_date(data["in_force"])

        def children(policy):
            policy.party_links.all().delete()
            countries = Country.objects.in_bulk(data.get("parties") or [], field_name="iso_code")
            PolicyParty.objects.bulk_create(
                PolicyParty(policy=policy, country=countries[code])
                for code in data.get("parties") or []
            )
            self.set_themes(PolicyTheme, "policy", policy, data.get("themes"))
            self.cite(policy, data.get("sources"))

        self.upsert(
            entry,
            Policy,
            {"slug": data["slug"]},
            {
                "title": data["title"],
                "short_name": data["short_name"],
                "kind": data["kind"],
                "signed_date": signed,
                "signed_precision": signed_precision,
                "signed_place": data.get("signed_place") or "",
                "in_force_date": in_force,
                "in_force_precision": in_force_precision,
                "legal_status": data.get("status") or Policy.LegalStatus.UNKNOWN,
                "summary": data["summary"],
                "body": data.get("body") or "",
                "official_text_url": data.get("official_text_url") or "",
                **self.publication(data, field="publication"),
            },
            children,
        )

    def link_policy_relations(self, entry):
        if (Policy, entry.data["slug"]) not in self.written:
            return  # unchanged, or kept as the editor left it
        policy = Policy.objects.get(slug=entry.data["slug"])
        policy.outgoing_relations.all().delete()
        targets = Policy.objects.in_bulk(
            [r["policy"] for r in entry.data.get("relations") or []], field_name="slug"
        )
        PolicyRelation.objects.bulk_create(
            PolicyRelation(from_policy=policy, to_policy=targets[r["policy"]], kind=r["kind"])
            for r in entry.data.get("relations") or []
        )

    def load_topics(self, entry):
        data = entry.data
        reviewed = (
            parse_partial_date(data["last_reviewed"])[0] if data.get("last_reviewed") else None
        )

        def children(topic):
            self.set_themes(TopicTheme, "topic", topic, data.get("themes"))
            topic.country_links.all().delete()
            countries = Country.objects.in_bulk(data.get("countries") or [], field_name="iso_code")
            TopicCountry.objects.bulk_create(
                TopicCountry(topic=topic, country=countries[code])
                for code in data.get("countries") or []
            )
            topic.exercises.set(Exercise.objects.filter(slug__in=data.get("exercises") or []))
            topic.policies.set(Policy.objects.filter(slug__in=data.get("policies") or []))
            self.cite(topic, data.get("sources"))

        self.upsert(
            entry,
            Topic,
            {"slug": data["slug"]},
            {
                "title": data["title"],
                "summary": data["summary"],
                "body": data["body"],
                "last_reviewed": reviewed,
                **self.publication(data),
            },
            children,
        )

    def link_related_topics(self, entry):
        if (Topic, entry.data["slug"]) not in self.written:
            return
        topic = Topic.objects.get(slug=entry.data["slug"])
        topic.related_topics.add(*Topic.objects.filter(slug__in=entry.data.get("related") or []))


def _valid_datetime(value):
    try:
        return parse_datetime(str(value)) is not None
    except ValueError:
        return False


def _decimal(value):
    from decimal import Decimal

    return None if value is None else Decimal(str(value)).quantize(Decimal("0.00001"))


def apply_bundle(bundle):
    """Write the bundle; the caller wraps this in a transaction."""
    return Loader(bundle).run()
