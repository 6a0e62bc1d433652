"""Dates known to a day, a month or only a year.

Sources often give "August 2007" or just "2014". A partial date is stored as a
real date plus its precision: a start is the first day of its period and an
end the last, so range queries and ordering stay correct, and it is shown at
its true precision ("August 2007"), never as a made-up day.
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
