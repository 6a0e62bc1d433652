from itertools import groupby

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.views.generic import DetailView, ListView, TemplateView
from django_filters.views import FilterView

from . import health
from .filters import ExerciseFilter, PolicyFilter
from .markdown import render_markdown
from .models import (
    Country,
    Exercise,
    ExerciseSeries,
    Membership,
    Participation,
    Policy,
    PolicyRelation,
    Theme,
    Topic,
)
from .queries import (
    CITATIONS,
    change_log,
    exercise_cards,
    policies_sharing_themes,
    policy_cards,
    published_countries_discussed,
    published_parties,
    published_themes,
)


class VisibleMixin:
    """Published records for readers; staff also see drafts (to preview them)."""

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)


class RecordDetailView(VisibleMixin, DetailView):
    """A record's public page, with its change log (includes/change_log.html)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["change_log"] = change_log(self.object)
        return context


class HomeView(TemplateView):
    template_name = "topics/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = {
            "topics": Topic.objects.published().count(),
            "exercises": Exercise.objects.published()
            .filter(held=True)
            .exclude(framework=Exercise.Framework.OUTSIDE_SCO)
            .count(),
            "policies": Policy.objects.published().count(),
            "countries": Country.objects.published().count(),
        }
        recent = [
            *Topic.objects.published().order_by("-updated_at")[:4],
            *Exercise.objects.published().order_by("-updated_at")[:4],
            *Policy.objects.published().order_by("-updated_at")[:4],
        ]
        recent.sort(key=lambda record: record.updated_at, reverse=True)
        context.update(
            counts=counts,
            recent=recent[:6],
            featured_topics=Topic.objects.published().order_by("title")[:6],
            themes=Theme.objects.published(),
        )
        return context


# Topics --------------------------------------------------------------------------


class TopicListView(VisibleMixin, ListView):
    model = Topic
    paginate_by = settings.TOPICS_PAGE_SIZE
    context_object_name = "topics"

    def get_queryset(self):
        return super().get_queryset().prefetch_related(published_themes(Topic))


class TopicDetailView(RecordDetailView):
    model = Topic
    context_object_name = "topic"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .prefetch_related(
                CITATIONS,
                published_themes(Topic),
                published_countries_discussed(),
                Prefetch("related_topics", queryset=Topic.objects.published()),
                Prefetch("exercises", queryset=Exercise.objects.published()),
                Prefetch("policies", queryset=Policy.objects.published()),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        topic = self.object
        by_key = {c.source.key: c for c in topic.citations.all()}
        rendered = render_markdown(topic.body, known_keys=set(by_key))
        # Inline citations first, in order of first use, then any others attached.
        ordered = [by_key[key] for key in rendered.cited_keys]
        ordered += [c for c in topic.citations.all() if c.source.key not in rendered.cited_keys]
        context.update(body_html=rendered.html, toc=rendered.toc, references=ordered)
        return context


# Exercises ---------------------------------------------------------------------


class CleanQueryStringMixin:
    """Redirect to a URL without empty parameters, so each filter state is one URL."""

    def get(self, request, *args, **kwargs):
        params = request.GET
        if any(not value.strip() for key in params for value in params.getlist(key)):
            clean = params.copy()
            for key in list(clean):
                values = [value for value in clean.getlist(key) if value.strip()]
                if values:
                    clean.setlist(key, values)
                else:
                    del clean[key]
            query = clean.urlencode()
            return HttpResponseRedirect(request.path + (f"?{query}" if query else ""))
        return super().get(request, *args, **kwargs)


class FilteredListView(CleanQueryStringMixin, FilterView):
    paginate_by = settings.TOPICS_PAGE_SIZE
    strict = False  # invalid values are ignored and explained (LenientFilterSet)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["active_filters"] = active_filters(self.request, self.filterset)
        context["notices"] = self.filterset.notices
        return context


def active_filters(request, filterset):
    """Return (label, value, URL without it) for each filter value in use."""
    active = []
    form = filterset.form
    for name, field in form.fields.items():
        if name == "sort":
            continue
        for value in request.GET.getlist(name):
            if name not in form.cleaned_data or form.cleaned_data[name] in (None, "", []):
                continue
            remaining = request.GET.copy()
            remaining.setlist(name, [v for v in request.GET.getlist(name) if v != value])
            remaining.pop("page", None)
            display = value
            if hasattr(field, "choices"):
                display = dict((str(k), v) for k, v in field.choices).get(value, value)
            if hasattr(field, "queryset"):
                match = [
                    obj
                    for obj in _as_list(form.cleaned_data[name])
                    if str(getattr(obj, field.to_field_name or "pk")) == value
                ]
                display = str(match[0]) if match else value
            query = remaining.urlencode()
            active.append(
                {
                    "label": field.label,
                    "value": display,
                    "remove_url": request.path + (f"?{query}" if query else ""),
                }
            )
    return active


def _as_list(value):
    return list(value) if hasattr(value, "__iter__") and not isinstance(value, str) else [value]


class ExerciseListView(FilteredListView):
    model = Exercise
    filterset_class = ExerciseFilter
    context_object_name = "exercises"
    template_name = "topics/exercise_list.html"

    def get_queryset(self):
        return exercise_cards(Exercise.objects.published())


class ExerciseDetailView(RecordDetailView):
    model = Exercise
    context_object_name = "exercise"

    def get_queryset(self):
        return exercise_cards(super().get_queryset()).prefetch_related(
            CITATIONS, published_themes(Exercise)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        exercise = self.object
        # `series` is None when the exercise's series is a draft (see published_series).
        context["other_editions"] = (
            Exercise.objects.published().filter(series=exercise.series).exclude(pk=exercise.pk)
            if exercise.series is not None
            else Exercise.objects.none()
        )
        context["related_topics"] = Topic.objects.published().filter(exercises=exercise)
        context["related_policies"] = policies_sharing_themes(exercise)
        return context


# Policies ----------------------------------------------------------------------


class PolicyListView(FilteredListView):
    model = Policy
    filterset_class = PolicyFilter
    context_object_name = "policies"
    template_name = "topics/policy_list.html"

    def get_queryset(self):
        return policy_cards(Policy.objects.published())


class PolicyDetailView(RecordDetailView):
    model = Policy
    context_object_name = "policy"

    def get_queryset(self):
        published_relations = PolicyRelation.objects.filter(
            from_policy__in=Policy.objects.published(), to_policy__in=Policy.objects.published()
        )
        return (
            super()
            .get_queryset()
            .prefetch_related(
                CITATIONS,
                published_themes(Policy),
                published_parties(),
                Prefetch(
                    "outgoing_relations",
                    queryset=published_relations.select_related("to_policy"),
                ),
                Prefetch(
                    "incoming_relations",
                    queryset=published_relations.select_related("from_policy"),
                ),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy = self.object
        context["body_html"] = render_markdown(policy.body).html
        context["related_topics"] = Topic.objects.published().filter(policies=policy)
        context["related_policies"] = policies_sharing_themes(policy, exclude=policy)
        return context


# Countries, themes, series -------------------------------------------------------


class CountryListView(ListView):
    template_name = "topics/country_list.html"

    def get_queryset(self):
        return Country.objects.published().prefetch_related("memberships")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = [choice for choice, _ in Membership.Status.choices]
        groups = {}
        for country in context["object_list"]:
            current = country.current_membership()
            key = current.status if current else "former"
            groups.setdefault(key, []).append(country)
        labels = dict(Membership.Status.choices)
        context["groups"] = [
            {"status": status, "label": labels.get(status, "Former"), "countries": groups[status]}
            for status in [*order, "former"]
            if status in groups
        ]
        return context


class CountryDetailView(RecordDetailView):
    model = Country
    context_object_name = "country"

    def get_queryset(self):
        memberships = Membership.objects.prefetch_related(CITATIONS)
        return (
            super()
            .get_queryset()
            .prefetch_related(Prefetch("memberships", queryset=memberships), CITATIONS)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        country = self.object
        context["participations"] = (
            Participation.objects.filter(country=country, exercise__in=Exercise.objects.published())
            .select_related("exercise")
            .order_by("-exercise__start_date")
        )
        context["policies"] = Policy.objects.published().filter(party_links__country=country)
        context["topics"] = Topic.objects.published().filter(country_links__country=country)
        return context


class ThemeListView(ListView):
    template_name = "topics/theme_list.html"
    context_object_name = "themes"

    def get_queryset(self):
        return Theme.objects.published()


class ThemeDetailView(RecordDetailView):
    model = Theme
    context_object_name = "theme"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        theme = self.object
        context["topics"] = Topic.objects.published().filter(theme_links__theme=theme)
        context["exercises"] = exercise_cards(
            Exercise.objects.published().filter(theme_links__theme=theme)
        )
        context["policies"] = policy_cards(
            Policy.objects.published().filter(theme_links__theme=theme)
        )
        context["series_list"] = ExerciseSeries.objects.published().filter(theme_links__theme=theme)
        return context


class SeriesListView(ListView):
    template_name = "topics/series_list.html"
    context_object_name = "series_list"

    def get_queryset(self):
        return ExerciseSeries.objects.published().annotate(
            edition_count=Count("exercises", filter=Q(exercises__in=Exercise.objects.published()))
        )


class SeriesDetailView(RecordDetailView):
    model = ExerciseSeries
    context_object_name = "series"
    template_name = "topics/series_detail.html"

    def get_queryset(self):
        return super().get_queryset().prefetch_related(CITATIONS, published_themes(ExerciseSeries))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["description_html"] = render_markdown(self.object.description).html
        context["editions"] = exercise_cards(
            Exercise.objects.published().filter(series=self.object).order_by("start_date")
        )
        return context


# Search and timeline -------------------------------------------------------------


class SearchView(TemplateView):
    template_name = "topics/search.html"
    per_type = 20

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()[:200]
        sections = []
        if query:
            searches = [
                ("Topics", "topic", Topic, ["title", "summary", "body"]),
                ("Exercises", "exercise", Exercise, ["name", "location", "description"]),
                ("Policies", "policy", Policy, ["title", "short_name", "summary", "body"]),
                ("Countries", "country", Country, ["name", "iso_code", "summary"]),
                ("Themes", "theme", Theme, ["name", "description"]),
                ("Exercise series", "series", ExerciseSeries, ["name", "description"]),
            ]
            for label, kind, model, fields in searches:
                condition = Q()
                for field in fields:
                    condition |= Q(**{f"{field}__icontains": query})
                results = list(model.objects.published().filter(condition)[: self.per_type])
                if results:
                    sections.append({"label": label, "kind": kind, "results": results})
        context.update(
            query=query,
            sections=sections,
            total=sum(len(section["results"]) for section in sections),
        )
        return context


class TimelineView(TemplateView):
    template_name = "topics/timeline.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        show = self.request.GET.get("show", "all")
        if show not in {"all", "exercises", "policies"}:
            show = "all"
        events = []
        if show in {"all", "exercises"}:
            for exercise in exercise_cards(Exercise.objects.published()):
                events.append({"date": exercise.start_date, "kind": "exercise", "record": exercise})
        if show in {"all", "policies"}:
            for policy in Policy.objects.published():
                events.append({"date": policy.signed_date, "kind": "policy", "record": policy})
        events.sort(key=lambda event: event["date"])
        context["years"] = [
            {"year": year, "events": list(items)}
            for year, items in groupby(events, key=lambda event: event["date"].year)
        ]
        context["show"] = show
        return context


class AboutView(TemplateView):
    template_name = "topics/about.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["last_reviewed"] = (
            Topic.objects.published()
            .order_by("-last_reviewed")
            .values_list("last_reviewed", flat=True)
            .first()
        )
        return context


# Admin -------------------------------------------------------------------------


def content_health(request):
    """List what needs attention; served inside the admin (see sco_site/urls.py)."""
    if not health.can_view(request.user):
        raise PermissionDenied
    context = {
        **admin.site.each_context(request),
        "title": "Content health",
        "sections": health.sections(),
    }
    return TemplateResponse(request, "admin/content_health.html", context)
