"""Reader pages: each a template and one QuerySet call (see topics/models/).

Every reader page says which query string it answers (`page_query`), which
is what the page cache (topics/page_cache.py) keys on; list pages take it
from their FilterSet (topics/filters.py), which owns everything about
filtering. The downloads of a list are the list view itself in another
format (topics/downloads.py).
"""

from itertools import groupby

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.generic import DetailView, ListView, TemplateView
from django_filters.views import FilterView

from . import health, search
from .downloads import (
    EXERCISE_COLUMNS,
    MEETING_COLUMNS,
    POLICY_COLUMNS,
    DownloadMixin,
    exercise_row,
    meeting_row,
    policy_row,
)
from .filters import ExerciseFilter, MeetingFilter, PolicyFilter
from .history import change_log
from .markup import render_markdown
from .models import (
    Body,
    Country,
    Exercise,
    ExerciseSeries,
    Meeting,
    Participation,
    Policy,
    Theme,
    Topic,
)
from .page_cache import clean_query


class ReaderPageMixin:
    """Tell the page cache which query string the page answers.

    A page reads the parameters in `query_parameters` (none, by default); a
    request with any other is still answered, but its page is not cached.
    """

    query_parameters = ()

    def get_page_query(self):
        if set(self.request.GET) <= set(self.query_parameters):
            return clean_query(self.request.GET)
        return None

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response.page_query = self.get_page_query()
        return response


class RecordDetailView(ReaderPageMixin, DetailView):
    """A record's public page, with its change log; staff also see drafts (to preview them)."""

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user).for_detail()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["change_log"] = change_log(self.object)
        return context


def cited_text(record, text):
    """Render `text` with its `[@key]` citations numbered; return (html, references).

    The references are the record's citations: those cited in the text first, in
    order of first use, then any others attached to the record.
    """
    by_key = {citation.source.key: citation for citation in record.citations.all()}
    rendered = render_markdown(text, known_keys=set(by_key))
    ordered = [by_key[key] for key in rendered.cited_keys]
    ordered += [c for c in record.citations.all() if c.source.key not in rendered.cited_keys]
    return rendered, ordered


class HomeView(ReaderPageMixin, TemplateView):
    template_name = "topics/home.html"

    def get_context_data(self, **kwargs):
        recent = [
            *Topic.objects.published().recently_updated(4),
            *Exercise.objects.published().recently_updated(4),
            *Policy.objects.published().recently_updated(4),
        ]
        recent.sort(key=lambda record: record.updated_at, reverse=True)
        return super().get_context_data(
            counts={
                "topics": Topic.objects.published().count(),
                "exercises": Exercise.objects.published().sco_held().count(),
                "policies": Policy.objects.published().count(),
                "countries": Country.objects.published().count(),
            },
            recent=recent[:6],
            featured_topics=Topic.objects.published().order_by("title")[:6],
            themes=Theme.objects.published(),
            **kwargs,
        )


# Topics --------------------------------------------------------------------------


class TopicListView(ReaderPageMixin, ListView):
    paginate_by = settings.TOPICS_PAGE_SIZE
    context_object_name = "topics"

    query_parameters = ("page",)

    def get_queryset(self):
        return Topic.objects.visible_to(self.request.user).for_list()


class TopicDetailView(RecordDetailView):
    model = Topic
    context_object_name = "topic"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rendered, references = cited_text(self.object, self.object.body)
        context.update(body_html=rendered.html, toc=rendered.toc, references=references)
        return context


# Filtered lists: exercises and policies --------------------------------------------


class FilteredListView(ReaderPageMixin, FilterView):
    """A list page whose FilterSet decides what is shown, and explains what it ignored."""

    paginate_by = settings.TOPICS_PAGE_SIZE

    def get(self, request, *args, **kwargs):
        # An empty form field arrives as "name="; one URL for each filter state.
        if any(not value.strip() for _, values in request.GET.lists() for value in values):
            query = clean_query(request.GET)
            return HttpResponseRedirect(request.path + (f"?{query}" if query else ""))
        return super().get(request, *args, **kwargs)

    def get_page_query(self):
        return self.filterset.page_query


class ExerciseListView(FilteredListView):
    filterset_class = ExerciseFilter
    context_object_name = "exercises"
    template_name = "topics/exercise_list.html"

    def get_queryset(self):
        return Exercise.objects.published().for_cards()


class ExerciseDownloadView(DownloadMixin, ExerciseListView):
    columns = EXERCISE_COLUMNS
    row = staticmethod(exercise_row)


class ExerciseDetailView(RecordDetailView):
    model = Exercise
    context_object_name = "exercise"

    def get_context_data(self, **kwargs):
        exercise = self.object
        return super().get_context_data(
            other_editions=Exercise.objects.published().other_editions(exercise),
            related_topics=Topic.objects.published().discussing(exercise),
            related_policies=Policy.objects.published().sharing_themes_with(exercise),
            **kwargs,
        )


class PolicyListView(FilteredListView):
    filterset_class = PolicyFilter
    context_object_name = "policies"
    template_name = "topics/policy_list.html"

    def get_queryset(self):
        return Policy.objects.published().for_cards()


class PolicyDownloadView(DownloadMixin, PolicyListView):
    columns = POLICY_COLUMNS
    row = staticmethod(policy_row)


class PolicyDetailView(RecordDetailView):
    model = Policy
    context_object_name = "policy"

    def get_context_data(self, **kwargs):
        policy = self.object
        return super().get_context_data(
            body_html=render_markdown(policy.body).html,
            related_topics=Topic.objects.published().discussing(policy),
            related_policies=Policy.objects.published().sharing_themes_with(policy),
            **kwargs,
        )


# Countries, themes, series -------------------------------------------------------


class CountryListView(ReaderPageMixin, TemplateView):
    template_name = "topics/country_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            groups=Country.objects.published().for_list().grouped_by_current_status(), **kwargs
        )


class CountryDetailView(RecordDetailView):
    model = Country
    context_object_name = "country"

    def get_context_data(self, **kwargs):
        country = self.object
        return super().get_context_data(
            participations=Participation.objects.in_published_exercises().filter(country=country),
            policies=Policy.objects.published().with_party(country),
            topics=Topic.objects.published().discussing_country(country),
            **kwargs,
        )


class ThemeListView(ReaderPageMixin, ListView):
    template_name = "topics/theme_list.html"
    context_object_name = "themes"

    def get_queryset(self):
        return Theme.objects.published()


class ThemeDetailView(RecordDetailView):
    model = Theme
    context_object_name = "theme"

    def get_context_data(self, **kwargs):
        theme = self.object
        return super().get_context_data(
            topics=Topic.objects.published().with_theme(theme),
            exercises=Exercise.objects.published().with_theme(theme).for_cards(),
            policies=Policy.objects.published().with_theme(theme).for_cards(),
            series_list=ExerciseSeries.objects.published().with_theme(theme),
            **kwargs,
        )


class SeriesListView(ReaderPageMixin, ListView):
    template_name = "topics/series_list.html"
    context_object_name = "series_list"

    def get_queryset(self):
        return ExerciseSeries.objects.published().with_edition_counts()


class SeriesDetailView(RecordDetailView):
    model = ExerciseSeries
    context_object_name = "series"
    template_name = "topics/series_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            description_html=render_markdown(self.object.description).html,
            editions=Exercise.objects.published().editions_of(self.object).for_cards(),
            **kwargs,
        )


# Bodies and their meetings --------------------------------------------------------


class BodyListView(ReaderPageMixin, ListView):
    template_name = "topics/body_list.html"
    context_object_name = "bodies"

    def get_queryset(self):
        return Body.objects.published().for_cards()


class BodyDetailView(RecordDetailView):
    model = Body
    context_object_name = "body"

    def get_context_data(self, **kwargs):
        rendered, references = cited_text(self.object, self.object.description)
        return super().get_context_data(
            description_html=rendered.html,
            references=references,
            meetings=Meeting.objects.published().of_body(self.object),
            **kwargs,
        )


class MeetingListView(FilteredListView):
    filterset_class = MeetingFilter
    context_object_name = "meetings"
    template_name = "topics/meeting_list.html"

    def get_queryset(self):
        return Meeting.objects.published().for_cards()


class MeetingDownloadView(DownloadMixin, MeetingListView):
    columns = MEETING_COLUMNS
    row = staticmethod(meeting_row)


