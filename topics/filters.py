"""Reader-facing filters for the exercise, policy and meeting lists (django-filter).

One FilterSet per list page, and it owns everything about filtering:

- Leniency: a value that does not validate (letters in a year, an unknown
  country code, a parameter the list does not have) is ignored and explained in
  `notices` instead of emptying the list or being silently dropped
  (`ExplainedFilterForm`).
- The year range, with a reversed range put the right way round (the form's
  `clean()`); country codes in any case (`country=in`).
- The chips of active filters with their removal links (`active_filters()`),
  and the query string the page answers (`page_query`), which the page cache
  keys on and the download links carry.

The list views, the downloads and the templates only show what it says.
"""

from dataclasses import dataclass
from functools import cached_property

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q
from django.forms.utils import ErrorDict, flatatt
from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .content_version import ContentStateMemo
from .models import (
    Body,
    Country,
    Domain,
    Exercise,
    ExerciseSeries,
    Meeting,
    Membership,
    Participation,
    Policy,
    PolicyParty,
    Theme,
)
from .page_cache import clean_query

YEAR_MIN, YEAR_MAX = 1990, 2100
# Query parameters of a list page that are not filters.
PAGE_PARAMETERS = ("page",)


def published(model):
    return lambda request: model.objects.published()


class ExplainedFilterForm(forms.Form):
    """A filter form that never refuses a request: it drops what does not validate, and says so.

    After cleaning, `notices` holds one sentence per value ignored or changed,
    and the form is valid with the rest.
    """

    def full_clean(self):
        self.notices = []
        self.ignored = set()  # parameters left out: invalid, or not filters of this list
        self.swapped = False  # the year range was given the wrong way round
        super().full_clean()
        if not self.is_bound:
            return
        for name, errors in self._errors.items():
            label = self.fields[name].label if name in self.fields else "Filters"
            self.notices.append(f"{label}: {' '.join(errors)} This filter was ignored.")
            self.ignored.add(name)
        self._errors = ErrorDict()  # ignored and explained, not refused
        for name in self.data:
            if name not in self.fields and name not in PAGE_PARAMETERS:
                shown = name if len(name) <= 40 else f"{name[:40]}…"
                self.notices.append(f"“{shown}” is not a filter of this list; it was ignored.")
                self.ignored.add(name)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("year_from"), cleaned.get("year_to")
        if start is not None and end is not None and start > end:
            cleaned["year_from"], cleaned["year_to"] = end, start
            self.swapped = True
            self.notices.append(f"The year range was reversed; showing {end} to {start}.")
        return cleaned

    def accepted_data(self):
        """Return the query as applied: without what was ignored, a reversed range turned."""
        data = QueryDict(mutable=True)
        for name in self.data:
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else self.data[name]
            values = values if isinstance(values, list | tuple) else [values]
            data.setlist(name, [str(value) for value in values])
        for name in self.ignored:
            data.pop(name, None)
        if self.swapped:
            data["year_from"], data["year_to"] = data["year_to"], data["year_from"]
        return data


class CountryCodeField(forms.ModelChoiceField):
    """A country by its ISO code, in any case ("in" is India)."""

    def to_python(self, value):
        return super().to_python(value.upper() if isinstance(value, str) else value)

    def prepare_value(self, value):
        return value.upper() if isinstance(value, str) else super().prepare_value(value)


class CountryCodesField(forms.ModelMultipleChoiceField):
    """Countries by their ISO codes, in any case; the matching boxes are ticked."""

    def clean(self, value):
        return super().clean([v.upper() if isinstance(v, str) else v for v in value or []])

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return [v.upper() if isinstance(v, str) else v for v in super().prepare_value(value)]
        return super().prepare_value(value)


class CountryFilter(django_filters.ModelChoiceFilter):
    field_class = CountryCodeField


class CountriesFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = CountryCodesField


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", YEAR_MIN)
        kwargs.setdefault("max_value", YEAR_MAX)
        kwargs.setdefault("widget", forms.NumberInput(attrs={"inputmode": "numeric"}))
        super().__init__(*args, **kwargs)


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Order with unknown values (e.g. unreported personnel) last on every database.

    `default` is the list's own order (its model's Meta.ordering): it comes first
    and stands for "no choice made", so the menu never lists it twice.
    """

    def __init__(self, *args, default, **kwargs):
        self.default = default
        kwargs.setdefault("empty_label", None)
        super().__init__(*args, **kwargs)

    def build_choices(self, fields, labels):
        choices = super().build_choices(fields, labels)
        return sorted(choices, key=lambda choice: choice[0] != self.default)

    def filter(self, qs, value):
        if value in ([], (), {}, "", None):
            return qs
        ordering = []
        for param in value:
            name = self.get_ordering_value(param)
            field = F(name.lstrip("-"))
            # A NULLS LAST on a column that cannot be null would keep PostgreSQL from
            # reading its index in order (the index sorts NULLs first when descending).
            nulls_last = True if qs.model._meta.get_field(name.lstrip("-")).null else None
            ordering.append(
                field.desc(nulls_last=nulls_last)
                if name.startswith("-")
                else field.asc(nulls_last=nulls_last)
            )
        return qs.order_by(*ordering, "pk")


@dataclass(frozen=True)
class FilterControl:
    """What the filter panel shows for one field, with no widget template to render.

    `kind` is "select", "checkboxes" or an input type ("text", "number");
    `options` are (value, label, selected, id) for a select's options or a
    checkbox list's boxes; `attrs` the input's other attributes, ready to print.
    """

    name: str
    label: str
    id: str
    kind: str
    value: str = ""
    options: tuple = ()
    attrs: str = ""


class ChoiceLists:
    """The menus' choices (published themes, series, countries…), once per content
    state (`ContentStateMemo`): they change only when the content does."""

    def __init__(self):
        self.memo = ContentStateMemo()

    def get(self, content_key, filterset, bound):
        """Return the field's (value, label) pairs, or None if it has no model choices."""
        if not isinstance(bound.field, forms.ModelChoiceField):
            return None
        name = (type(filterset), bound.name)
        return self.memo.get(content_key, name, lambda: self.read(bound))

    @staticmethod
    def read(bound):
        return tuple((str(value), label) for value, label in bound.field.choices)


choice_lists = ChoiceLists()


def filter_control(bound, choices=None):
    """Return the FilterControl for a bound field of a filter form.

    The filter panel is on every list page: building it from the fields' choices
    and printing it in one template costs a fraction of rendering each widget's
    templates (measured: 23 of 73 ms per /exercises/ page). The HTML is the one
    Django's widgets print (tests/test_filters.py compares them). `choices`, when
    given, are the field's (value, label) pairs, read before.
    """
    widget = bound.field.widget
    value = bound.value()
    chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value or "")}
    if isinstance(widget, forms.Select | forms.CheckboxSelectMultiple):
        checkboxes = isinstance(widget, forms.CheckboxSelectMultiple)
        if choices is None:
            choices = ChoiceLists.read(bound)
        options = tuple(
            (choice, label, choice in chosen, f"{bound.auto_id}_{index}")
            for index, (choice, label) in enumerate(choices)
        )
        return FilterControl(
            name=bound.html_name,
            label=bound.label,
            id=bound.auto_id,
            kind="checkboxes" if checkboxes else "select",
            options=options,
        )
    shown = widget.format_value(value)
    return FilterControl(
        name=bound.html_name,
        label=bound.label,
        id=bound.auto_id,
        kind=widget.input_type,
        value="" if shown is None else str(shown),
        attrs=flatatt(widget.attrs),
    )


class ExplainedFilterSet(django_filters.FilterSet):
    """Filter by the valid values only; explain the rest in `notices`."""

    q = django_filters.CharFilter(label="Text", method="filter_text", max_length=200)
    theme = django_filters.ModelChoiceFilter(
        label="Theme",
        field_name="theme_links__theme",
        queryset=published(Theme),
        to_field_name="slug",
        empty_label="Any theme",
    )

    class Meta:
        form = ExplainedFilterForm
        fields = []

    def filter_text(self, queryset, name, value):
        return queryset.search(value)

    @property
    def notices(self):
        return self.form.notices if self.is_bound and self.form.is_valid() else []

    @property
    def page_query(self):
        """The query string this page answers: the request's, if nothing in it was ignored.

        None when something was (the page then shows notices, and is not cached).
        """
        if not self.is_bound:
            return ""
        return None if self.notices else clean_query(self.data)

    @property
    def accepted_data(self):
        """The query as applied (see `ExplainedFilterForm.accepted_data()`)."""
        if not self.is_bound or not self.form.is_valid():
            return QueryDict(mutable=True)
        return self.form.accepted_data()

    @property
    def filter_query(self):
        """The filters applied, as a query string without the page (for download links)."""
        query = self.accepted_data
        for name in PAGE_PARAMETERS:
            query.pop(name, None)
        return clean_query(query)

    @cached_property
    def controls(self):
        """The panel's filter controls (FilterControl), the sort menu excluded."""
        content_key = getattr(self.request, "content_key", None)
        return [
            filter_control(bound, choice_lists.get(content_key, self, bound))
            for bound in self.form
            if bound.name != "sort"
        ]

    @cached_property
    def sort_control(self):
        return filter_control(self.form["sort"])

    @cached_property
    def active_filters(self):
        """{label, value, remove_url} for each filter value in use, sort excluded."""
        if not self.is_bound or not self.form.is_valid():
            return []
        accepted = self.accepted_data
        chips = []
        for name, field in self.form.fields.items():
            cleaned = self.form.cleaned_data.get(name)
            if name == "sort" or cleaned in (None, "", []):
                continue
            for value in accepted.getlist(name):
                if not value.strip():
                    continue
                remaining = accepted.copy()
                remaining.setlist(name, [v for v in accepted.getlist(name) if v != value])
                for page in PAGE_PARAMETERS:
                    remaining.pop(page, None)
                query = clean_query(remaining)
                chips.append(
                    {
                        "label": field.label,
                        "value": self.display(field, cleaned, value),
                        "remove_url": self.request.path + (f"?{query}" if query else ""),
                    }
                )
        return chips

    @staticmethod
    def display(field, cleaned, value):
        """Return how a chip names `value`: a country's or theme's name, a choice's label."""
        if hasattr(field, "queryset"):
            records = cleaned if hasattr(cleaned, "__iter__") else [cleaned]
            key = field.to_field_name or "pk"
            for record in records:
                if str(getattr(record, key)).lower() == value.strip().lower():
                    return str(record)
            return value
        if hasattr(field, "choices"):
            return dict((str(k), v) for k, v in field.choices).get(value, value)
        return value


