"""Dates known to a day, a month or a year (topics/partial_dates.py): parsing, storing
a period's first or last day, showing the date at its precision, PartialDateField."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from topics.models import Exercise, Membership, Policy, Source
from topics.partial_dates import (
    PartialDateField,
    format_partial_date,
    format_partial_range,
    normalise,
    parse_partial_date,
    partial_iso,
)

from .factories import (
    CountryFactory,
    ExerciseFactory,
    MembershipFactory,
    PolicyFactory,
    SourceFactory,
)

d = datetime.date


# Parsing, normalising and formatting ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "end", "expected"),
    [
        ("2007-08-09", False, (datetime.date(2007, 8, 9), "day")),
        ("2007-08", False, (datetime.date(2007, 8, 1), "month")),
        ("2007-02", True, (datetime.date(2007, 2, 28), "month")),
        ("2008-02", True, (datetime.date(2008, 2, 29), "month")),
        ("2014", False, (datetime.date(2014, 1, 1), "year")),
        ("2014", True, (datetime.date(2014, 12, 31), "year")),
        (" 2014 ", False, (datetime.date(2014, 1, 1), "year")),
        (datetime.date(2007, 8, 9), True, (datetime.date(2007, 8, 9), "day")),
    ],
)
def test_parse_partial_date(value, end, expected):
    assert parse_partial_date(value, end=end) == expected


@pytest.mark.parametrize(
    "value",
    ["2007-13", "2007-02-30", "August 2007", "07", "", "2007-8-9x", "2007-00", "0000"],
)
def test_parse_partial_date_rejects_bad_values(value):
    with pytest.raises(ValueError):
        parse_partial_date(value)


def test_parse_partial_date_says_what_is_wrong():
    with pytest.raises(ValueError) as error:
        parse_partial_date("August 2007")
    assert str(error.value) == (
        "'August 2007' is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD"
    )
    with pytest.raises(ValueError) as error:
        parse_partial_date("2007-02-30")
    assert str(error.value) == "'2007-02-30' is not a valid date"


@pytest.mark.parametrize(
    ("precision", "end", "expected"),
    [
        ("day", False, d(2008, 2, 9)),
        ("day", True, d(2008, 2, 9)),
        ("month", False, d(2008, 2, 1)),
        ("month", True, d(2008, 2, 29)),  # a leap year
        ("year", False, d(2008, 1, 1)),
        ("year", True, d(2008, 12, 31)),
    ],
)
def test_normalise_moves_a_date_to_the_first_or_last_day_of_its_period(precision, end, expected):
    assert normalise(d(2008, 2, 9), precision, end=end) == expected


def test_normalise_leaves_no_date_alone():
    assert normalise(None, "year", end=True) is None


def test_partial_iso_is_the_form_of_the_content_files():
    assert partial_iso(d(2007, 8, 9), "day") == "2007-08-09"
    assert partial_iso(d(2007, 8, 1), "month") == "2007-08"
    assert partial_iso(d(2007, 1, 1), "year") == "2007"
    assert partial_iso(None, "day") == ""


def test_date_formatting():
    d = datetime.date
    assert format_partial_date(d(2007, 8, 1), "month") == "August 2007"
    assert format_partial_date(d(2014, 1, 1), "year") == "2014"
    assert format_partial_range(d(2007, 8, 9), "day", d(2007, 8, 17), "day") == "9–17 August 2007"
    assert (
        format_partial_range(d(2010, 9, 9), "day", d(2010, 10, 2), "day")
        == "9 September – 2 October 2010"
    )
    assert format_partial_range(d(2019, 1, 1), "year", d(2021, 12, 31), "year") == "2019 – 2021"


@pytest.mark.parametrize(
    ("start", "start_precision", "end", "end_precision", "shown"),
    [
        (d(2007, 8, 9), "day", None, "day", "9 August 2007"),
        (d(2007, 8, 9), "day", d(2007, 8, 9), "day", "9 August 2007"),
        (d(2019, 12, 30), "day", d(2020, 1, 2), "day", "30 December 2019 – 2 January 2020"),
        (d(2010, 8, 1), "month", d(2010, 9, 30), "month", "August–September 2010"),
        (d(2010, 8, 1), "month", d(2010, 8, 31), "month", "August 2010"),
        (d(2010, 11, 1), "month", d(2011, 2, 28), "month", "November 2010 – February 2011"),
        (d(2014, 1, 1), "year", d(2014, 12, 31), "year", "2014"),
        (d(2007, 8, 9), "day", d(2007, 9, 30), "month", "9 August 2007 – September 2007"),
    ],
)
def test_a_range_is_shown_at_its_precision_without_repeating_itself(
    start, start_precision, end, end_precision, shown
):
    assert format_partial_range(start, start_precision, end, end_precision) == shown


def test_no_date_is_shown_as_nothing():
    assert format_partial_date(None, "day") == ""


# PartialDateField ----------------------------------------------------------------------


@pytest.mark.django_db
def test_partial_dates_are_stored_as_their_period_and_shown_at_their_precision():
    exercise = ExerciseFactory(
        name="Drill",
        start_date=datetime.date(2009, 4, 17),
        start_precision="month",
        end_date=datetime.date(2009, 4, 2),
        end_precision="month",
    )
    exercise.refresh_from_db()
    assert exercise.start_date == datetime.date(2009, 4, 1)
    assert exercise.end_date == datetime.date(2009, 4, 30)
    assert exercise.dates_display == "April 2009"


@pytest.mark.django_db
def test_an_entry_into_force_known_to_a_month_is_stored_as_its_last_day():
    # Signed on 15 June 2020 and in force "June 2020": valid, as the month's last day.
    policy = PolicyFactory(
        signed_date=d(2020, 6, 15),
        in_force_date=d(2020, 6, 1),
        in_force_precision="month",
    )
    policy.refresh_from_db()
    assert (policy.signed_date, policy.in_force_date) == (d(2020, 6, 15), d(2020, 6, 30))
    assert (policy.signed_display, policy.in_force_display) == ("15 June 2020", "June 2020")


@pytest.mark.django_db
def test_save_sets_the_normalised_date_on_the_instance_too():
    policy = PolicyFactory(signed_date=d(2016, 10, 29), signed_precision="year")
    assert policy.signed_date == d(2016, 1, 1)  # without a refresh_from_db()


@pytest.mark.django_db
def test_full_clean_compares_the_dates_the_database_will_hold():
    # Started "April 2009" (given as the 17th) and ended "April 2009" (given as the
    # 2nd): as stored, 1 April to 30 April, which is the right way round.
    exercise = Exercise(
        name="Drill",
        slug="drill",
        framework=Exercise.Framework.RATS,
        start_date=d(2009, 4, 17),
        start_precision="month",
        end_date=d(2009, 4, 2),
        end_precision="month",
    )
    exercise.full_clean()
    assert (exercise.start_date, exercise.end_date) == (d(2009, 4, 1), d(2009, 4, 30))


@pytest.mark.django_db
def test_full_clean_still_refuses_an_end_before_the_start_at_day_precision():
    exercise = Exercise(
        name="Drill",
        slug="drill",
        framework=Exercise.Framework.RATS,
        start_date=d(2009, 4, 17),
        end_date=d(2009, 4, 2),
    )
    with pytest.raises(ValidationError) as error:
        exercise.full_clean()
    assert error.value.message_dict == {"end_date": ["The exercise cannot end before it starts."]}


@pytest.mark.django_db
def test_every_partial_date_has_a_display_named_after_it():
    source = SourceFactory(published_date=d(2007, 8, 20), published_precision="month")
    country = CountryFactory(
        membership__status=Membership.Status.OBSERVER,
        membership__start_date=d(2005, 7, 5),
        membership__end_date=d(2017, 6, 9),
    )
    membership = country.memberships.get()
    exercise = ExerciseFactory(
        start_date=d(2007, 8, 9), end_date=d(2007, 1, 1), end_precision="year"
    )
    assert source.published_display == "August 2007"
    assert (membership.start_display, membership.end_display) == ("5 July 2005", "9 June 2017")
    assert membership.period_display == "5 July 2005 – 9 June 2017"
    assert (exercise.start_display, exercise.end_display) == ("9 August 2007", "2007")
    current = MembershipFactory(status="member", start_date=d(2017, 6, 9), start_precision="month")
    assert current.period_display == "since June 2017"


def test_each_model_declares_its_partial_dates_with_their_precision_and_end():
    found = {
        (model.__name__, field.name): (field.precision_field, field.end)
        for model in (Exercise, Membership, Policy, Source)
        for field in model._meta.get_fields()
        if isinstance(field, PartialDateField)
    }
    assert found == {
        ("Exercise", "start_date"): ("start_precision", False),
        ("Exercise", "end_date"): ("end_precision", True),
        ("Membership", "start_date"): ("start_precision", False),
        ("Membership", "end_date"): ("end_precision", True),
        ("Policy", "signed_date"): ("signed_precision", False),
        ("Policy", "in_force_date"): ("in_force_precision", True),
        ("Source", "published_date"): ("published_precision", False),
    }
    for model, name in found:
        display = f"{name.removesuffix('_date')}_display"
        assert isinstance(getattr(globals()[model], display), property), display


def test_the_field_keeps_its_options_in_migrations():
    _, path, _, kwargs = Policy._meta.get_field("in_force_date").deconstruct()
    assert path == "topics.partial_dates.PartialDateField"
    assert (kwargs["precision_field"], kwargs["end"]) == ("in_force_precision", True)
    _, _, _, kwargs = Policy._meta.get_field("signed_date").deconstruct()
    assert kwargs["precision_field"] == "signed_precision" and "end" not in kwargs
