"""What every record shares: timestamps, and the draft/published workflow.

"Public" is defined once, in `PublishableQuerySet.published()`: every reader
page, download, feed and sitemap starts there, so a draft cannot leak through
any door.
"""

from functools import lru_cache

from django.db import models
from django.db.models import Q
from django.urls import get_script_prefix, reverse
from django.utils import timezone


def page_url(viewname, *args):
    """`reverse(viewname, args=args)`, worked out once per process for each page.

    A list page links twenty records and a detail page dozens, and `reverse()`
    is among the dearest calls in a request; the answer depends only on the
    arguments and the script prefix, so it is kept (for the most recent pages).
    """
    return _page_url(get_script_prefix(), viewname, args)


@lru_cache(maxsize=16384)
def _page_url(prefix, viewname, args):
    return reverse(viewname, args=args)


class Timestamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class PublishableQuerySet(models.QuerySet):
    # The text fields `search()` looks in, set by each model's QuerySet.
    search_fields = ()

    def published(self):
        """Return what readers may see: published, and due by now."""
        return self.filter(status=Publishable.Status.PUBLISHED, published_at__lte=timezone.now())

    def visible_to(self, user):
        """Return everything for staff (so they can preview drafts), else published()."""
        if user.is_authenticated and user.is_staff:
            return self.all()
        return self.published()

    def search(self, text):
        """Return the records whose text fields contain `text` (any case)."""
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": text})
        return self.filter(condition)

    def recently_updated(self, limit):
        return self.order_by("-updated_at")[:limit]


class Publishable(Timestamped):
    """Draft/published workflow; the bookkeeping `load_content` relies on."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
        help_text="Readers only ever see published records; drafts are visible to staff.",
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set automatically when first published. A future time schedules it.",
    )

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True
        # "publish_<model>": only Publishers may publish, unpublish, delete and restore.
        default_permissions = ("add", "change", "delete", "view", "publish")

    def save(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            # To the second, as the admin's widgets show it.
            self.published_at = timezone.now().replace(microsecond=0)
        super().save(*args, **kwargs)

    @property
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )
