from django.urls import path

from . import views
from .feeds import RecentUpdatesFeed
from .models import Body, Country, Exercise, ExerciseSeries, Meeting, Policy, Topic

app_name = "topics"

# Reader pages are cached for anonymous readers by topics.page_cache.PageCacheMiddleware.
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("topics/", views.TopicListView.as_view(), name="topic-list"),
    path("topics/<slug:slug>/", views.TopicDetailView.as_view(), name="topic-detail"),
    path("exercises/", views.ExerciseListView.as_view(), name="exercise-list"),
    path(
        "exercises/export.<str:fmt>", views.ExerciseDownloadView.as_view(), name="exercise-export"
    ),
    path("exercises/<slug:slug>/", views.ExerciseDetailView.as_view(), name="exercise-detail"),
    path("policies/", views.PolicyListView.as_view(), name="policy-list"),
    path("policies/export.<str:fmt>", views.PolicyDownloadView.as_view(), name="policy-export"),
    path("policies/<slug:slug>/", views.PolicyDetailView.as_view(), name="policy-detail"),
    path("countries/", views.CountryListView.as_view(), name="country-list"),
    path("countries/<slug:slug>/", views.CountryDetailView.as_view(), name="country-detail"),
    path("themes/", views.ThemeListView.as_view(), name="theme-list"),
    path("themes/<slug:slug>/", views.ThemeDetailView.as_view(), name="theme-detail"),
    path("series/", views.SeriesListView.as_view(), name="series-list"),
    path("series/<slug:slug>/", views.SeriesDetailView.as_view(), name="series-detail"),
    path("bodies/", views.BodyListView.as_view(), name="body-list"),
    path("bodies/<slug:slug>/", views.BodyDetailView.as_view(), name="body-detail"),
    path("meetings/", views.MeetingListView.as_view(), name="meeting-list"),
    path("meetings/export.<str:fmt>", views.MeetingDownloadView.as_view(), name="meeting-export"),
    path("meetings/<slug:slug>/", views.MeetingDetailView.as_view(), name="meeting-detail"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("timeline/", views.TimelineView.as_view(), name="timeline"),
    path("glossary/", views.TermListView.as_view(), name="glossary"),
    path("about/", views.AboutView.as_view(), name="about"),
    path("feed/", RecentUpdatesFeed(), name="feed"),
]

# Each record's citation as a file for reference managers: /exercises/<slug>/cite.bib, .ris.
CITED = [
    ("topics", Topic, "topic"),
    ("exercises", Exercise, "exercise"),
    ("policies", Policy, "policy"),
    ("countries", Country, "country"),
    ("series", ExerciseSeries, "series"),
    ("bodies", Body, "body"),
    ("meetings", Meeting, "meeting"),
]
urlpatterns += [
    path(
        f"{prefix}/<slug:slug>/cite.<str:fmt>",
        views.CitationFileView.as_view(model=model),
        name=f"{name}-cite",
    )
    for prefix, model, name in CITED
]
