"""Field types of the content files: how one file key stands for model fields.

Every field converts in both directions through the same *values* (model field
name → value, a reference to another record given by its natural key):

- `load(raw, entry, context)`: the file's value → values, or raise `Problem`;
- `values(record)`: a saved record → values;
- `dump(values)`: values → the file's value (None: leave the key out).

Exporting a record is `dump(values(record))` and the normal form of a file entry
is `dump(load(raw))`, so a record loaded from an entry exports as that entry's
normal form. A field checks only what a model cannot: the YAML type of a value
and that a reference names a known record. Everything else (lengths, choices,
URLs, date order, constraints) is the models' `full_clean()`, run by `check()`.
"""

import datetime
from decimal import Decimal as _Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify

from ..models import (
    Body,
    Country,
    Domain,
    Exercise,
    ExerciseSeries,
    Meeting,
    Policy,
    Source,
    Term,
    Theme,
    Topic,
)
from ..partial_dates import parse_partial_date, partial_iso

# The field that names a record in the files and in references to it.
NATURAL_KEYS = {
    Theme: "slug",
    Source: "key",
    Country: "iso_code",
    ExerciseSeries: "slug",
    Exercise: "slug",
    Policy: "slug",
    Topic: "slug",
    Body: "slug",
    Meeting: "slug",
    Term: "slug",
    Domain: "slug",
}
# How a reference is named in messages ("unknown country code 'XX'").
NOUNS = {Country: "country code", Source: "source key", ExerciseSeries: "series"}


def noun(model):
    return NOUNS.get(model, model._meta.verbose_name)


class Problem(Exception):
    """One or more readable messages about a value in the files."""

    def __init__(self, *messages):
        super().__init__("; ".join(messages))
        self.messages = list(messages)


def clean_problems(instance, fields, raw, *, exclude=(), validate_unique=False):
    """Run the model's `full_clean()`; return its errors worded for the files.

    `fields` maps model field names to file keys; a required field whose key is
    absent from `raw` is reported as "missing 'key'".
    """
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=validate_unique)
    except ValidationError as error:
        problems = []
        for name, errors in error.error_dict.items():
            field = fields.get(name)
            for item in errors:
                if field is not None and item.code in ("blank", "null", "required"):
                    if raw.get(field.key) in (None, ""):
                        problems.append(f"missing {field.key!r}")
                        continue
                message = " ".join(item.messages)
                if item.code == "invalid_choice" and field is not None:
                    choices = [value for value, _ in field.model_field.choices]
                    message += f" Choose one of: {', '.join(choices)}."
                if name == NON_FIELD_ERRORS or field is None:
                    problems.append(message)
                else:
                    problems.append(f"{field.key}: {message}")
        return list(dict.fromkeys(problems))
    return []


class Field:
    """A file key that stands for one model field of the same record."""

    # Written only once every record of the kind exists (it refers to its own kind).
    deferred = False
    # Absent from a file entry means "leave it as it is" (e.g. published_at).
    keep_if_absent = False

    def __init__(self, key, attr=None):
        self.key = key
        self.attr = attr or key

    def bind(self, model):
        self.model = model
        self.model_field = model._meta.get_field(self.attr)
        return self

    @property
    def attrs(self):
        return (self.attr,)

    def empty(self):
        """Return the model's value for a key left out of the file."""
        if self.model_field.has_default():
            return self.model_field.get_default()
        return None if self.model_field.null else ""

    def load(self, raw, entry, context):
        return {self.attr: self.empty() if raw is None else raw}

    def values(self, record):
        return {self.attr: getattr(record, self.attr)}

    def dump(self, values):
        value = values.get(self.attr)
        return None if value in (None, "") else value

    def expect(self, raw, types, description):
        if isinstance(raw, bool) and bool not in types or not isinstance(raw, types):
            raise Problem(f"{self.key}: expected {description}, not {raw!r}")
        return raw


class Text(Field):
    def __init__(self, key, attr=None, *, default_from=None):
        super().__init__(key, attr)
        self.default_from = default_from

    def load(self, raw, entry, context):
        if raw is None:
            source = entry.get(self.default_from) if self.default_from else None
            return {self.attr: slugify(source) if isinstance(source, str) else self.empty()}
        return {self.attr: self.expect(raw, (str,), "text (put it in quotes)")}


