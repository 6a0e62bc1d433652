"""The read-only JSON API at /api/v1/ (Django REST framework), documented at /api/.

It is the site in another format, like the downloads (topics/downloads.py):

- Every queryset starts from `.published()`, and names only published related
  records (the QuerySet methods the pages and downloads use).
- A list filters with the list page's own FilterSet (topics/filters.py) and keeps
  its default order, so `/api/v1/exercises/?host=RU` has the records of
  `/exercises/?host=RU` in the same order. The page forgives bad input and says so
  in notices; the API refuses it instead: a value that does not validate or a
  parameter the list does not have is a 400 whose `notices` are the page's own
  sentences. A reversed year range is turned round, as on the page, and said in
  the response's `notices`.
- A record of exercises, policies and meetings is the download's row (same
  function, same values: dates at their precision, "2007-08"), plus `disputed`
  and `updated_at`; a detail adds the long text.
- Responses are cached for anonymous readers by the page cache like any page,
  keyed by the content version (topics/page_cache.py): a 200 sets `page_query`
  only when it answered the whole query.
"""

import functools

import django_filters
from django.db.models import Q
from django.urls import NoReverseMatch
from django.views.generic import TemplateView
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.routers import DefaultRouter

from .downloads import exercise_row, meeting_row, policy_row
from .filters import (
    ExerciseFilter,
    ExplainedFilterForm,
    ExplainedFilterSet,
    MeetingFilter,
    PolicyFilter,
)
from .models import Body, Country, Exercise, ExerciseSeries, Meeting, Membership, Policy, Term
from .models import Topic as Article
from .models.glossary import term_forms
from .page_cache import clean_query
from .partial_dates import partial_iso
from .views import ReaderPageMixin

PAGE_SIZE, MAX_PAGE_SIZE = 50, 200


# Pagination and filtering --------------------------------------------------------


def positive_integer(name, value, maximum=None):
    if not value.isdigit() or int(value) < 1:
        raise ValidationError({"detail": f"{name}: “{value[:20]}” is not a positive whole number."})
    if maximum is not None and int(value) > maximum:
        raise ValidationError({"detail": f"{name}: at most {maximum}."})
    return int(value)


class Pagination(PageNumberPagination):
    """Pages of 50 (`page_size` up to 200); a bad `page` or `page_size` is a 400,
    a page past the last a 404 (DRF's own)."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ()

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        return positive_integer("page_size", value, self.max_page_size)

    def get_page_number(self, request, paginator):
        value = request.query_params.get(self.page_query_param, "1")
        return positive_integer("page", value)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["notices"] = self.notices
        return response

    def paginate_queryset(self, queryset, request, view=None):
        self.notices = getattr(request, "filter_notices", [])
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["notices"] = {
            "type": "array",
            "items": {"type": "string"},
            "description": "What was changed in the query to answer it (a reversed year range).",
        }
        paginated["required"] = ["count", "next", "previous", "results", "notices"]
        return paginated


class ExplainedFilterBackend(DjangoFilterBackend):
    """The list page's FilterSet, strict: what the page would ignore is a 400."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        data = request.query_params.copy()
        data.pop(Pagination.page_size_query_param, None)  # `page` the form already knows
        kwargs["data"] = data
        return kwargs

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        filterset.is_valid()  # an ExplainedFilterForm is always valid: it ignores instead
        if filterset.form.ignored:
            raise ValidationError(
                {"detail": "The query has values this list cannot filter by.",
                 "notices": filterset.notices}
            )  # fmt: skip
        request.filter_notices = filterset.notices
        return filterset.qs


class ApiFilter(ExplainedFilterSet):
    """Free text (`q`) and the theme, for the lists that have no filter panel."""

    class Meta(ExplainedFilterSet.Meta):
        form = ExplainedFilterForm


class CountryApiFilter(ApiFilter):
    theme = None
    status = django_filters.ChoiceFilter(
        label="Current status",
        choices=Membership.Status.choices,
        method="filter_status",
        empty_label="Any status",
    )

    class Meta(ApiFilter.Meta):
        model = Country

    def filter_status(self, queryset, name, value):
        return queryset.filter(memberships__status=value, memberships__end_date__isnull=True)


class SeriesApiFilter(ApiFilter):
    class Meta(ApiFilter.Meta):
        model = ExerciseSeries