class MeetingDetailView(RecordDetailView):
    model = Meeting
    context_object_name = "meeting"

    def get_context_data(self, **kwargs):
        meeting = self.object
        return super().get_context_data(
            other_meetings=Meeting.objects.published().others_of_body(meeting),
            **kwargs,
        )


# Search and timeline -------------------------------------------------------------


class SearchView(ReaderPageMixin, TemplateView):
    """One list of every kind of record, best first (topics/search.py), paginated.

    `type` narrows it to one kind; each kind's count links there. A bad page or
    type is answered (page 1, or every kind) with a notice, never refused.
    """

    template_name = "topics/search.html"
    paginate_by = settings.TOPICS_PAGE_SIZE
    query_parameters = ("q", "type", "page")
    # The kinds with a list page of their own that filters by the same search.
    list_pages = {
        "exercise": "topics:exercise-list",
        "policy": "topics:policy-list",
        "meeting": "topics:meeting-list",
    }

    def get_query(self):
        return " ".join(self.request.GET.get("q", "")[: search.MAX_QUERY_LENGTH].split())

    def get_context_data(self, **kwargs):
        query = self.get_query()
        self.notices = []
        labels = {kind: label for kind, label, _ in search.sections()}
        kind = self.request.GET.get("type") or None
        if kind is not None and kind not in labels:
            shown = kind if len(kind) <= 40 else f"{kind[:40]}…"
            self.notices.append(f"“{shown}” is not a kind of record; showing every kind.")
            kind = None
        results = search.SiteSearch(query, kinds=None if kind is None else [kind])
        paginator = Paginator(results, self.paginate_by)
        number = self.request.GET.get("page", "1")
        try:
            page = paginator.page(number)
        except PageNotAnInteger:
            shown = number if len(number) <= 20 else f"{number[:20]}…"
            self.notices.append(f"“{shown}” is not a page number; showing page 1.")
            page = paginator.page(1)
        except EmptyPage:
            shown = 1 if int(number) < 1 else paginator.num_pages
            self.notices.append(f"There is no page {number[:20]}; showing page {shown}.")
            page = paginator.page(shown)
        counts = results.counts if query else {}
        facets = [
            {
                "kind": k,
                "label": labels[k],
                "count": counts[k],
                "url": "?" + urlencode({"q": query, "type": k}),
                "current": k == kind,
                "list_url": (
                    f"{reverse(self.list_pages[k])}?{urlencode({'q': query})}"
                    if k in self.list_pages
                    else None
                ),
            }
            for k in labels
            if counts.get(k)
        ]
        return super().get_context_data(
            query=query,
            kind=kind,
            kind_label=labels.get(kind),
            results=page.object_list,
            page_obj=page,
            paginator=paginator,
            facets=facets,
            total=sum(counts.values()),
            notices=self.notices,
            **kwargs,
        )

    def get_page_query(self):
        if self.notices:
            return None
        return super().get_page_query()


class TimelineView(ReaderPageMixin, TemplateView):
    template_name = "topics/timeline.html"
    choices = ("all", "exercises", "policies")
    query_parameters = ("show",)

    def get_show(self):
        show = self.request.GET.get("show", "all")
        return show if show in self.choices else "all"

    def get_page_query(self):
        if self.request.GET.get("show", "all") not in self.choices:
            return None
        return super().get_page_query()

    def get_context_data(self, **kwargs):
        show = self.get_show()
        events = []
        if show in {"all", "exercises"}:
            events += [
                {"date": exercise.start_date, "kind": "exercise", "record": exercise}
                for exercise in Exercise.objects.published()
            ]
        if show in {"all", "policies"}:
            events += [
                {"date": policy.signed_date, "kind": "policy", "record": policy}
                for policy in Policy.objects.published()
            ]
        events.sort(key=lambda event: event["date"])
        years = [
            {"year": year, "events": list(items)}
            for year, items in groupby(events, key=lambda event: event["date"].year)
        ]
        return super().get_context_data(years=years, show=show, **kwargs)


class AboutView(ReaderPageMixin, TemplateView):
    template_name = "topics/about.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            last_reviewed=Topic.objects.published().last_reviewed(), **kwargs
        )


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