class Aliases(Field):
    """Other names: a list of `{language tag: name}` (or a name alone, in English).

    Stored as the model's text, one "tag: name" a line (see `Aliased`); e.g.
    `aliases: [{ru: Мирная миссия}, {zh-Hans: 和平使命}]`.
    """

    def __init__(self, key="aliases", attr=None):
        super().__init__(key, attr)

    def load(self, raw, entry, context):
        if raw is None:
            return {self.attr: ""}
        self.expect(raw, (list,), "a list of {language: name}")
        lines = []
        for item in raw:
            if isinstance(item, str):
                lines.append(item.strip())
            elif isinstance(item, dict) and len(item) == 1:
                ((lang, name),) = item.items()
                if not isinstance(lang, str) or not isinstance(name, str):
                    raise Problem(f"{self.key}: expected {{language: name}}, not {item!r}")
                lines.append(f"{lang.strip()}: {name.strip()}")
            else:
                raise Problem(f"{self.key}: expected {{language: name}}, not {item!r}")
        return {self.attr: "\n".join(lines)}

    def dump(self, values):
        from ..models.publishing import parse_aliases

        text = values.get(self.attr) or ""
        try:
            aliases = parse_aliases(text)
        except ValueError:
            # Not "tag: name" lines (refused by full_clean on loading): kept as written.
            return [line for line in text.splitlines() if line.strip()] or None
        return [{a.lang: a.name} if a.lang else a.name for a in aliases] or None


class Integer(Field):
    def load(self, raw, entry, context):
        if raw is None:
            return {self.attr: self.empty()}
        return {self.attr: self.expect(raw, (int,), "a whole number")}


class Decimal(Field):
    def load(self, raw, entry, context):
        if raw is None:
            return {self.attr: None}
        return {self.attr: _Decimal(str(self.expect(raw, (int, float), "a number")))}

    def dump(self, values):
        value = values.get(self.attr)
        return None if value is None else float(value)


class Flag(Field):
    """true/false, left out of an export when it is the model's default."""

    def load(self, raw, entry, context):
        if raw is None:
            return {self.attr: self.empty()}
        return {self.attr: self.expect(raw, (bool,), "true or false")}

    def dump(self, values):
        value = values.get(self.attr)
        return None if value == self.model_field.get_default() else value


class Choice(Field):
    """One of the model field's choices (checked by full_clean)."""

    def __init__(self, key, attr=None, *, default=None):
        super().__init__(key, attr)
        self.default = default

    def load(self, raw, entry, context):
        if raw is None:
            return {self.attr: self.default if self.default is not None else self.empty()}
        return {self.attr: self.expect(raw, (str,), "text")}


class PartialDate(Field):
    """ "YYYY", "YYYY-MM" or "YYYY-MM-DD": a date field and its precision field.

    An `end` date (and an entry into force) is stored as the last day of its
    period, as the model's save() does, so the file, the admin and the
    database agree.
    """

    def __init__(self, key, attr, precision_attr, *, end=False):
        super().__init__(key, attr)
        self.precision_attr = precision_attr
        self.end = end

    def bind(self, model):
        super().bind(model)
        self.precision_field = model._meta.get_field(self.precision_attr)
        return self

    @property
    def attrs(self):
        return (self.attr, self.precision_attr)

    def load(self, raw, entry, context):
        if raw is None:
            return {self.attr: None, self.precision_attr: self.precision_field.get_default()}
        if isinstance(raw, datetime.datetime):
            raise Problem(f"{self.key}: expected a date, not a date and time")
        self.expect(raw, (str, int, datetime.date), 'a date such as "2007-08-09"')
        try:
            value, precision = parse_partial_date(raw, end=self.end)
        except ValueError as error:
            raise Problem(f"{self.key}: {error}") from None
        return {self.attr: value, self.precision_attr: str(precision)}

    def values(self, record):
        return {attr: getattr(record, attr) for attr in self.attrs}

    def dump(self, values):
        return partial_iso(values.get(self.attr), values.get(self.precision_attr)) or None


