"""Spreadsheet import and export of exercises, policies and sources (django-import-export).

The columns follow the public downloads and the content bundle: partial dates as
text ("2007", "2007-08", "2007-08-09"), countries by ISO code, series, themes and
domains by slug, sources by key, and lists separated by ";". A file may hold only
some of the columns: a record is then changed only in those, and its participants,
themes, domains or sources are replaced only where their column is present.

Every problem is reported against its row ("Row 3, hosts: unknown country code
'XX'"), and the admin writes nothing unless every row is valid. Imports never
publish: the publication state is exported but not imported, so a new record is a
draft and an existing one keeps its state.

Each record the import creates or changes is saved as its own revision (with its
rows) in one batch, which `topics.history.revert_batch` undoes.
"""

import datetime
from decimal import Decimal, InvalidOperation
from html import escape

from diff_match_patch import diff_match_patch
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.encoding import force_str
from django.utils.safestring import mark_safe
from import_export import resources, widgets
from import_export.fields import Field
from import_export.resources import Diff
from import_export.results import RowResult
from reversion.models import Version

from .history import field_changes, new_batch, save_version
from .models import (
    Citation,
    Country,
    Domain,
    Exercise,
    ExerciseSeries,
    Participation,
    Policy,
    PolicyParty,
    RevisionNote,
    Source,
    Theme,
    ThemeLink,
)
from .partial_dates import Precision, parse_partial_date, partial_iso

SEPARATOR = ";"


class ImportFileError(Exception):
    """A problem with the file as a whole (its columns), reported before any row is read."""


def sheet_row(number):
    """Return the spreadsheet row of the `number`-th record (row 1 is the header)."""
    return number + 1


