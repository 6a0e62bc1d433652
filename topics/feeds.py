from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from .models import Exercise, Policy, Topic

FEED_SIZE = 30


class RecentUpdatesFeed(Feed):
    """Articles, exercises and documents, most recently updated first."""

    feed_type = Atom1Feed
    title = "SCO Military Cooperation Reference: recent updates"
    link = reverse_lazy("topics:home")
    subtitle = "New and updated articles, exercises, treaties and agreements."

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # A reader page the page cache may keep (topics/page_cache.py).
        response.page_query = "" if not request.GET else None
        return response

    def items(self):
        records = [
            *Topic.objects.published().recently_updated(FEED_SIZE),
            *Exercise.objects.published().recently_updated(FEED_SIZE),
            *Policy.objects.published().recently_updated(FEED_SIZE),
        ]
        return sorted(records, key=lambda record: record.updated_at, reverse=True)[:FEED_SIZE]

    def item_title(self, item):
        return f"{item._meta.verbose_name.capitalize()}: {item}"

    def item_description(self, item):
        if isinstance(item, Exercise):
            return f"{item.dates_display}. {item.location}".strip()
        return item.summary

    def item_updateddate(self, item):
        return item.updated_at

    def item_pubdate(self, item):
        return item.published_at
