"""Dates known to a day, a month or only a year.

Sources often give "August 2007" or just "2014". A partial date is stored as a
real date plus its precision: a start is the first day of its period and an
end the last, so range queries and ordering stay correct, and it is shown at
its true precision ("August 2007"), never as a made-up day.

A model declares such a date as a `PartialDateField` that names its
`PrecisionField`: the field moves the date to its period's first (or last) day
whenever the record is cleaned or saved, and gives the model a
display property named after it ("August 2007"): `signed_date` gives
`signed_display`.
"""

import calendar
import datetime
import re

from django.db import models


class Precision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_partial_date(value, *, end=False):
    """Return (date, precision) for "YYYY", "YYYY-MM" or "YYYY-MM-DD".

    With end=True a month or year is taken to its last day. Raise ValueError
    with a readable message for anything else.
    """
    if isinstance(value, datetime.date):
        return value, Precision.DAY
    text = str(value).strip()
    match = _PARTIAL_DATE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if day is not None:
            return datetime.date(year, month, day), Precision.DAY
        if month is not None:
            last = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 0
            return datetime.date(year, month, last if end else 1), Precision.MONTH
        if year < 1:
            raise ValueError
        return datetime.date(year, 12 if end else 1, 31 if end else 1), Precision.YEAR
    except (ValueError, calendar.IllegalMonthError):
        raise ValueError(f"{text!r} is not a valid date") from None


def normalise(value, precision, *, end=False):
    """Move a date to the first (or, for an end, last) day of its period."""
    if value is None:
        return None
    if precision == Precision.YEAR:
        return datetime.date(value.year, 12, 31) if end else datetime.date(value.year, 1, 1)
    if precision == Precision.MONTH:
        last = calendar.monthrange(value.year, value.month)[1]
        return value.replace(day=last if end else 1)
    return value


def format_partial_date(value, precision):
    """Return "9 August 2007", "August 2007" or "2007"."""
    if value is None:
        return ""
    if precision == Precision.YEAR:
        return str(value.year)
    if precision == Precision.MONTH:
        return value.strftime("%B %Y")
    return f"{value.day} {value.strftime('%B %Y')}"


def format_partial_range(start, start_precision, end=None, end_precision=None):
    """Return a compact range: "9–17 August 2007", "August–September 2010"."""
    first = format_partial_date(start, start_precision)
    if end is None or (end == start and end_precision == start_precision):
        return first
    if start_precision == end_precision == Precision.DAY:
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}–{end.day} {end.strftime('%B %Y')}"
        if start.year == end.year:
            return f"{start.day} {start.strftime('%B')} – {format_partial_date(end, end_precision)}"
    if start_precision == end_precision == Precision.MONTH:
        if start.year == end.year and start.month == end.month:
            return first
        if start.year == end.year:
            return f"{start.strftime('%B')}–{end.strftime('%B %Y')}"
    if start_precision == end_precision == Precision.YEAR and start.year == end.year:
        return first
    return f"{first} – {format_partial_date(end, end_precision)}"


def partial_iso(value, precision):
    """Return "2007-08-09", "2007-08" or "2007": the form the content files use."""
    if value is None:
        return ""
    if precision == Precision.YEAR:
        return f"{value.year:04d}"
    if precision == Precision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


class PrecisionField(models.CharField):
    """How precisely the date it belongs to is known: day, month or year."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 5)
        kwargs.setdefault("choices", Precision.choices)
        kwargs.setdefault("default", Precision.DAY)
        super().__init__(*args, **kwargs)


class PartialDateField(models.DateField):
    """A date known to the precision held in the model's `precision_field`.

    With `end=True` (the end of a period, an entry into force) a month or year is
    stored as its last day, so "ended August 2007" sorts and compares correctly.
    """

    def __init__(self, *args, precision_field, end=False, **kwargs):
        self.precision_field = precision_field
        self.end = end
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["precision_field"] = self.precision_field
        if self.end:
            kwargs["end"] = True
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        display = f"{name.removesuffix('_date')}_display"
        if display not in cls.__dict__:
            setattr(cls, display, property(self.display, doc=f"{name} as readers see it."))

    def display(self, instance):
        return format_partial_date(getattr(instance, self.attname), self.precision_of(instance))

    def precision_of(self, instance):
        return getattr(instance, self.precision_field)

    def normalised(self, instance, value):
        return normalise(value, self.precision_of(instance), end=self.end)

    def clean(self, value, model_instance):
        # full_clean() sees the date as save() will store it, so clean() and the
        # check constraints compare what the database will hold.
        return self.normalised(model_instance, super().clean(value, model_instance))

    def pre_save(self, model_instance, add):
        value = self.to_python(super().pre_save(model_instance, add))
        value = self.normalised(model_instance, value)
        setattr(model_instance, self.attname, value)
        return value