def cell_text(value):
    """Return a cell as stripped text: spreadsheets give numbers and dates, CSV gives text."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def split_keys(value):
    """Return the distinct keys of a "CN; RU;KZ" cell, in order."""
    keys = []
    for part in cell_text(value).split(SEPARATOR):
        part = part.strip()
        if part and part not in keys:
            keys.append(part)
    return keys


# Widgets: each turns a cell into a value or raises ValueError with a readable message,
# which django-import-export reports as a validation error of that column.


class YesNoWidget(widgets.BooleanWidget):
    TRUE = {"1", "true", "yes", "y"}
    FALSE = {"0", "false", "no", "n"}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = cell_text(value).lower()
        if not text:
            return None
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"{cell_text(value)!r} is not true or false")

    def render(self, value, obj=None, **kwargs):
        if kwargs.get("force_native_type") or value is None:
            return value if value is not None else ""
        return "true" if value else "false"


class WholeNumberWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value).replace(",", "").replace(" ", "")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number != number.to_integral_value():
            raise ValueError(f"{cell_text(value)!r} is not a whole number")
        if len(text) > 12:
            raise ValueError(f"{cell_text(value)!r} is too large")
        return int(number)

    def render(self, value, obj=None, **kwargs):
        if kwargs.get("force_native_type"):
            return value
        return "" if value is None else str(value)


class DecimalNumberWidget(widgets.DecimalWidget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValueError(f"{text!r} is not a number (use a point for decimals, e.g. 54.98)")
        return number

    def render(self, value, obj=None, **kwargs):
        if kwargs.get("force_native_type"):
            return value
        return "" if value is None else str(value)


class KeyWidget(widgets.ForeignKeyWidget):
    """A foreign key given by a unique key (a series by its slug); unknown keys are errors."""

    def __init__(self, model, field, label):
        super().__init__(model, field=field)
        self.label = label

    def clean(self, value, row=None, **kwargs):
        key = cell_text(value)
        if not key:
            return None
        try:
            return self.model.objects.get(**{self.field: key})
        except self.model.DoesNotExist:
            raise ValueError(f"unknown {self.label} {key!r}") from None


# Fields ------------------------------------------------------------------------------


class TextField(Field):
    """A text column; an empty cell clears the text. Keys, choices and URLs are stripped;
    free text is kept as it is, so an unchanged export imports as unchanged."""

    def __init__(self, attribute, column_name=None, *, strip=False):
        super().__init__(attribute=attribute, column_name=column_name, widget=widgets.CharWidget())
        self.strip = strip

    def clean(self, row, **kwargs):
        value = row[self.column_name]
        if isinstance(value, str) and not self.strip:
            return value
        return cell_text(value)


class PartialDateField(Field):
    """A date known to a day, a month or a year, kept in a date and a precision attribute."""

    def __init__(self, attribute, column_name, precision, *, end=False):
        super().__init__(attribute=attribute, column_name=column_name, widget=widgets.CharWidget())
        self.precision = precision
        self.end = end

    def get_value(self, instance):
        return partial_iso(getattr(instance, self.attribute), getattr(instance, self.precision))

    def save(self, instance, row, is_m2m=False, **kwargs):
        text = cell_text(row[self.column_name])
        if text:
            value, precision = parse_partial_date(text, end=self.end)
        else:
            value, precision = None, Precision.DAY
        setattr(instance, self.attribute, value)
        setattr(instance, self.precision, precision)


class DayDateField(Field):
    """A full date, "YYYY-MM-DD"."""

    def __init__(self, attribute, column_name):
        super().__init__(attribute=attribute, column_name=column_name, widget=widgets.CharWidget())

    def get_value(self, instance):
        value = getattr(instance, self.attribute)
        return value.isoformat() if value else ""

    def save(self, instance, row, is_m2m=False, **kwargs):
        text = cell_text(row[self.column_name])
        value = None
        if text:
            value, precision = parse_partial_date(text)
            if precision != Precision.DAY:
                raise ValueError(f"{text!r} is not a full date (use YYYY-MM-DD)")
        setattr(instance, self.attribute, value)


class LinksField(Field):
    """A list of keys held in other rows of the record: its participants, themes, sources…

    On import the keys are resolved and checked here (an unknown key is an error of
    this column); the rows are written by the resource once the record is saved, and
    only when they differ from what the record has.
    """

    ordered = False  # whether the order of the keys matters (sources are numbered)

    def __init__(self, column_name, *, target, key, label):
        super().__init__(
            attribute=column_name, column_name=column_name, widget=widgets.CharWidget()
        )
        self.target = target
        self.key = key
        self.label = label

    def normalise(self, key):
        return key

    def current(self, instance):
        """Return the keys the record has now."""
        raise NotImplementedError

    def write(self, instance, targets):
        """Make the record's rows match `targets`, keeping rows that stay."""
        raise NotImplementedError

    def get_value(self, instance):
        return SEPARATOR.join(self.current(instance)) if instance.pk else ""

    def save(self, instance, row, is_m2m=False, **kwargs):
        keys = [self.normalise(key) for key in split_keys(row[self.column_name])]
        found = self.target.objects.in_bulk(keys, field_name=self.key)
        unknown = [key for key in keys if key not in found]
        if unknown:
            plural = "s" if len(unknown) > 1 else ""
            listed = ", ".join(repr(key) for key in unknown)
            raise ValueError(f"unknown {self.label}{plural} {listed}")
        pending_links(instance)[self.column_name] = [found[key] for key in keys]

    def wanted(self, instance):
        targets = pending_links(instance)[self.column_name]
        return [getattr(target, self.key) for target in targets]

    def differs(self, instance):
        if self.column_name not in pending_links(instance):
            return False
        wanted = self.wanted(instance)
        current = self.current(instance) if instance.pk else []
        return wanted != current if self.ordered else set(wanted) != set(current)


def pending_links(instance):
    """The resolved link columns of the row being imported, kept on the instance until saved."""
    if not hasattr(instance, "_import_links"):
        instance._import_links = {}
    return instance._import_links


class ParticipantsField(LinksField):
    """Countries of one role (hosts, participants, observers); listing a country under a
    role moves it there from any other."""

    def __init__(self, column_name, role):
        super().__init__(column_name, target=Country, key="iso_code", label="country code")
        self.role = role

    def normalise(self, key):
        return key.upper()

    def current(self, instance):
        rows = [p for p in instance.participations.all() if p.role == self.role]
        return [p.country.iso_code for p in sorted(rows, key=lambda p: p.country.name)]

    def write(self, instance, targets):
        existing = {p.country_id: p for p in instance.participations.all()}
        wanted = {country.pk for country in targets}
        for country_id, participation in existing.items():
            if participation.role == self.role and country_id not in wanted:
                participation.delete()
        for country in targets:
            participation = existing.get(country.pk)
            if participation is None:
                Participation.objects.create(exercise=instance, country=country, role=self.role)
            elif participation.role != self.role:
                participation.role = self.role
                participation.save(update_fields=["role"])


