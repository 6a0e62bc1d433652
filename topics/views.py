"""Reader pages: each a template and one QuerySet call (see topics/models/).

Every reader page says which query string it answers (`page_query`), which
is what the page cache (topics/page_cache.py) keys on; list pages take it
from their FilterSet (topics/filters.py), which owns everything about
filtering. The downloads of a list are the list view itself in another
format (topics/downloads.py).
"""

import datetime
from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models.functions import Lower
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.generic import DetailView, ListView, TemplateView
from django_filters.views import FilterView

from . import health, search
from .citations import citable, record_citation
from .content_version import ContentStateMemo
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
    Policy,
    Term,
    Theme,
    Topic,
)
from .models.publishing import page_url
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


# How many related records a detail page lists; the rest are a link to the filtered list.
RELATED_LIMIT = 20


@dataclass
class Related:
    """A bounded list of related records: the first `limit`, how many there are, and where
    the list of them all is (a filtered list page), if there is one.

    A detail page never reads, sorts or counts in Python more records than it shows,
    however many there are: one query for the records shown, one COUNT (an index scan).
    """

    records: list
    total: int
    all_url: str = ""
    # How many the list at `all_url` has, when it finds fewer than `total`.
    all_total: int | None = None

    @classmethod
    def of(cls, queryset, all_url="", limit=RELATED_LIMIT, listed=None):
        """The first `limit` of `queryset`; `listed`, what the list at `all_url` finds, if
        not all of them (it is then counted too)."""
        # Counted even when fewer than the limit are shown: a page runs the same
        # queries whatever the number of records.
        return cls(
            records=list(queryset[:limit]),
            total=queryset.count(),
            all_url=all_url,
            all_total=listed.count() if listed is not None else None,
        )

    @property
    def more(self):
        return self.total > len(self.records)

    @property
    def listed(self):
        """How many the list at `all_url` shows."""
        return self.total if self.all_total is None else self.all_total

    def __iter__(self):
        return iter(self.records)

    def __len__(self):
        return len(self.records)

    def __bool__(self):
        return bool(self.records)


def list_url(viewname, **query):
    return f"{page_url(viewname)}?{urlencode(query)}"


class RecordDetailView(ReaderPageMixin, DetailView):
    """A record's public page, with its change log; staff also see drafts (to preview them)."""

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user).for_detail()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["change_log"] = change_log(self.object)
        if citable(self.object):
            # The "Cite this" block, the citation_* meta tags and the JSON-LD.
            context["citation"] = record_citation(self.object, self.request)
        return context


class CitationFileView(ReaderPageMixin, DetailView):
    """A published record's citation as a BibTeX or RIS file (topics/citations.py)."""

    formats = {
        "bib": ("application/x-bibtex", "bibtex"),
        "ris": ("application/x-research-info-systems", "ris"),
    }

    def get_queryset(self):
        # Drafts are not cited, even for staff previewing them.
        return self.model.objects.published()

    def get(self, request, *args, **kwargs):
        if kwargs["fmt"] not in self.formats:
            raise Http404("No such citation format.")
        content_type, method = self.formats[kwargs["fmt"]]
        citation = record_citation(self.get_object(), request)
        response = HttpResponse(
            getattr(citation, method)(), content_type=f"{content_type}; charset=utf-8"
        )
        filename = f"{citation.record.slug}.{kwargs['fmt']}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response.page_query = self.get_page_query()
        return response


@dataclass
class Reference:
    """One entry of a references list: a citation, and the links back to where it is cited."""

    source: object
    note: str
    backlinks: list


def cited_text(record, text):
    """Render `text` with its `[@key]` citations numbered; return (html, references).

    The references are the record's citations: those cited in the text first, in
    order of first use (each with its links back to the markers), then any others
    attached to the record.
    """
    by_key = {citation.source.key: citation for citation in record.citations.all()}
    rendered = render_markdown(text, known_keys=set(by_key))
    ordered = [by_key[key] for key in rendered.cited_keys]
    ordered += [c for c in record.citations.all() if c.source.key not in rendered.cited_keys]
    references = [Reference(c.source, c.note, rendered.backlinks(c.source.key)) for c in ordered]
    return rendered, references


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
            counts=home_counts.get(
                getattr(self.request, "content_key", None), "counts", self.get_counts
            ),
            recent=recent[:6],
            featured_topics=Topic.objects.published().order_by("title")[:6],
            themes=Theme.objects.published(),
            **kwargs,
        )

    @staticmethod
    def get_counts():
        return {
            "topics": Topic.objects.published().count(),
            "exercises": Exercise.objects.published().sco_held().count(),
            "policies": Policy.objects.published().count(),
            "countries": Country.objects.published().count(),
        }


