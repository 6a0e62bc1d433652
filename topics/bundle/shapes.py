"""The one declaration of each record kind's file shape.

A `Shape` lists, in file order, the keys a record of one kind has in the content
files and the model fields each stands for (see fields.py). Everything else is
derived from it: the export (`to_entry`), the normal form of a file entry, the
check of a file entry (unknown keys, types, references, then the models' own
`full_clean()` for the record and each of its rows) and the writing of a record
with its rows. docs/content-format.md shows the same keys (a test keeps them in
step).
"""

import copy
import datetime
import hashlib
import json

from django.db.models import Prefetch

from ..models import (
    Body,
    Country,
    Exercise,
    ExerciseSeries,
    Meeting,
    Policy,
    Source,
    Term,
    Theme,
    Topic,
)
from .fields import (
    Aliases,
    Choice,
    Citations,
    Date,
    DateTime,
    Decimal,
    Flag,
    GenericRows,
    Integer,
    PartialDate,
    Parties,
    Problem,
    Ref,
    RefSet,
    Rows,
    Text,
    clean_problems,
)


def digest(data):
    """Return the digest of a file entry or an export (the same for equal data)."""
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(entry):
    """Return the digest of a record's export kept as `BundleState.loaded_hash`.

    Its publication time counts to the millisecond: the history (django-reversion
    stores JSON) keeps no more, so a record recovered from it still matches the
    export the loader left.
    """
    stamp = entry.get("published_at")
    if stamp:
        value = datetime.datetime.fromisoformat(stamp)
        value = value.replace(microsecond=value.microsecond // 1000 * 1000)
        entry = {**entry, "published_at": value.isoformat()}
    return digest(entry)


class Shape:
    def __init__(self, kind, model, fields, *, key):
        self.kind = kind
        self.model = model
        self.fields = [field.bind(model) for field in fields]
        self.by_key = {field.key: field for field in self.fields}
        self.by_attr = {attr: field for field in self.fields for attr in field.attrs}
        self.key_field = self.by_key[key]
        self.refs = [f for f in self.fields if isinstance(f, Ref)]
        self.children = [f for f in self.fields if isinstance(f, Rows | RefSet)]
        self.columns = [f for f in self.fields if not isinstance(f, Rows | RefSet)]
        self.rows_with_ids = [f for f in self.fields if isinstance(f, Rows) and f.keep_ids]

    def __repr__(self):
        return f"<Shape {self.kind}>"

    @property
    def key(self):
        """The file key naming a record ("slug", "key" or "iso")."""
        return self.key_field.key

    @property
    def key_attr(self):
        return self.key_field.attr

    def label(self, data):
        return data.get(self.key)

    # Exporting ---------------------------------------------------------------

    def queryset(self):
        """Return the records with everything `to_entry` reads, in a fixed number of queries."""
        lookups = []
        for field in self.children:
            if isinstance(field, Rows):
                lookups += field.prefetch()
            else:
                lookups.append(Prefetch(field.attr))
        return self.model.objects.select_related(*(ref.attr for ref in self.refs)).prefetch_related(
            *lookups
        )

    def values(self, record):
        values = {}
        for field in self.fields:
            values.update(field.values(record))
        return values

    def dump(self, values):
        return {f.key: value for f in self.fields if (value := f.dump(values)) is not None}

    def to_entry(self, record):
        """Return the record with its rows as a file entry (the export shape)."""
        return self.dump(self.values(record))

    # Reading -----------------------------------------------------------------

    def load(self, data, context):
        """Return the values of a file entry, or raise Problem listing every problem."""
        problems = [f"unknown field {key!r}" for key in data if key not in self.by_key]
        values = {}
        for field in self.fields:
            try:
                values.update(field.load(data.get(field.key), data, context))
            except Problem as problem:
                problems += problem.messages
        if problems:
            raise Problem(*problems)
        return values

    def check(self, values, data, record, context, *, validate_unique):
        """Return what the models' full_clean() finds wrong with the entry and its rows."""
        instance = self.instance(values, record)
        exclude = [ref.attr for ref in self.refs]
        problems = clean_problems(
            instance, self.by_attr, data, exclude=exclude, validate_unique=validate_unique
        )
        parent_id = context.id_of(self.model, values[self.key_attr])
        for field in self.children:
            problems += field.check(values, parent_id, context)
        return problems

    def instance(self, values, record=None):
        """Return a record (a copy of `record`, if given) with the entry's own columns set."""
        if record is None:
            instance = self.model()
        else:
            instance = copy.copy(record)
            instance._prefetched_objects_cache = {}
        for field in self.columns:
            if isinstance(field, Ref):
                continue
            for attr in field.attrs:
                if attr in values:
                    setattr(instance, attr, values[attr])
        return instance

    # Writing -----------------------------------------------------------------

    def write(self, values, record, context, *, pk=None):
        """Save the record's columns and its rows (except the deferred ones); return it."""
        instance = self.instance(values, record)
        for ref in self.refs:
            key = values.get(ref.attr)
            setattr(instance, f"{ref.attr}_id", context.pk(ref.target, key) if key else None)
        if pk is not None:
            instance.pk = pk
        instance.save(force_insert=record is None)
        for field in self.children:
            if not field.deferred:
                self.write_child(field, instance, values, context)
        return instance

    def write_deferred(self, instance, values, context):
        for field in self.children:
            if field.deferred:
                self.write_child(field, instance, values, context)

    def write_child(self, field, instance, values, context):
        ids = context.row_ids(self.kind, values.get(self.key_attr), field.key)
        if isinstance(field, Rows):
            field.write(instance, values[field.attr], context, ids=ids)
        else:
            field.write(instance, values[field.attr], context)

    def drop_missing(self, values, context):
        """Leave out references to records that will not exist; return notes saying so."""
        notes = []
        for field in [*self.refs, *self.children]:
            notes += field.drop_missing(values, context, "")
        return notes


def publication(key="status"):
    return [Choice(key, "status", default="published"), DateTime("published_at")]


def theme_links():
    return GenericRows("themes", "theme_links", [Ref("theme")], flat=True)


def countries(key, related_name):
    return Rows(key, related_name, [Ref("country")], flat=True)


SHAPES = {
    shape.kind: shape
    for shape in [
        Shape(
            "themes",
            Theme,
            [Text("slug"), Text("name"), Text("description"), *publication()],
            key="slug",
        ),
        Shape(
            "sources",
            Source,
            [
                Text("key"),
                Text("title"),
                Text("url"),
                Text("publisher"),
                Text("author"),
                PartialDate("published", "published_date", "published_precision"),
                Date("accessed", "accessed_date"),
            ],
            key="key",
        ),
        Shape(
            "countries",
            Country,
            [
                Text("iso", "iso_code"),
                Text("name"),
                Text("slug", default_from="name"),
                Aliases(),
                Text("summary"),
                Rows(
                    "memberships",
                    "memberships",
                    [
                        Choice("status"),
                        PartialDate("start", "start_date", "start_precision"),
                        PartialDate("end", "end_date", "end_precision", end=True),
                        Text("note"),
                        Citations(),
                    ],
                    keep_ids=True,
                ),
                Citations(),
                *publication(),
            ],
            key="iso",
        ),
        Shape(
            "series",
            ExerciseSeries,
            [
                Text("slug"),
                Text("name"),
                Aliases(),
                Text("description"),
                theme_links(),
                Citations(),
                *publication(),
            ],
            key="slug",
        ),
        Shape(
            "policies",
            Policy,
            [
                Text("slug"),
                Text("title"),
                Text("short_name"),
                Aliases(),
                Choice("kind"),
                PartialDate("signed", "signed_date", "signed_precision"),
                Text("signed_place"),
                PartialDate("in_force", "in_force_date", "in_force_precision", end=True),
                Choice("status", "legal_status"),
                Parties(),
                theme_links(),
                Text("summary"),
                Text("body"),
                Text("official_text_url"),
                Rows(
                    "relations", "outgoing_relations", [Choice("kind"), Ref("policy", "to_policy")]
                ),
                Citations(),
                # `status` is the legal status; the publication state is `publication`.
                *publication("publication"),
            ],
            key="slug",
        ),
        Shape(
            "exercises",
            Exercise,
            [
                Text("slug"),
                Text("name"),
                Aliases(),
                Ref("series"),
                PartialDate("start", "start_date", "start_precision"),
                PartialDate("end", "end_date", "end_precision", end=True),
                Flag("held"),
                Text("location"),
                Decimal("latitude"),
                Decimal("longitude"),
                Rows("participants", "participations", [Ref("country"), Choice("role")]),
                Choice("kind"),
                RefSet("domains"),
                Choice("framework"),
                RefSet("agreements"),
                Integer("personnel"),
                Flag("personnel_approximate"),
                Text("description"),
                Text("disputed"),
                theme_links(),
                Citations(),
                *publication(),
            ],
            key="slug",
        ),
        # After policies and exercises: a meeting names those it adopted or ordered.
        Shape(
            "bodies",
            Body,
            [
                Text("slug"),
                Text("name"),
                Text("short_name"),
                Aliases(),
                PartialDate("founded", "founded_date", "founded_precision"),
                Text("seat"),
                Text("description"),
                theme_links(),
                Citations(),
                *publication(),
            ],
            key="slug",
        ),
        Shape(
            "meetings",
            Meeting,
            [
                Text("slug"),
                Ref("body"),
                Text("name"),
                Integer("number"),
                PartialDate("date", "date", "date_precision"),
                Text("place"),
                Ref("host"),
                Ref("chair"),
                Text("outcome"),
                Text("disputed"),
                RefSet("policies"),
                RefSet("exercises"),
                Citations(),
                *publication(),
            ],
            key="slug",
        ),
        Shape(
            "topics",
            Topic,
            [
                Text("title"),
                Text("slug"),
                Aliases(),
                Text("summary"),
                Date("last_reviewed"),
                theme_links(),
                RefSet("related", "related_topics"),
                RefSet("exercises"),
                RefSet("policies"),
                countries("countries", "country_links"),
                Citations(),
                *publication(),
                # The Markdown below the front matter.
                Text("body"),
            ],
            key="slug",
        ),
        Shape(
            "terms",
            Term,
            [
                Text("slug"),
                Text("term"),
                Text("expansion"),
                Text("also_matches"),
                Text("definition"),
                Citations(),
                *publication(),
            ],
            key="slug",
        ),
    ]
}
# Kinds held in YAML files; topics are Markdown files of their own.
YAML_KINDS = [kind for kind in SHAPES if kind != "topics"]
SHAPE_OF_MODEL = {shape.model: shape for shape in SHAPES.values()}
