import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from topics.models import Cited, Country, Exercise, ExerciseSeries, Policy, Theme, Themed, Topic

from .factories import (
    CountryFactory,
    ExerciseFactory,
    MembershipFactory,
    PolicyFactory,
    SeriesFactory,
    ThemeFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def test_exercise_end_before_start_is_refused_by_the_database():
    exercise = ExerciseFactory(name="Drill", start_date=datetime.date(2010, 9, 9))
    exercise.end_date = datetime.date(2010, 9, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Exercise.objects.filter(pk=exercise.pk).update(end_date=datetime.date(2010, 9, 1))


def test_exercise_clean_explains_end_before_start():
    exercise = Exercise(
        name="Drill",
        slug="drill",
        framework="rats",
        start_date=datetime.date(2010, 9, 9),
        end_date=datetime.date(2010, 9, 1),
    )
    with pytest.raises(ValidationError) as error:
        exercise.clean()
    assert "cannot end before it starts" in str(error.value)


def test_negative_personnel_is_refused_by_the_database():
    exercise = ExerciseFactory(name="Drill", start_date=datetime.date(2010, 9, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        Exercise.objects.filter(pk=exercise.pk).update(personnel=-5)


def test_policy_in_force_before_signing_is_refused():
    policy = PolicyFactory(short_name="Treaty", signed_date=datetime.date(2007, 8, 16))
    with pytest.raises(IntegrityError), transaction.atomic():
        Policy.objects.filter(pk=policy.pk).update(in_force_date=datetime.date(2006, 1, 1))


def test_membership_end_before_start_is_refused():
    country = CountryFactory(name="India", iso_code="IN")
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(
            country=country,
            status="observer",
            start_date=datetime.date(2005, 7, 5),
            end_date=datetime.date(2004, 1, 1),
            end_precision="day",
        )


def test_duplicate_slugs_are_refused():
    ExerciseFactory(name="Drill", slug="drill")
    with pytest.raises(IntegrityError), transaction.atomic():
        ExerciseFactory(name="Other drill", start_date=datetime.date(2011, 9, 9), slug="drill")


def test_iso_code_must_have_two_letters_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        CountryFactory(name="Nowhere", iso_code="X", membership=None)


def test_deleting_a_theme_in_use_is_refused():
    theme = ThemeFactory(name="Counterterrorism")
    ExerciseFactory(name="Drill", start_date=datetime.date(2010, 9, 9), themes=[theme])
    with pytest.raises(ProtectedError):
        theme.delete()
    assert Theme.objects.filter(pk=theme.pk).exists()


def test_deleting_a_country_in_use_is_refused():
    china = CountryFactory(name="China", iso_code="CN")
    ExerciseFactory(name="Drill", start_date=datetime.date(2010, 9, 9), hosts=[china])
    with pytest.raises(ProtectedError):
        china.delete()
    with pytest.raises(ProtectedError):
        Country.objects.filter(pk=china.pk).delete()
    assert Country.objects.filter(pk=china.pk).exists()


def test_deleting_a_country_that_is_party_to_a_policy_is_refused():
    china = CountryFactory(name="China", iso_code="CN")
    PolicyFactory(short_name="Charter", signed_date=datetime.date(2002, 6, 7), parties=[china])
    with pytest.raises(ProtectedError):
        china.delete()


def test_deleting_a_series_in_use_is_refused():
    series = SeriesFactory(name="Peace Mission")
    ExerciseFactory(name="Peace Mission 2007", start_date=datetime.date(2007, 8, 9), series=series)
    with pytest.raises(ProtectedError):
        series.delete()
    assert ExerciseSeries.objects.filter(pk=series.pk).exists()


def test_deleting_an_unused_theme_works():
    theme = ThemeFactory(name="Unused")
    theme.delete()
    assert not Theme.objects.filter(slug="unused").exists()


def test_publishing_stamps_the_publication_time_once():
    topic = TopicFactory(title="Draft", status="draft")
    assert topic.published_at is None
    topic.status = "published"
    topic.save()
    first = topic.published_at
    assert first is not None
    topic.save()
    assert topic.published_at == first


def test_personnel_display_marks_approximate_figures():
    exercise = ExerciseFactory(name="Drill", start_date=datetime.date(2007, 8, 9), personnel=6500)
    assert exercise.personnel_display == "about 6,500"
    exercise.personnel_approximate = False
    assert exercise.personnel_display == "6,500"
    exercise.personnel = None
    assert exercise.personnel_display == "Not reported"


def test_only_records_with_themes_have_theme_links():
    # Countries cite sources but have no themes: nothing on them may walk theme links
    # (the old `Cited.theme_list` did, and raised on every country).
    country = Country(name="Nowhere", iso_code="NW")
    assert isinstance(country, Cited) and not isinstance(country, Themed)
    assert not hasattr(country, "theme_links") and not hasattr(country, "theme_list")
    assert str(country) == "Nowhere"
    for model in (Exercise, ExerciseSeries, Policy, Topic):
        assert issubclass(model, Themed) and hasattr(model, "theme_links")


def test_record_addresses_are_kept_per_script_prefix(world):
    from django.urls import set_script_prefix

    from topics.models import Exercise

    exercise = Exercise.objects.get(slug="peace-mission-2007")
    assert exercise.get_absolute_url() == "/exercises/peace-mission-2007/"
    try:
        set_script_prefix("/reference/")  # deployed under a sub-path
        assert exercise.get_absolute_url() == "/reference/exercises/peace-mission-2007/"
    finally:
        set_script_prefix("/")
    assert exercise.get_absolute_url() == "/exercises/peace-mission-2007/"