class ArticleApiFilter(ApiFilter):
    class Meta(ApiFilter.Meta):
        model = Article


class BodyApiFilter(ApiFilter):
    class Meta(ApiFilter.Meta):
        model = Body


class TermApiFilter(ApiFilter):
    theme = None

    class Meta(ApiFilter.Meta):
        model = Term

    def filter_text(self, queryset, name, value):
        # Terms are not in the site's search index: every word, in any of their texts.
        for word in value.split():
            queryset = queryset.filter(
                Q(term__icontains=word)
                | Q(expansion__icontains=word)
                | Q(also_matches__icontains=word)
                | Q(definition__icontains=word)
            )
        return queryset


# Serializers ---------------------------------------------------------------------


def strings(**kwargs):
    return serializers.ListField(child=serializers.CharField(), **kwargs)


def record_url(record, request):
    try:
        return request.build_absolute_uri(record.get_absolute_url())
    except NoReverseMatch:  # a kind of record without a page yet (the glossary)
        return None


class RecordSerializer(serializers.Serializer):
    """A record's values; `row(record, request)`, when set, gives those of its download."""

    row = None

    def to_representation(self, instance):
        request = self.context["request"]
        values = type(self).row(instance, request) if type(self).row else {}
        data = {}
        for name, field in self.fields.items():
            if name in values:
                data[name] = values[name]
            else:
                attribute = field.get_attribute(instance)
                data[name] = None if attribute is None else field.to_representation(attribute)
        return data


class ExerciseSerializer(RecordSerializer):
    row = staticmethod(exercise_row)

    slug = serializers.SlugField()
    name = serializers.CharField()
    series = serializers.CharField(help_text="The series' name; empty if none (or not public).")
    start = serializers.CharField(help_text="At its precision: 2007, 2007-08 or 2007-08-09.")
    end = serializers.CharField(help_text="At its precision; empty if not known.")
    held = serializers.BooleanField()
    location = serializers.CharField()
    latitude = serializers.CharField()
    longitude = serializers.CharField()
    kind = serializers.ChoiceField(choices=Exercise.Kind.choices)
    framework = serializers.ChoiceField(choices=Exercise.Framework.choices)
    domains = strings()
    hosts = strings(help_text="ISO codes.")
    participants = strings(help_text="ISO codes.")
    observers = strings(help_text="ISO codes.")
    personnel = serializers.IntegerField(allow_null=True)
    personnel_approximate = serializers.BooleanField()
    themes = strings(help_text="Slugs.")
    sources = strings(help_text="URLs of the sources cited.")
    disputed = serializers.CharField(help_text="Markdown: where sources disagree, and how.")
    agreements = strings(help_text="Slugs of the agreements it was held under.")
    url = serializers.URLField(help_text="The record's page on the site.")
    updated_at = serializers.DateTimeField()


class ExerciseDetailSerializer(ExerciseSerializer):
    description = serializers.CharField(help_text="Markdown.")


class PolicySerializer(RecordSerializer):
    row = staticmethod(policy_row)

    slug = serializers.SlugField()
    short_name = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Policy.Kind.choices)
    signed = serializers.CharField(help_text="At its precision: 2001, 2001-06 or 2001-06-15.")
    signed_place = serializers.CharField()
    in_force = serializers.CharField(help_text="At its precision; empty if not known.")
    status = serializers.ChoiceField(choices=Policy.LegalStatus.choices)
    parties = strings(help_text="ISO codes of every party.")
    signatories = strings(help_text="ISO codes of the states that signed it.")
    joined_later = strings(
        help_text="States that joined later: the ISO code, then the date joined at its "
        "precision where known (IN:2017-06-09)."
    )
    themes = strings(help_text="Slugs.")
    summary = serializers.CharField()
    official_text_url = serializers.CharField()
    sources = strings(help_text="URLs of the sources cited.")
    url = serializers.URLField(help_text="The record's page on the site.")
    updated_at = serializers.DateTimeField()


class PolicyDetailSerializer(PolicySerializer):
    body = serializers.CharField(help_text="Markdown.")