class PartiesField(LinksField):
    def __init__(self):
        super().__init__("parties", target=Country, key="iso_code", label="country code")

    def normalise(self, key):
        return key.upper()

    def current(self, instance):
        links = sorted(instance.party_links.all(), key=lambda link: link.country.name)
        return [link.country.iso_code for link in links]

    def write(self, instance, targets):
        wanted = {country.pk for country in targets}
        instance.party_links.exclude(country__in=wanted).delete()
        have = set(instance.party_links.values_list("country_id", flat=True))
        PolicyParty.objects.bulk_create(
            PolicyParty(policy=instance, country=c) for c in targets if c.pk not in have
        )


class ThemesField(LinksField):
    def __init__(self):
        super().__init__("themes", target=Theme, key="slug", label="theme")

    def current(self, instance):
        links = sorted(instance.theme_links.all(), key=lambda link: link.pk)
        return [link.theme.slug for link in links]

    def write(self, instance, targets):
        wanted = {theme.pk for theme in targets}
        instance.theme_links.exclude(theme__in=wanted).delete()
        have = set(instance.theme_links.values_list("theme_id", flat=True))
        ThemeLink.objects.bulk_create(
            ThemeLink(theme=theme, record=instance) for theme in targets if theme.pk not in have
        )


class DomainsField(LinksField):
    def __init__(self):
        super().__init__("domains", target=Domain, key="slug", label="domain")

    def normalise(self, key):
        return key.lower()

    def current(self, instance):
        return [domain.slug for domain in sorted(instance.domains.all(), key=lambda d: d.name)]

    def write(self, instance, targets):
        instance.domains.set(targets)


class SourcesField(LinksField):
    """Sources cited, in reference order; a citation that stays keeps its note."""

    ordered = True

    def __init__(self):
        super().__init__("sources", target=Source, key="key", label="source")

    def current(self, instance):
        citations = sorted(instance.citations.all(), key=lambda c: (c.position, c.pk))
        return [citation.source.key for citation in citations]

    def write(self, instance, targets):
        existing = {citation.source_id: citation for citation in instance.citations.all()}
        wanted = {source.pk for source in targets}
        for source_id, citation in existing.items():
            if source_id not in wanted:
                citation.delete()
        for position, source in enumerate(targets, start=1):
            citation = existing.get(source.pk)
            if citation is None:
                Citation.objects.create(record=instance, source=source, position=position)
            elif citation.position != position:
                citation.position = position
                citation.save(update_fields=["position"])


class PlainDiff(Diff):
    """The preview's changes as <ins>/<del> without inline styles, which the admin's
    Content Security Policy would block (diff-match-patch's own HTML uses them).

    A short value (a date, a number, a list of codes) is shown replaced as a whole:
    "tru<del>e</del><ins>fals</ins>e" says less than "<del>true</del><ins>false</ins>".
    """

    SHORT = 40

    def as_html(self):
        dmp = diff_match_patch()
        cells = []
        for before, after in zip(self.left, self.right, strict=False):
            before, after = force_str(before), force_str(after)
            if before != after and self.new:
                before = ""
            if before == after:
                diff = [(dmp.DIFF_EQUAL, after)]
            elif len(before) <= self.SHORT and len(after) <= self.SHORT:
                diff = [(dmp.DIFF_DELETE, before), (dmp.DIFF_INSERT, after)]
            else:
                diff = dmp.diff_main(before, after)
                dmp.diff_cleanupSemantic(diff)
            cells.append(mark_safe("".join(self.tag(dmp, op, text) for op, text in diff if text)))
        return cells

    @staticmethod
    def tag(dmp, operation, text):
        name = {dmp.DIFF_INSERT: "ins", dmp.DIFF_DELETE: "del"}.get(operation, "span")
        return f"<{name}>{escape(text).replace(chr(10), '&para;<br>')}</{name}>"


# Resources ---------------------------------------------------------------------------


class RecordResource(resources.ModelResource):
    """What the three resources share: checks of the file and rows, links, history."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.batch = ""
        self.file_name = ""
        self.first_row_of = {}

    @classmethod
    def get_diff_class(cls):
        return PlainDiff

    @classmethod
    def id_column(cls):
        return cls._meta.import_id_fields[0]

    @classmethod
    def columns(cls):
        return [cls.fields[name].column_name for name in cls._meta.export_order]

    @classmethod
    def column_for(cls, key):
        """Return the column an error key (a model field or attribute name) belongs to."""
        for attribute in ("attribute", "precision", "column_name"):
            for field in cls.fields.values():
                if getattr(field, attribute, None) == key:
                    return field.column_name
        return key

    def link_fields(self):
        return [field for field in self.fields.values() if isinstance(field, LinksField)]

    def file_problems(self, dataset):
        """Return what is wrong with the file's columns, after tidying the headers."""
        headers = [cell_text(header) for header in dataset.headers or []]
        dataset.headers = headers
        known = self.columns()
        problems = []
        for index, header in enumerate(headers):
            if not header:
                if any(cell_text(value) for value in dataset.get_col(index)):
                    problems.append(f"Column {index + 1} has values but no header.")
            elif header not in known:
                hint = ""
                if SEPARATOR in header or "\t" in header:
                    hint = " The file seems to use another separator: save it as CSV with commas."
                problems.append(f"Unknown column {header!r}.{hint}")
            elif headers.count(header) > 1 and headers.index(header) == index:
                problems.append(f"The column {header!r} appears more than once.")
        if self.id_column() not in headers:
            problems.append(
                f"The file has no {self.id_column()!r} column: every row needs the "
                f"{self.id_column()} of the record it creates or changes."
            )
        if problems:
            problems.append("The columns are: " + ", ".join(known) + ".")
        return problems

    def import_data(self, dataset, **kwargs):
        problems = self.file_problems(dataset)
        if problems:
            result = self.get_result_class()()
            result.diff_headers = self.get_diff_headers()
            error = self.get_error_result_class()
            result.base_errors = [error(ImportFileError(problem)) for problem in problems]
            return result
        return super().import_data(dataset, **kwargs)

    def before_import(self, dataset, **kwargs):
        self.file_name = kwargs.get("file_name") or "a file"
        if not kwargs.get("dry_run"):
            self.batch = new_batch()

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        number = kwargs.get("row_number")
        id_column = self.id_column()
        key = cell_text(row.get(id_column))
        if key in self.first_row_of:
            message = (
                f"duplicate {id_column} {key!r} (also row {sheet_row(self.first_row_of[key])})"
            )
            errors.setdefault(NON_FIELD_ERRORS, []).append(message)
        elif key:
            self.first_row_of[key] = number
        for column, message in self.link_problems(instance):
            errors.setdefault(column, []).append(message)
        for field in instance._meta.concrete_fields:
            # The model does not enforce a TextField's max_length; the admin form does.
            value = getattr(instance, field.attname)
            if field.get_internal_type() == "TextField" and field.max_length and value:
                if len(value) > field.max_length:
                    errors.setdefault(field.name, []).append(
                        f"Ensure this value has at most {field.max_length} characters "
                        f"(it has {len(value)})."
                    )
        if errors:
            raise ValidationError(errors)

    def link_problems(self, instance):
        """Return (column, message) for links that cannot go together."""
        return []

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if not super().skip_row(instance, original, row, import_validation_errors):
            return False
        return not any(field.differs(instance) for field in self.link_fields())

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk and not kwargs.get("dry_run"):
            self.keep_state_before_import(instance)

    def keep_state_before_import(self, instance):
        """Save the record as it is now if its history does not hold that state yet.

        Undoing the import goes back to the version before the import's own; without
        one it would delete the record.
        """
        stored = type(instance)._default_manager.get(pk=instance.pk)
        latest = Version.objects.get_for_object(stored).order_by("-pk").first()
        if latest is None or field_changes(latest, stored):
            save_version(
                stored,
                kind=RevisionNote.Kind.IMPORT,
                reason=f"State before the import of {self.file_name}",
            )

    def after_save_instance(self, instance, row, **kwargs):
        for field in self.link_fields():
            if field.differs(instance):
                field.write(instance, pending_links(instance)[field.column_name])

    def after_import_row(self, row, row_result, **kwargs):
        if kwargs.get("dry_run") or row_result.import_type not in (
            RowResult.IMPORT_TYPE_NEW,
            RowResult.IMPORT_TYPE_UPDATE,
        ):
            return
        # One revision per record, taken once its rows are written so they are in it.
        save_version(
            row_result.instance,
            kind=RevisionNote.Kind.IMPORT,
            batch=self.batch,
            reason=f"Import of {self.file_name}",
            user=kwargs.get("user"),
        )

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        result.batch = self.batch
        result.file_name = self.file_name

    class Meta:
        # Inherited by the resources below.
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        store_instance = True


class ExerciseResource(RecordResource):
    slug = TextField("slug", strip=True)
    name = TextField("name")
    series = Field(attribute="series", widget=KeyWidget(ExerciseSeries, "slug", "series"))
    start = PartialDateField("start_date", "start", "start_precision")
    end = PartialDateField("end_date", "end", "end_precision", end=True)
    held = Field(attribute="held", widget=YesNoWidget(), saves_null_values=False)
    location = TextField("location")
    latitude = Field(attribute="latitude", widget=DecimalNumberWidget())
    longitude = Field(attribute="longitude", widget=DecimalNumberWidget())
    kind = TextField("kind", strip=True)
    framework = TextField("framework", strip=True)
    domains = DomainsField()
    hosts = ParticipantsField("hosts", Participation.Role.HOST)
    participants = ParticipantsField("participants", Participation.Role.PARTICIPANT)
    observers = ParticipantsField("observers", Participation.Role.OBSERVER)
    personnel = Field(attribute="personnel", widget=WholeNumberWidget())
    personnel_approximate = Field(
        attribute="personnel_approximate", widget=YesNoWidget(), saves_null_values=False
    )
    description = TextField("description")
    disputed = TextField("disputed")
    themes = ThemesField()
    sources = SourcesField()
    # Exported so editors see it; never imported (imports never publish).
    status = Field(attribute="status", readonly=True)

    class Meta:
        model = Exercise
        name = "Exercises"
        fields = [
            "slug", "name", "series", "start", "end", "held", "location", "latitude",
            "longitude", "kind", "framework", "domains", "hosts", "participants", "observers",
            "personnel", "personnel_approximate", "description", "disputed", "themes",
            "sources", "status",
        ]  # fmt: skip
        import_order = export_order = fields
        import_id_fields = ["slug"]

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("series").prefetch_related(
            "domains", "participations__country", "theme_links__theme", "citations__source"
        )

    def link_problems(self, instance):
        roles = [f for f in self.link_fields() if isinstance(f, ParticipantsField)]
        seen = {}
        problems = []
        for field in roles:
            if field.column_name not in pending_links(instance):
                continue
            for code in field.wanted(instance):
                if code in seen:
                    message = f"{code} is listed in both {seen[code]} and {field.column_name}"
                    problems.append((field.attribute, message))
                else:
                    seen[code] = field.column_name
        return problems


class PolicyResource(RecordResource):
    slug = TextField("slug", strip=True)
    short_name = TextField("short_name")
    title = TextField("title")
    kind = TextField("kind", strip=True)
    signed = PartialDateField("signed_date", "signed", "signed_precision")
    signed_place = TextField("signed_place")
    in_force = PartialDateField("in_force_date", "in_force", "in_force_precision", end=True)
    # As in the public download and the bundle: `status` is the legal status…
    status = TextField("legal_status", "status", strip=True)
    parties = PartiesField()
    themes = ThemesField()
    summary = TextField("summary")
    body = TextField("body")
    official_text_url = TextField("official_text_url", strip=True)
    sources = SourcesField()
    # …and `publication` the publication state: exported, never imported.
    publication = Field(attribute="status", column_name="publication", readonly=True)

    class Meta:
        model = Policy
        name = "Policies"
        fields = [
            "slug", "short_name", "title", "kind", "signed", "signed_place", "in_force",
            "status", "parties", "themes", "summary", "body", "official_text_url", "sources",
            "publication",
        ]  # fmt: skip
        import_order = export_order = fields
        import_id_fields = ["slug"]

    def filter_export(self, queryset, **kwargs):
        return queryset.prefetch_related(
            "party_links__country", "theme_links__theme", "citations__source"
        )


class SourceResource(RecordResource):
    key = TextField("key", strip=True)
    title = TextField("title")
    url = TextField("url", strip=True)
    publisher = TextField("publisher")
    author = TextField("author")
    published = PartialDateField("published_date", "published", "published_precision")
    accessed = DayDateField("accessed_date", "accessed")

    class Meta:
        model = Source
        name = "Sources"
        fields = ["key", "title", "url", "publisher", "author", "published", "accessed"]
        import_order = export_order = fields
        import_id_fields = ["key"]
