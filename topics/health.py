"""What in the content needs an editor's attention, for the admin's Content health page.

Each function returns a list of `Entry`s (one record and what is wrong with it)
in a fixed number of queries, whatever the amount of content, so the page
stays fast as the site grows:

- `unsourced()`: published exercises, policies and topics citing no source,
  and published countries with a status period citing none;
- `drafts()`: drafts waiting to be published;
- `unreviewed_topics()`: published topics not reviewed for a year;
- `missing_references()`: `[@key]` citations of sources that do not exist,
  and links to site pages whose record is missing (or a draft, from a
  published record);
- `draft_vocabulary()`: countries, themes and series that published records
  use but readers cannot see;
- `broken_links()`: external links that `check_links` last found broken,
  with the records that use them.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from .markup import cited_keys
from .models import (
    Body,
    Country,
    Exercise,
    ExerciseSeries,
    LinkCheck,
    Meeting,
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

# Who may see the page: anyone who may view every kind of record it lists.
VIEW_PERMISSIONS = [
    f"topics.view_{model._meta.model_name}"
    for model in (Topic, Exercise, Policy, Country, Theme, ExerciseSeries, Source, Body, Meeting)
]
# Site paths a Markdown link may point at, and the record behind each.
LINKABLE = {
    "exercises": Exercise,
    "policies": Policy,
    "topics": Topic,
    "countries": Country,
    "themes": Theme,
    "series": ExerciseSeries,
    "bodies": Body,
    "meetings": Meeting,
}
# The target of an inline link `](/exercises/slug/)`, a reference definition
# `[x]: /exercises/slug/` or raw HTML `href="/exercises/slug/"`. The slug must end
# the path segment, so /exercises/export.csv is not read as an exercise.
SITE_LINK = re.compile(
    r"(?:\]\(\s*<?|^\s*\[[^\]]+\]:\s*<?|href=[\"'])"
    r"/(" + "|".join(LINKABLE) + r")/([-\w]+)(?=[/#?)\s\"'>]|$)",
    re.MULTILINE,
)
# The Markdown fields of each kind of record.
MARKDOWN_FIELDS = {
    Topic: ["body"],
    Exercise: ["description", "disputed"],
    Policy: ["body"],
    ExerciseSeries: ["description"],
    # A body's description cites sources and links records; meetings' outcomes do not.
    Body: ["description"],
}


@dataclass
class Entry:
    """One record that needs attention, why, and the records involved."""

    record: object = None
    note: str = ""
    related: list = field(default_factory=list)
    url: str = ""

    @property
    def title(self):
        return self.url or str(self.record)

    @property
    def kind(self):
        return capfirst(self.record._meta.verbose_name) if self.record is not None else "Link"

    @property
    def admin_url(self):
        if self.record is None:
            return ""
        meta = self.record._meta
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[self.record.pk])


def can_view(user):
    return user.is_active and user.is_staff and user.has_perms(VIEW_PERMISSIONS)


def _date(value):
    return date_format(timezone.localtime(value) if isinstance(value, datetime.datetime) else value)


def _visibility(record):
    """Say why readers cannot see a record that is not published()."""
    if record.status == record.Status.PUBLISHED and record.published_at:
        return f"Scheduled for {_date(record.published_at)}"
    return "Draft"


def _label(model):
    """Return the field a record's str() shows (so .only() can load just that)."""
    return {Topic: "title", Policy: "short_name", Body: "short_name"}.get(model, "name")


def _not_public(model):
    return model.objects.exclude(pk__in=model.objects.published().values("pk"))


def unsourced():
    entries = [
        Entry(record, "Cites no source.")
        for model in (Exercise, Policy, Topic)
        for record in model.objects.published().filter(citations__isnull=True)
    ]
    periods = defaultdict(list)
    memberships = (
        Membership.objects.filter(citations__isnull=True, country__in=Country.objects.published())
        .select_related("country")
        .order_by("country__name", "start_date")
    )
    for membership in memberships:
        periods[membership.country].append(
            f"{membership.get_status_display()} ({membership.period_display})"
        )
    entries += [
        Entry(country, "No source for: " + "; ".join(labels) + ".")
        for country, labels in periods.items()
    ]
    return entries


def drafts():
    entries = []
    for model in (Topic, Exercise, Policy, Country, Theme, ExerciseSeries):
        for record in model.objects.filter(status=model.Status.DRAFT).order_by("-updated_at"):
            entries.append(Entry(record, f"Draft, last changed {_date(record.updated_at)}."))
    return entries


def unreviewed_topics(today=None):
    today = today or timezone.localdate()
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    topics = (
        Topic.objects.published()
        .filter(Q(last_reviewed__lt=year_ago) | Q(last_reviewed__isnull=True))
        .order_by(F("last_reviewed").asc(nulls_first=True), "title")
    )
    return [
        Entry(topic, f"Last reviewed {_date(topic.last_reviewed)}." if topic.last_reviewed
              else "Never reviewed.")
        for topic in topics
    ]  # fmt: skip


