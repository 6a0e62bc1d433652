"""Reader-facing filters for the exercise and policy lists (django-filter).

The filter sets are lenient: a value that does not validate (letters in a
year, an unknown country code) is ignored and reported to the reader instead
of emptying the list, and a reversed year range is put the right way round.
"""

import django_filters
from django import forms
from django.db.models import F, Q

from .models import Country, Domain, Exercise, ExerciseSeries, Participation, Policy, Theme

YEAR_MIN, YEAR_MAX = 1990, 2100


def published(model):
    return lambda request: model.objects.published()


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", YEAR_MIN)
        kwargs.setdefault("max_value", YEAR_MAX)
        kwargs.setdefault("widget", forms.NumberInput(attrs={"inputmode": "numeric"}))
        super().__init__(*args, **kwargs)


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Order with unknown values (e.g. unreported personnel) last on every database."""

    def filter(self, qs, value):
        if value in ([], (), {}, "", None):
            return qs
        ordering = []
        for param in value:
            name = self.get_ordering_value(param)
            field = F(name.lstrip("-"))
            ordering.append(
                field.desc(nulls_last=True) if name.startswith("-") else field.asc(nulls_last=True)
            )
        return qs.order_by(*ordering, "pk")


class LenientFilterSet(django_filters.FilterSet):
    """Filter by the valid values only; explain the rest in `notices`."""

    year_field = None  # the date field the year range applies to
    text_fields = ()

    q = django_filters.CharFilter(label="Text", method="filter_text", max_length=200)
    year_from = YearFilter(label="From year", method="filter_noop")
    year_to = YearFilter(label="To year", method="filter_noop")
    theme = django_filters.ModelChoiceFilter(
        label="Theme",
        field_name="theme_links__theme",
        queryset=published(Theme),
        to_field_name="slug",
        empty_label="Any theme",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.notices = []

    def filter_noop(self, queryset, name, value):
        return queryset  # applied together in filter_queryset

    def filter_text(self, queryset, name, value):
        condition = Q()
        for field in self.text_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)

    def filter_queryset(self, queryset):
        for name, errors in self.form.errors.items():
            label = self.filters[name].label if name in self.filters else name
            self.notices.append(f"{label}: {' '.join(errors)} This filter was ignored.")
        queryset = super().filter_queryset(queryset)
        start = self.form.cleaned_data.get("year_from")
        end = self.form.cleaned_data.get("year_to")
        if start is not None and end is not None and start > end:
            start, end = end, start
            self.notices.append(f"The year range was reversed; showing {start} to {end}.")
        if start is not None:
            queryset = queryset.filter(**{f"{self.year_field}__year__gte": start})
        if end is not None:
            queryset = queryset.filter(**{f"{self.year_field}__year__lte": end})
        return queryset


class ExerciseFilter(LenientFilterSet):
    year_field = "start_date"
    text_fields = ("name", "location", "description")

    series = django_filters.ModelChoiceFilter(
        label="Series",
        queryset=published(ExerciseSeries),
        to_field_name="slug",
        empty_label="Any series",
    )
    kind = django_filters.ChoiceFilter(
        label="Kind", choices=Exercise.Kind.choices, empty_label="Any kind"
    )
    domain = django_filters.ModelChoiceFilter(
        label="Domain",
        field_name="domains",
        queryset=Domain.objects.all(),
        to_field_name="slug",
        empty_label="Any domain",
    )
    framework = django_filters.ChoiceFilter(
        label="Framework", choices=Exercise.Framework.choices, empty_label="Any framework"
    )
    host = django_filters.ModelChoiceFilter(
        label="Host country",
        queryset=published(Country),
        to_field_name="iso_code",
        method="filter_host",
        empty_label="Any host",
    )
    country = django_filters.ModelMultipleChoiceFilter(
        label="Taking part (all of)",
        queryset=published(Country),
        to_field_name="iso_code",
        method="filter_taking_part",
        widget=forms.CheckboxSelectMultiple,
    )
    sort = NullsLastOrderingFilter(
        label="Sort by",
        fields=(("start_date", "date"), ("name", "name"), ("personnel", "personnel")),
        field_labels={
            "start_date": "Date (oldest first)",
            "-start_date": "Date (newest first)",
            "name": "Name (A–Z)",
            "-name": "Name (Z–A)",
            "personnel": "Personnel (fewest first)",
            "-personnel": "Personnel (most first)",
        },
        empty_label="Date (newest first)",
    )

    class Meta:
        model = Exercise
        fields = []

    def filter_host(self, queryset, name, country):
        return queryset.filter(
            participations__country=country, participations__role=Participation.Role.HOST
        )

    def filter_taking_part(self, queryset, name, countries):
        # One join per country: each must take part (as host or participant).
        for country in countries:
            queryset = queryset.filter(
                participations__country=country,
                participations__role__in=[Participation.Role.HOST, Participation.Role.PARTICIPANT],
            )
        return queryset


class PolicyFilter(LenientFilterSet):
    year_field = "signed_date"
    text_fields = ("title", "short_name", "summary", "body")

    kind = django_filters.ChoiceFilter(
        label="Kind", choices=Policy.Kind.choices, empty_label="Any kind"
    )
    legal_status = django_filters.ChoiceFilter(
        label="Status", choices=Policy.LegalStatus.choices, empty_label="Any status"
    )
    party = django_filters.ModelMultipleChoiceFilter(
        label="Parties (all of)",
        queryset=published(Country),
        to_field_name="iso_code",
        method="filter_parties",
        widget=forms.CheckboxSelectMultiple,
    )
    sort = NullsLastOrderingFilter(
        label="Sort by",
        fields=(("signed_date", "date"), ("short_name", "name")),
        field_labels={
            "signed_date": "Signed (oldest first)",
            "-signed_date": "Signed (newest first)",
            "short_name": "Name (A–Z)",
            "-short_name": "Name (Z–A)",
        },
        empty_label="Signed (newest first)",
    )

    class Meta:
        model = Policy
        fields = []

    def filter_parties(self, queryset, name, countries):
        for country in countries:
            queryset = queryset.filter(party_links__country=country)
        return queryset