class Date(Field):
    """A full date, "YYYY-MM-DD"."""

    def load(self, raw, entry, context):
        if raw is None:
            return {self.attr: None}
        if isinstance(raw, datetime.date) and not isinstance(raw, datetime.datetime):
            return {self.attr: raw}
        self.expect(raw, (str,), 'a date such as "2026-11-29"')
        try:
            value = parse_date(raw)
        except ValueError:
            value = None
        if value is None:
            raise Problem(f"{self.key}: {raw!r} is not a date of the form YYYY-MM-DD")
        return {self.attr: value}

    def dump(self, values):
        value = values.get(self.attr)
        return value.isoformat() if value else None


class DateTime(Field):
    """An ISO 8601 date and time; left out of a file, the record keeps its own."""

    keep_if_absent = True

    def load(self, raw, entry, context):
        if raw is None:
            return {}
        value = raw
        if not isinstance(raw, datetime.datetime):
            self.expect(raw, (str,), "an ISO date and time")
            try:
                value = parse_datetime(raw)
            except ValueError:
                value = None
            if value is None:
                raise Problem(f"{self.key}: {raw!r} is not an ISO date and time")
        if timezone.is_naive(value):
            value = timezone.make_aware(value, datetime.UTC)
        return {self.attr: value}

    def dump(self, values):
        value = values.get(self.attr)
        return value.isoformat() if value else None


class Related(Field):
    """A field pointing at other records, written by their natural keys."""

    def bind(self, model):
        super().bind(model)
        self.target = self.model_field.related_model
        self.target_key = NATURAL_KEYS[self.target]
        self.deferred = self.target is model
        return self


class Ref(Related):
    """A foreign key, written as the natural key of the record it points to."""

    def load(self, raw, entry, context):
        if raw is None:
            if not self.model_field.null:
                raise Problem(f"missing {self.key!r}")
            return {self.attr: None}
        self.expect(raw, (str,), f"a {noun(self.target)}")
        if raw not in context.known(self.target):
            raise Problem(f"unknown {noun(self.target)} {raw!r}")
        return {self.attr: raw}

    def values(self, record):
        target = getattr(record, self.attr)
        return {self.attr: None if target is None else getattr(target, self.target_key)}

    def drop_missing(self, values, context, where):
        """Forget a reference to a record that will not exist (deleted in the admin)."""
        key = values.get(self.attr)
        if key is not None and not context.will_exist(self.target, key):
            values[self.attr] = None
            return [f"{where}{self.key} {key!r} left out: deleted in the admin"]
        return []


class RefSet(Related):
    """A many-to-many field, written as a sorted list of natural keys."""

    def load(self, raw, entry, context):
        if raw is None:
            return {self.attr: []}
        self.expect(raw, (list,), "a list")
        problems, seen = [], set()
        for item in raw:
            if not isinstance(item, str):
                problems.append(f"{self.key}: expected a {noun(self.target)}, not {item!r}")
            elif item not in context.known(self.target):
                problems.append(f"{self.key}: unknown {noun(self.target)} {item!r}")
            elif item in seen:
                problems.append(f"{self.key}: {item!r} listed twice")
            seen.add(item)
        if problems:
            raise Problem(*problems)
        return {self.attr: sorted(seen)}

    def values(self, record):
        related = getattr(record, self.attr).all()
        return {self.attr: sorted(getattr(item, self.target_key) for item in related)}

    def dump(self, values):
        return list(values.get(self.attr) or []) or None

    def drop_missing(self, values, context, where):
        keys = values.get(self.attr) or []
        missing = [key for key in keys if not context.will_exist(self.target, key)]
        values[self.attr] = [key for key in keys if key not in missing]
        return [f"{where}{self.key}: {key!r} left out: deleted in the admin" for key in missing]

    def check(self, values, parent_id, context):
        return []  # its references were checked by load(); the link table has no rules

    def write(self, record, keys, context):
        pks = [context.pk(self.target, key) for key in keys]
        getattr(record, self.attr).set([pk for pk in pks if pk is not None])