class MeetingSerializer(RecordSerializer):
    row = staticmethod(meeting_row)

    slug = serializers.SlugField()
    name = serializers.CharField()
    body = serializers.SlugField(help_text="The body's slug.")
    number = serializers.IntegerField(allow_null=True)
    date = serializers.CharField(help_text="At its precision: 2007, 2007-06 or 2007-06-27.")
    place = serializers.CharField()
    host = serializers.CharField(help_text="ISO code; empty if none (or not public).")
    chair = serializers.CharField(help_text="ISO code; empty if none (or not public).")
    outcome = serializers.CharField()
    policies = strings(help_text="Slugs of the policies adopted, prepared or reviewed.")
    exercises = strings(help_text="Slugs of the exercises ordered, prepared or reviewed.")
    sources = strings(help_text="URLs of the sources cited.")
    disputed = serializers.CharField(help_text="Markdown: where sources disagree, and how.")
    url = serializers.URLField(help_text="The record's page on the site.")
    updated_at = serializers.DateTimeField()


def sources_of(record, request):
    return [citation.source.url for citation in record.citations.all()]


def themes_of(record, request):
    return [link.theme.slug for link in record.published_theme_links]


class MembershipSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Membership.Status.choices)
    start = serializers.CharField()
    end = serializers.CharField(help_text="Empty while the status is current.")
    note = serializers.CharField()

    def to_representation(self, membership):
        return {
            "status": membership.status,
            "start": partial_iso(membership.start_date, membership.start_precision),
            "end": partial_iso(membership.end_date, membership.end_precision),
            "note": membership.note,
        }


