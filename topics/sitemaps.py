from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.urls import reverse

from .models import Body, Country, Exercise, ExerciseSeries, Meeting, Policy, Theme, Topic


class PublishedSitemap(Sitemap):
    model = None

    def items(self):
        return self.model.objects.published().order_by("pk")

    def lastmod(self, obj):
        return obj.updated_at


def published_sitemap(model, priority):
    return type(
        f"{model.__name__}Sitemap", (PublishedSitemap,), {"model": model, "priority": priority}
    )


class SectionSitemap(Sitemap):
    priority = 0.6

    def items(self):
        return [
            "topics:home", "topics:topic-list", "topics:exercise-list", "topics:policy-list",
            "topics:country-list", "topics:theme-list", "topics:series-list", "topics:body-list",
            "topics:meeting-list", "topics:timeline", "topics:about",
        ]  # fmt: skip

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "sections": SectionSitemap,
    "topics": published_sitemap(Topic, 0.9),
    "exercises": published_sitemap(Exercise, 0.8),
    "policies": published_sitemap(Policy, 0.8),
    "countries": published_sitemap(Country, 0.5),
    "themes": published_sitemap(Theme, 0.5),
    "series": published_sitemap(ExerciseSeries, 0.5),
    "bodies": published_sitemap(Body, 0.6),
    "meetings": published_sitemap(Meeting, 0.5),
}


def sitemap(request, **kwargs):
    """Django's sitemap view, marked as a reader page the page cache may keep."""
    response = sitemap_views.sitemap(request, **kwargs)
    response.page_query = "" if not request.GET else None
    return response