class Rows(Field):
    """Rows of another table that belong to the record (participants, links…).

    Each row has its own fields; a `flat` row is written as the value of its
    only field (`themes: [counterterrorism, …]`). Rows are exported in the
    order they were written.
    """

    def __init__(self, key, related_name, fields, *, flat=False, keep_ids=False):
        super().__init__(key, related_name)
        self.fields = fields
        self.flat = flat
        # The rows' own ids are part of a backup (memberships have their own admin page).
        self.keep_ids = keep_ids

    def bind(self, model):
        self.model = model
        relation = model._meta.get_field(self.attr)
        self.row_model = relation.related_model
        self.parent_attrs = self.parent_fields(relation)
        for field in self.fields:
            field.bind(self.row_model)
        self.by_attr = {attr: field for field in self.fields for attr in field.attrs}
        self.refs = [field for field in self.fields if isinstance(field, Ref)]
        self.nested = [field for field in self.fields if isinstance(field, Rows)]
        self.deferred = any(ref.target is model for ref in self.refs)
        return self

    def parent_fields(self, relation):
        return (relation.field.name,)

    def order(self, row):
        return row.pk

    def load(self, raw, entry, context):
        if raw is None:
            return {self.attr: []}
        self.expect(raw, (list,), "a list")
        rows, problems = [], []
        keys = [field.key for field in self.fields]
        for index, item in enumerate(raw):
            where = f"{self.key}[{index}]"
            item = self.item_mapping(item)
            if not isinstance(item, dict):
                problems.append(f"{where}: expected a mapping with the keys {', '.join(keys)}")
                continue
            for unknown in sorted(set(item) - set(keys), key=str):
                problems.append(f"{where}: unknown field {unknown!r}")
            row = {}
            for field in self.fields:
                try:
                    row.update(field.load(item.get(field.key), item, context))
                except Problem as problem:
                    problems += [f"{where}: {message}" for message in problem.messages]
            rows.append(row)
        if problems:
            raise Problem(*problems)
        return {self.attr: rows}

    def item_mapping(self, item):
        return {self.fields[0].key: item} if self.flat else item

    def values(self, record):
        rows = sorted(getattr(record, self.attr).all(), key=self.order)
        return {self.attr: [self.row_values(row) for row in rows]}

    def row_values(self, row):
        values = {}
        for field in self.fields:
            values.update(field.values(row))
        return values

    def dump(self, values):
        items = [self.dump_item(row) for row in values.get(self.attr) or []]
        return items or None

    def dump_item(self, row):
        if self.flat:
            return self.fields[0].dump(row)
        return {f.key: value for f in self.fields if (value := f.dump(row)) is not None}

    def prefetch(self, prefix=""):
        """Return the prefetch_related lookups that `values()` needs."""
        lookups = [f"{prefix}{self.attr}"]
        lookups += [f"{prefix}{self.attr}__{ref.attr}" for ref in self.refs]
        for nested in self.nested:
            lookups += nested.prefetch(f"{prefix}{self.attr}__")
        return lookups

    def drop_missing(self, values, context, where=""):
        notes, kept = [], []
        for index, row in enumerate(values.get(self.attr) or []):
            at = f"{where}{self.key}[{index}]: "
            missing = [
                ref for ref in self.refs if not context.will_exist(ref.target, row[ref.attr])
            ]
            if missing:
                notes += [
                    f"{at}left out: {ref.key} {row[ref.attr]!r} deleted in the admin"
                    for ref in missing
                ]
                continue
            for nested in self.nested:
                notes += nested.drop_missing(row, context, at)
            kept.append(row)
        values[self.attr] = kept
        return notes

    def build(self, row, parent_id, id_of):
        """Return an unsaved row; references and the parent are set by id."""
        instance = self.row_model()
        for field in self.fields:
            if isinstance(field, Ref):
                setattr(instance, f"{field.attr}_id", id_of(field.target, row[field.attr]))
            elif not isinstance(field, Rows):
                for attr in field.attrs:
                    setattr(instance, attr, row[attr])
        self.set_parent(instance, parent_id)
        return instance

    def set_parent(self, instance, parent_id):
        setattr(instance, f"{self.parent_attrs[0]}_id", parent_id)

    def check(self, values, parent_id, context):
        """Return the problems the row model's full_clean() finds, and duplicate rows."""
        problems = []
        rows = values.get(self.attr) or []
        exclude = [*self.parent_attrs, *(ref.attr for ref in self.refs)]
        for index, row in enumerate(rows):
            where = f"{self.key}[{index}]: "
            instance = self.build(row, parent_id, context.id_of)
            raw = {field.key: row.get(field.attr) for field in self.fields}
            problems += [
                where + p for p in clean_problems(instance, self.by_attr, raw, exclude=exclude)
            ]
            for nested in self.nested:
                problems += [where + p for p in nested.check(row, context.fake_id(), context)]
        problems += self.duplicates(rows)
        return problems

    def duplicates(self, rows):
        """Return rows that the row model's unique constraints would refuse."""
        problems = []
        for constraint in self.row_model._meta.total_unique_constraints:
            names = [name for name in constraint.fields if name not in self.parent_attrs]
            seen = {}
            for index, row in enumerate(rows):
                value = tuple(row.get(name) for name in names)
                if value in seen:
                    described = ", ".join(f"{self.by_attr[n].key} {row.get(n)!r}" for n in names)
                    if self.flat:
                        described = repr(row.get(names[0]))
                    problems.append(
                        f"{self.key}[{index}]: {described} listed twice "
                        f"(also {self.key}[{seen[value]}])"
                    )
                seen.setdefault(value, index)
        return problems

    def delete_rows(self, record):
        self.row_model.objects.filter(**{self.parent_attrs[0]: record}).delete()

    def write(self, record, rows, context, ids=None):
        """Replace the record's rows with `rows` (references resolved by natural key)."""
        self.delete_rows(record)
        instances = []
        for position, row in enumerate(rows, start=1):
            instance = self.build(row, record.pk, context.pk)
            self.number(instance, position)
            if ids and position <= len(ids):
                instance.pk = ids[position - 1]
            instances.append(instance)
        if self.nested:
            # A row with rows of its own (a membership's sources) needs its id first.
            for instance, row in zip(instances, rows, strict=True):
                instance.save(force_insert=True)
                for nested in self.nested:
                    nested.write(instance, row[nested.attr], context)
        else:
            self.row_model.objects.bulk_create(instances)
        return instances

    def number(self, instance, position):
        pass