def agreements_framing_exercises(request):
    """The published agreements that at least one published exercise was held under."""
    held_under = Exercise.objects.published().filter(agreements=OuterRef("pk"))
    return Policy.objects.published().filter(Exists(held_under)).order_by("short_name")


TAKING_PART = [Participation.Role.HOST, Participation.Role.PARTICIPANT]
MEMBER_STATUSES = [Membership.Status.MEMBER, Membership.Status.FOUNDING_MEMBER]


def member_on(date, country=None):
    """Memberships as a member state (founding or not) whose period covers `date`.

    `date` and `country` are values or outer references; read by the index-friendly
    correlated EXISTS of the membership filter.
    """
    memberships = Membership.objects.filter(
        status__in=MEMBER_STATUSES, start_date__lte=date
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=date))
    return memberships if country is None else memberships.filter(country=country)


class ExerciseFilter(ExplainedFilterSet):
    year_from = YearFilter(label="From year", field_name="start_date__year", lookup_expr="gte")
    year_to = YearFilter(label="To year", field_name="start_date__year", lookup_expr="lte")
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
    scope = django_filters.ChoiceFilter(
        label="Show",
        choices=[("sco", "SCO exercises held (as counted on the home page)")],
        empty_label="All records",
        method="filter_scope",
    )
    host = CountryFilter(
        label="Host country",
        queryset=published(Country),
        to_field_name="iso_code",
        method="filter_host",
        empty_label="Any host",
    )
    country = CountriesFilter(
        label="Taking part (all of)",
        queryset=published(Country),
        to_field_name="iso_code",
        method="filter_taking_part",
        widget=forms.CheckboxSelectMultiple,
    )
    # Qualifies "taking part": the countries chosen there, or, with none chosen, at
    # least one state taking part (see filter_membership and filter_taking_part).
    membership = django_filters.ChoiceFilter(
        label="Counting",
        choices=[
            ("then", "SCO members at the time"),
            ("today", "Today's SCO members"),
        ],
        empty_label="Any state, member or not",
        method="filter_membership",
    )
    agreement = django_filters.ModelChoiceFilter(
        label="Held under",
        field_name="agreements",
        queryset=agreements_framing_exercises,
        to_field_name="slug",
        empty_label="Any agreement",
    )
    sort = NullsLastOrderingFilter(
        label="Sort by",
        fields=(("start_date", "date"), ("name", "name"), ("personnel", "personnel")),
        # Ascending labels are keyed by field, descending ones by "-" and parameter.
        field_labels={
            "start_date": "Date (oldest first)",
            "-date": "Date (newest first)",
            "name": "Name (A–Z)",
            "-name": "Name (Z–A)",
            "personnel": "Personnel (fewest first)",
            "-personnel": "Personnel (most first)",
        },
        default="-date",
    )

    class Meta(ExplainedFilterSet.Meta):
        model = Exercise

    def filter_scope(self, queryset, name, value):
        return queryset.sco_held() if value == "sco" else queryset

    @extend_schema_field(OpenApiTypes.STR)  # country codes, e.g. IN (the API's schema)
    def filter_host(self, queryset, name, country):
        return queryset.filter(
            participations__country=country, participations__role=Participation.Role.HOST
        )

    @extend_schema_field(OpenApiTypes.STR)  # country codes, e.g. IN (the API's schema)
    def filter_taking_part(self, queryset, name, countries):
        # One join per country: each must take part (as host or participant).
        membership = self.form.cleaned_data.get("membership")
        for country in countries:
            queryset = queryset.filter(
                participations__country=country, participations__role__in=TAKING_PART
            )
            if membership:
                queryset = queryset.filter(self.was_member(membership, country))
        return queryset

    def filter_membership(self, queryset, name, value):
        if self.form.cleaned_data.get("country"):
            return queryset  # the countries chosen are qualified by filter_taking_part
        # At least one published state taking part that was (or is) a member.
        taking_part = Participation.objects.filter(
            exercise=OuterRef("pk"),
            role__in=TAKING_PART,
            country__in=Country.objects.published(),
        ).filter(
            self.was_member(value, OuterRef("country"), start=OuterRef(OuterRef("start_date")))
        )
        return queryset.filter(Exists(taking_part))

    @staticmethod
    def was_member(membership, country, start=None):
        """An EXISTS: `country` was a member at the exercise's `start` ("then"), or is
        one today ("today")."""
        if membership == "today":
            return Exists(member_on(timezone.localdate(), country))
        return Exists(member_on(OuterRef("start_date") if start is None else start, country))