class CountrySerializer(RecordSerializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    iso_code = serializers.CharField()
    status = serializers.ChoiceField(
        choices=Membership.Status.choices, allow_null=True, help_text="The current SCO status."
    )
    memberships = MembershipSerializer(many=True, help_text="Every period of SCO status.")
    summary = serializers.CharField()
    sources = strings(help_text="URLs of the sources cited.")
    url = serializers.URLField(help_text="The record's page on the site.")
    updated_at = serializers.DateTimeField()

    @staticmethod
    def row(country, request):
        current = country.current_membership()
        return {
            "status": current.status if current else None,
            "sources": sources_of(country, request),
            "url": record_url(country, request),
        }


class SeriesSerializer(RecordSerializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    editions = serializers.IntegerField(source="edition_count", help_text="Published exercises.")
    themes = strings(help_text="Slugs.")
    url = serializers.URLField(help_text="The record's page on the site.")
    updated_at = serializers.DateTimeField()

    @staticmethod
    def row(series, request):
        return {"themes": themes_of(series, request), "url": record_url(series, request)}


class SeriesDetailSerializer(SeriesSerializer):
    description = serializers.CharField(help_text="Markdown.")
    sources = strings(help_text="URLs of the sources cited.")

    @staticmethod
    def row(series, request):
        return {**SeriesSerializer.row(series, request), "sources": sources_of(series, request)}


class ArticleSerializer(RecordSerializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    summary = serializers.CharField()
    last_reviewed = serializers.DateField(allow_null=True)
    themes = strings(help_text="Slugs.")
    url = serializers.URLField(help_text="The record's page on the site.")
    updated_at = serializers.DateTimeField()

    @staticmethod
    def row(article, request):
        return {"themes": themes_of(article, request), "url": record_url(article, request)}


class ArticleDetailSerializer(ArticleSerializer):
    body = serializers.CharField(help_text="Markdown, citing sources as [@key].")
    sources = strings(help_text="URLs of the sources cited.")

    @staticmethod
    def row(article, request):
        return {**ArticleSerializer.row(article, request), "sources": sources_of(article, request)}


class BodySerializer(RecordSerializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    seat = serializers.CharField()
    meetings = serializers.IntegerField(source="meeting_count", help_text="Published meetings.")
    themes = strings(help_text="Slugs.")
    url = serializers.URLField(help_text="The record's page on the site.")
    updated_at = serializers.DateTimeField()

    @staticmethod
    def row(body, request):
        return {"themes": themes_of(body, request), "url": record_url(body, request)}


class BodyDetailSerializer(BodySerializer):
    description = serializers.CharField(help_text="Markdown, citing sources as [@key].")
    sources = strings(help_text="URLs of the sources cited.")

    @staticmethod
    def row(body, request):
        return {**BodySerializer.row(body, request), "sources": sources_of(body, request)}


class TermSerializer(RecordSerializer):
    slug = serializers.SlugField()
    term = serializers.CharField()
    expansion = serializers.CharField()
    also_matches = strings(help_text="Other forms that link to the entry.")
    definition = serializers.CharField(help_text="Markdown.")
    sources = strings(help_text="URLs of the sources cited.")
    url = serializers.URLField(allow_null=True, help_text="Null until the glossary has a page.")
    updated_at = serializers.DateTimeField()

    @staticmethod
    def row(term, request):
        return {
            "also_matches": term_forms(term.also_matches),
            "sources": sources_of(term, request),
            "url": record_url(term, request),
        }


# Views ---------------------------------------------------------------------------


class RecordViewSet(viewsets.ReadOnlyModelViewSet):
    """A list (filtered, paginated) and a detail by slug, of published records only."""

    lookup_field = "slug"
    pagination_class = Pagination
    filter_backends = [ExplainedFilterBackend]
    detail_serializer_class = None

    def get_serializer_class(self):
        if self.action == "retrieve" and self.detail_serializer_class:
            return self.detail_serializer_class
        return self.serializer_class

    def get_queryset(self):
        queryset = self.get_published()
        return self.for_detail(queryset) if self.action == "retrieve" else self.for_list(queryset)

    def get_published(self):
        raise NotImplementedError

    def for_list(self, queryset):
        return queryset

    def for_detail(self, queryset):
        return self.for_list(queryset)

    def retrieve(self, request, *args, **kwargs):
        if request.query_params:
            raise ValidationError({"detail": "A record takes no query parameters."})
        return super().retrieve(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # A complete answer to the whole query may be served to every reader (the
        # page cache keys it by the content version); a turned range is not stored.
        if response.status_code == 200 and not getattr(request, "filter_notices", None):
            response.page_query = clean_query(request.query_params)
        return response


ERROR = inline_serializer(
    "Error",
    {
        "detail": serializers.CharField(),
        "notices": strings(required=False, help_text="What the list page would have ignored."),
    },
)


def list_and_detail(tag, plural, singular):
    """Document a viewset's list and detail, with their errors (as JSON)."""

    def decorate(viewset):
        listed = viewset.serializer_class
        detail = viewset.detail_serializer_class or listed
        return extend_schema_view(
            list=extend_schema(
                tags=[tag],
                summary=f"List {plural}",
                description=f"Published {plural}, filtered as on the site's list, in its order.",
                responses={200: listed(many=True), 400: ERROR, 404: ERROR},
            ),
            retrieve=extend_schema(
                tags=[tag],
                summary=f"One {singular}, by slug",
                description=f"A published {singular}; 404 for any other slug.",
                responses={200: detail, 400: ERROR, 404: ERROR},
            ),
        )(viewset)

    return decorate


@list_and_detail("exercises", "exercises", "exercise")
class ExerciseViewSet(RecordViewSet):
    serializer_class = ExerciseSerializer
    detail_serializer_class = ExerciseDetailSerializer
    filterset_class = ExerciseFilter

    def get_published(self):
        return Exercise.objects.published()

    def for_list(self, queryset):
        return queryset.for_cards().for_download()  # as the download: the page's records


@list_and_detail("policies", "policies", "policy")
class PolicyViewSet(RecordViewSet):
    serializer_class = PolicySerializer
    detail_serializer_class = PolicyDetailSerializer
    filterset_class = PolicyFilter

    def get_published(self):
        return Policy.objects.published()

    def for_list(self, queryset):
        return queryset.for_cards().for_download()


@list_and_detail("meetings", "meetings", "meeting")
class MeetingViewSet(RecordViewSet):
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter

    def get_published(self):
        return Meeting.objects.published()

    def for_list(self, queryset):
        return queryset.for_cards().for_download()


@list_and_detail("countries", "countries", "country")
class CountryViewSet(RecordViewSet):
    serializer_class = CountrySerializer
    filterset_class = CountryApiFilter

    def get_published(self):
        return Country.objects.published()

    def for_list(self, queryset):
        return queryset.for_list().with_citations()


@list_and_detail("series", "exercise series", "series")
class SeriesViewSet(RecordViewSet):
    serializer_class = SeriesSerializer
    detail_serializer_class = SeriesDetailSerializer
    filterset_class = SeriesApiFilter

    def get_published(self):
        return ExerciseSeries.objects.published()

    def for_list(self, queryset):
        return queryset.with_edition_counts().with_published_themes()

    def for_detail(self, queryset):
        return self.for_list(queryset).with_citations()


@list_and_detail("topics", "topics (articles)", "topic")
class ArticleViewSet(RecordViewSet):
    serializer_class = ArticleSerializer
    detail_serializer_class = ArticleDetailSerializer
    filterset_class = ArticleApiFilter

    def get_published(self):
        return Article.objects.published()

    def for_list(self, queryset):
        return queryset.for_list().with_published_themes()

    def for_detail(self, queryset):
        return self.for_list(queryset).with_citations()


@list_and_detail("bodies", "bodies", "body")
class BodyViewSet(RecordViewSet):
    serializer_class = BodySerializer
    detail_serializer_class = BodyDetailSerializer
    filterset_class = BodyApiFilter

    def get_published(self):
        return Body.objects.published()

    def for_list(self, queryset):
        # The meeting count's GROUP BY drops Meta.ordering (Django 3.1+): say it again.
        ordered = queryset.for_cards().order_by(*Body._meta.ordering)
        return ordered.with_published_themes()

    def for_detail(self, queryset):
        return self.for_list(queryset).with_citations()


@list_and_detail("glossary", "glossary terms", "glossary term")
class TermViewSet(RecordViewSet):
    serializer_class = TermSerializer
    filterset_class = TermApiFilter

    def get_published(self):
        return Term.objects.published()

    def for_list(self, queryset):
        return queryset.for_list()


router = DefaultRouter()
router.register("exercises", ExerciseViewSet, basename="api-exercise")
router.register("policies", PolicyViewSet, basename="api-policy")
router.register("countries", CountryViewSet, basename="api-country")
router.register("series", SeriesViewSet, basename="api-series")
router.register("topics", ArticleViewSet, basename="api-topic")
router.register("bodies", BodyViewSet, basename="api-body")
router.register("meetings", MeetingViewSet, basename="api-meeting")
router.register("glossary", TermViewSet, basename="api-term")


# The documentation page (/api/) ----------------------------------------------------


@functools.cache
def schema():
    """Return the OpenAPI schema as a dict (the same as /api/v1/schema/ serves)."""
    return SchemaGenerator().get_schema(request=None, public=True)


def endpoints():
    """Return what /api/ lists, read from the schema: each path's summary and parameters."""
    listed = []
    for path, operations in schema()["paths"].items():
        operation = operations["get"]
        parameters = [
            {
                "name": parameter["name"],
                "where": parameter["in"],
                "description": parameter.get("description", ""),
                "type": parameter_type(parameter["schema"]),
                "choices": parameter["schema"].get("enum")
                or parameter["schema"].get("items", {}).get("enum")
                or [],
                "repeatable": parameter["schema"].get("type") == "array",
            }
            for parameter in operation.get("parameters", [])
        ]
        listed.append(
            {
                "path": path,
                "tag": operation.get("tags", [""])[0],
                "is_list": "{slug}" not in path and path != SCHEMA_PATH,
                "description": operation.get("description", ""),
                "parameters": parameters,
            }
        )
    return listed


def parameter_type(schema):
    if schema.get("type") == "array":
        return f"{schema['items'].get('type', 'string')}, repeatable"
    return schema.get("type", "string")


SCHEMA_PATH = "/api/v1/schema/"


class ApiDocsView(ReaderPageMixin, TemplateView):
    template_name = "topics/api.html"

    def get_context_data(self, **kwargs):
        listed = endpoints()
        by_tag = {}
        for endpoint in listed:
            by_tag.setdefault(endpoint["tag"], []).append(endpoint)
        return super().get_context_data(
            groups=[
                {"tag": tag, "endpoints": items} for tag, items in by_tag.items() if tag != "schema"
            ],
            page_size=PAGE_SIZE,
            max_page_size=MAX_PAGE_SIZE,
            **kwargs,
        )


class SchemaView(SpectacularAPIView):
    """The schema as YAML, or JSON with ?format=json; kept by the page cache like a page."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200 and set(request.query_params) <= {"format"}:
            response.page_query = clean_query(request.query_params)
        return response