class GenericRows(Rows):
    """Rows that point at their record through a content type and id (themes, citations)."""

    def parent_fields(self, relation):
        return ("content_type", "object_id")

    def set_parent(self, instance, parent_id):
        instance.content_type = ContentType.objects.get_for_model(self.model)
        instance.object_id = parent_id

    def delete_rows(self, record):
        self.row_model.objects.filter(
            content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
        ).delete()


class Citations(GenericRows):
    """`sources`: source keys, or {key, note} where the note says what the source says."""

    def __init__(self, key="sources"):
        super().__init__(key, "citations", [Ref("key", "source"), Text("note")])

    def order(self, citation):
        return (citation.position, citation.pk)

    def item_mapping(self, item):
        return {"key": item} if isinstance(item, str) else item

    def dump_item(self, row):
        if row.get("note"):
            return {"key": row["source"], "note": row["note"]}
        return row["source"]

    def number(self, instance, position):
        instance.position = position


class Parties(Rows):
    """`parties`: country codes of the signatories; a state that joined later is a
    mapping, `{country: IN, role: acceded, joined: "2017-06"}`."""

    def __init__(self, key="parties", related_name="party_links"):
        super().__init__(
            key,
            related_name,
            [
                Ref("country"),
                Choice("role"),
                PartialDate("joined", "joined_date", "joined_precision"),
            ],
            flat=True,
        )

    def item_mapping(self, item):
        return item if isinstance(item, dict) else {"country": item}

    def dump_item(self, row):
        if row.get("role") in (None, "", "signatory") and not row.get("joined_date"):
            return row["country"]
        return {f.key: value for f in self.fields if (value := f.dump(row)) is not None}