def missing_references():
    # Every record with Markdown, read for just its citations and site links.
    records = []
    for model, fields in MARKDOWN_FIELDS.items():
        for record in model.objects.only("status", "published_at", _label(model), *fields):
            text = "\n\n".join(getattr(record, name) for name in fields)
            links = list(dict.fromkeys(SITE_LINK.findall(text)))
            records.append((record, cited_keys(text), links))

    keys = {key for _, cited, _ in records for key in cited}
    known_keys = set(Source.objects.filter(key__in=keys).values_list("key", flat=True))
    wanted = defaultdict(set)
    for _, _, links in records:
        for section, slug in links:
            wanted[section].add(slug)
    targets = {}
    for section, slugs in wanted.items():
        model = LINKABLE[section]
        columns = ("slug", "status", "published_at", _label(model))
        for target in model.objects.filter(slug__in=slugs).only(*columns):
            targets[section, target.slug] = target

    entries = []
    for record, cited, links in records:
        for key in cited:
            if key not in known_keys:
                entries.append(Entry(record, f"Cites [@{key}], but no source has that key."))
        for section, slug in links:
            path = f"/{section}/{slug}/"
            target = targets.get((section, slug))
            if target is None:
                entries.append(Entry(record, f"Links to {path}, which does not exist."))
            elif record.is_published and not target.is_published:
                note = f"Links to {path}, which readers cannot see ({_visibility(target)})."
                entries.append(Entry(record, note, related=[Entry(target)]))
    return entries


def draft_vocabulary():
    """Return the countries, themes and series readers cannot see, used by published records."""
    users = defaultdict(dict)  # vocabulary record -> {using record: None}, in order

    def collect(links, vocabulary, user):
        for link in links:
            users[getattr(link, vocabulary)][getattr(link, user)] = None

    countries = _not_public(Country)
    collect(
        Participation.objects.filter(
            country__in=countries, exercise__in=Exercise.objects.published()
        ).select_related("country", "exercise"),
        "country",
        "exercise",
    )
    collect(
        PolicyParty.objects.filter(
            country__in=countries, policy__in=Policy.objects.published()
        ).select_related("country", "policy"),
        "country",
        "policy",
    )
    collect(
        TopicCountry.objects.filter(
            country__in=countries, topic__in=Topic.objects.published()
        ).select_related("country", "topic"),
        "country",
        "topic",
    )
    themes = _not_public(Theme)
    for model in (Exercise, Policy, Topic, ExerciseSeries):
        collect(
            ThemeLink.objects.filter(
                theme__in=themes,
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=model.objects.published().values("pk"),
            )
            .select_related("theme")
            .prefetch_related("record"),
            "theme",
            "record",
        )
    for exercise in (
        Exercise.objects.published()
        .filter(series__in=_not_public(ExerciseSeries))
        .select_related("series")
    ):
        users[exercise.series][exercise] = None

    ordered = sorted(users, key=lambda record: (record._meta.verbose_name, str(record)))
    return [
        Entry(record, f"{_visibility(record)}, but used by published records:",
              related=[Entry(user) for user in users[record]])
        for record in ordered
    ]  # fmt: skip


def broken_links():
    checks = list(LinkCheck.objects.filter(ok=False))
    urls = [check.url for check in checks]
    users = defaultdict(list)
    for source in Source.objects.filter(url__in=urls):
        users[source.url].append(source)
    for policy in Policy.objects.filter(official_text_url__in=urls):
        users[policy.official_text_url].append(policy)
    entries = []
    for check in checks:
        # A URL no record uses any more needs no attention.
        if users[check.url]:
            problem = f"HTTP {check.status_code}" if check.status_code else "No answer"
            if check.error:
                problem += f": {check.error}"
            note = f"{problem} (checked {_date(check.checked_at)})."
            related = [Entry(record) for record in users[check.url]]
            entries.append(Entry(url=check.url, note=note, related=related))
    return entries


@dataclass
class Section:
    slug: str
    title: str
    help: str
    entries: list
    empty: str


def sections(today=None):
    """Return every section of the page: (title, what it lists, entries, empty message)."""
    return [
        Section(
            "unsourced",
            "Published records without sources",
            "Published exercises, policies and topics that cite no source, and published "
            "countries with a status period that cites none.",
            unsourced(),
            "Every published record cites a source.",
        ),
        Section(
            "drafts",
            "Drafts waiting",
            "Records not yet published, most recently changed first.",
            drafts(),
            "No drafts are waiting.",
        ),
        Section(
            "unreviewed",
            "Topics not reviewed for 12 months",
            "Published topics whose last review is more than a year old, or never happened.",
            unreviewed_topics(today),
            "Every published topic was reviewed in the last 12 months.",
        ),
        Section(
            "missing",
            "References to records that no longer exist",
            "[@key] citations of missing sources, and links to site pages whose record "
            "is missing, or is a draft while the linking record is published.",
            missing_references(),
            "Every citation and site link points at an existing record.",
        ),
        Section(
            "vocabulary",
            "Vocabulary in draft that published records use",
            "Countries, themes and series that readers cannot see, used by published "
            "exercises, policies, topics or series.",
            draft_vocabulary(),
            "Every country, theme and series that published records use is published.",
        ),
        Section(
            "links",
            "Broken external links",
            "Source and official-text links that the last check_links run found broken.",
            broken_links(),
            "No broken links were found by the last check (run manage.py check_links).",
        ),
    ]