class PolicyFilter(ExplainedFilterSet):
    year_from = YearFilter(label="From year", field_name="signed_date__year", lookup_expr="gte")
    year_to = YearFilter(label="To year", field_name="signed_date__year", lookup_expr="lte")
    kind = django_filters.ChoiceFilter(
        label="Kind", choices=Policy.Kind.choices, empty_label="Any kind"
    )
    legal_status = django_filters.ChoiceFilter(
        label="Status", choices=Policy.LegalStatus.choices, empty_label="Any status"
    )
    party = CountriesFilter(
        label="Parties (all of)",
        queryset=published(Country),
        to_field_name="iso_code",
        method="filter_parties",
        widget=forms.CheckboxSelectMultiple,
    )
    # Qualifies "parties": how the countries chosen there became parties (with none
    # chosen, how at least one party did).
    party_role = django_filters.ChoiceFilter(
        label="Became a party",
        choices=[("signatory", "By signing it"), ("acceded", "By joining later")],
        empty_label="Either way",
        method="filter_party_role",
    )
    sort = NullsLastOrderingFilter(
        label="Sort by",
        fields=(("signed_date", "date"), ("short_name", "name")),
        field_labels={
            "signed_date": "Signed (oldest first)",
            "-date": "Signed (newest first)",
            "short_name": "Name (A–Z)",
            "-name": "Name (Z–A)",
        },
        default="-date",
    )

    class Meta(ExplainedFilterSet.Meta):
        model = Policy

    @extend_schema_field(OpenApiTypes.STR)  # country codes, e.g. IN (the API's schema)
    def filter_parties(self, queryset, name, countries):
        role = self.form.cleaned_data.get("party_role")
        for country in countries:
            links = {"party_links__country": country}
            if role:
                links["party_links__role"] = role
            queryset = queryset.filter(**links)
        return queryset

    def filter_party_role(self, queryset, name, role):
        if self.form.cleaned_data.get("party"):
            return queryset  # the parties chosen are qualified by filter_parties
        parties = PolicyParty.objects.filter(
            policy=OuterRef("pk"), role=role, country__in=Country.objects.published()
        )
        return queryset.filter(Exists(parties))


def bodies_that_met(request):
    meetings = Meeting.objects.published()
    return Body.objects.published().filter(meetings__in=meetings).distinct().order_by("short_name")


def hosts_of_meetings(request):
    meetings = Meeting.objects.published()
    return Country.objects.published().filter(meetings_hosted__in=meetings).distinct()


class MeetingFilter(ExplainedFilterSet):
    # Meetings have no themes of their own (their body has).
    theme = None
    # The choices are the bodies and hosts of published meetings.
    body = django_filters.ModelChoiceFilter(
        label="Body",
        queryset=bodies_that_met,
        to_field_name="slug",
        empty_label="Any body",
    )
    year_from = YearFilter(label="From year", field_name="date__year", lookup_expr="gte")
    year_to = YearFilter(label="To year", field_name="date__year", lookup_expr="lte")
    host = CountryFilter(
        label="Host country",
        queryset=hosts_of_meetings,
        to_field_name="iso_code",
        empty_label="Any host",
    )
    sort = NullsLastOrderingFilter(
        label="Sort by",
        fields=(("date", "date"), ("name", "name")),
        field_labels={
            "date": "Date (oldest first)",
            "-date": "Date (newest first)",
            "name": "Name (A–Z)",
            "-name": "Name (Z–A)",
        },
        default="-date",
    )

    class Meta(ExplainedFilterSet.Meta):
        model = Meeting
