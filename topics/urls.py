from django.urls import path

from . import exports, views
from .cache import cached_for_readers as cached
from .feeds import RecentUpdatesFeed

app_name = "topics"

urlpatterns = [
    path("", cached(views.HomeView.as_view()), name="home"),
    path("topics/", cached(views.TopicListView.as_view()), name="topic-list"),
    path("topics/<slug:slug>/", cached(views.TopicDetailView.as_view()), name="topic-detail"),
    path("exercises/", cached(views.ExerciseListView.as_view()), name="exercise-list"),
    path(
        "exercises/export.<str:fmt>",
        cached(exports.export),
        {"section": "exercises"},
        name="exercise-export",
    ),
    path(
        "exercises/<slug:slug>/", cached(views.ExerciseDetailView.as_view()), name="exercise-detail"
    ),
    path("policies/", cached(views.PolicyListView.as_view()), name="policy-list"),
    path(
        "policies/export.<str:fmt>",
        cached(exports.export),
        {"section": "policies"},
        name="policy-export",
    ),
    path("policies/<slug:slug>/", cached(views.PolicyDetailView.as_view()), name="policy-detail"),
    path("countries/", cached(views.CountryListView.as_view()), name="country-list"),
    path(
        "countries/<slug:slug>/", cached(views.CountryDetailView.as_view()), name="country-detail"
    ),
    path("themes/", cached(views.ThemeListView.as_view()), name="theme-list"),
    path("themes/<slug:slug>/", cached(views.ThemeDetailView.as_view()), name="theme-detail"),
    path("series/", cached(views.SeriesListView.as_view()), name="series-list"),
    path("series/<slug:slug>/", cached(views.SeriesDetailView.as_view()), name="series-detail"),
    path("search/", cached(views.SearchView.as_view()), name="search"),
    path("timeline/", cached(views.TimelineView.as_view()), name="timeline"),
    path("about/", cached(views.AboutView.as_view()), name="about"),
    path("feed/", cached(RecentUpdatesFeed()), name="feed"),
]