# The home page's counts change only with the content (a count of 100,000 exercises
# took 48 ms of every uncached home page).
home_counts = ContentStateMemo()


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
        series = exercise.series
        return super().get_context_data(
            other_editions=Related.of(
                Exercise.objects.published().other_editions(exercise),
                list_url("topics:exercise-list", series=series.slug) if series else "",
            ),
            related_topics=Related.of(Topic.objects.published().discussing(exercise)),
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
            framed_exercises=Related.of(
                Exercise.objects.published().held_under(policy),
                list_url("topics:exercise-list", agreement=policy.slug),
            ),
            related_topics=Related.of(Topic.objects.published().discussing(policy)),
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
            # Observers are listed too; the list's "taking part" filter finds hosts
            # and participants, so its link says how many of those there are.
            participations=Related.of(
                Exercise.objects.published().with_country(country),
                list_url("topics:exercise-list", country=country.iso_code),
                listed=Exercise.objects.published().with_country(country, taking_part=True),
            ),
            policies=Related.of(
                Policy.objects.published().with_party(country),
                list_url("topics:policy-list", party=country.iso_code),
            ),
            topics=Related.of(Topic.objects.published().discussing_country(country)),
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
            topics=Related.of(Topic.objects.published().with_theme(theme)),
            exercises=Related.of(
                Exercise.objects.published().with_theme(theme).for_cards(),
                list_url("topics:exercise-list", theme=theme.slug),
            ),
            policies=Related.of(
                Policy.objects.published().with_theme(theme).for_cards(),
                list_url("topics:policy-list", theme=theme.slug),
            ),
            series_list=Related.of(ExerciseSeries.objects.published().with_theme(theme)),
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
            editions=Related.of(
                # The latest editions, newest first.
                Exercise.objects.published()
                .editions_of(self.object)
                .order_by("-start_date", "name")
                .for_series_table(),
                list_url("topics:exercise-list", series=self.object.slug),
            ),
            **kwargs,
        )


# Bodies and their meetings --------------------------------------------------------


# A body's page lists its meetings oldest first: the longest-running bodies have met
# some thirty times; more than this and the rest are a link to the meetings list.
BODY_MEETINGS_LIMIT = 60


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
            meetings=Related.of(
                Meeting.objects.published().of_body(self.object),
                list_url("topics:meeting-list", body=self.object.slug),
                limit=BODY_MEETINGS_LIMIT,
            ),
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
            other_meetings=Related.of(
                Meeting.objects.published().others_of_body(meeting),
                list_url("topics:meeting-list", body=meeting.body.slug),
                limit=BODY_MEETINGS_LIMIT,
            ),
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
    """Exercises and documents in date order, a page at a time: `?from=YEAR` starts a page.

    A page holds at most `page_size` events and whole years (the year that would
    overflow it starts the next page), so it reads at most `page_size + 1` rows
    of each kind, whatever the number of records. A single year with more than
    that is cut, with links to the lists of that year for the rest.
    """

    template_name = "topics/timeline.html"
    choices = ("all", "exercises", "policies")
    query_parameters = ("show", "from")
    page_size = 200

    def get_show(self):
        show = self.request.GET.get("show", "all")
        return show if show in self.choices else "all"

    def get_from(self):
        value = self.request.GET.get("from", "")
        if value.isdigit() and 1 <= int(value) <= 9999:
            return int(value)
        return None

    def get_page_query(self):
        if self.request.GET.get("show", "all") not in self.choices:
            return None
        if "from" in self.request.GET and self.get_from() is None:
            return None
        return super().get_page_query()

    def get_context_data(self, **kwargs):
        show, start = self.get_show(), self.get_from()
        since = datetime.date(start, 1, 1) if start else None
        limit = self.page_size + 1
        events = []
        if show in {"all", "exercises"}:
            exercises = Exercise.objects.published().order_by("start_date", "name")
            if since:
                exercises = exercises.filter(start_date__gte=since)
            events += [
                {"date": exercise.start_date, "kind": "exercise", "record": exercise}
                for exercise in exercises[:limit]
            ]
        if show in {"all", "policies"}:
            policies = Policy.objects.published().order_by("signed_date", "short_name")
            if since:
                policies = policies.filter(signed_date__gte=since)
            events += [
                {"date": policy.signed_date, "kind": "policy", "record": policy}
                for policy in policies[:limit]
            ]
        events.sort(key=lambda event: event["date"])
        next_year, cut_year = None, None
        if len(events) > self.page_size:
            # Read one past the page: more follow. Keep whole years if there are several.
            overflow = events[self.page_size]["date"].year
            if events[0]["date"].year < overflow:
                events = [event for event in events if event["date"].year < overflow]
                next_year = overflow
            else:
                events = events[: self.page_size]
                cut_year, next_year = overflow, overflow + 1
        years = [
            {"year": year, "events": list(items)}
            for year, items in groupby(events, key=lambda event: event["date"].year)
        ]
        query = {"show": show} if show != "all" else {}
        cut = None
        if cut_year:
            span = {"year_from": cut_year, "year_to": cut_year, "sort": "date"}
            cut = {
                "year": cut_year,
                "exercises_url": list_url("topics:exercise-list", **span),
                "policies_url": list_url("topics:policy-list", **span),
            }
        return super().get_context_data(
            years=years,
            show=show,
            start=start,
            cut=cut,
            next_url=f"?{urlencode({**query, 'from': next_year})}" if next_year else "",
            first_url=f"?{urlencode(query)}" if query else self.request.path,
            **kwargs,
        )


class TermListView(ReaderPageMixin, ListView):
    """The glossary: every published term, alphabetical, with an A–Z list of its letters."""

    template_name = "topics/term_list.html"
    context_object_name = "terms"

    def get_queryset(self):
        return Term.objects.published().for_list().order_by(Lower("term"), "term")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        letters = {}
        for term in context["terms"]:
            letters.setdefault(term_letter(term), []).append(term)
        context["letters"] = [
            {"letter": letter, "terms": terms} for letter, terms in letters.items()
        ]
        return context


def term_letter(term):
    """Return the letter a term is listed under: its first letter, "#" for a digit or sign."""
    first = term.term.lstrip("“\"'(")[:1].upper()
    return first if first.isalpha() else "#"


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
