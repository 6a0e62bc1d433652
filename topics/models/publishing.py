"""What every record shares: timestamps, and the draft/published workflow.

"Public" is defined once, in `PublishableQuerySet.published()`: every reader
page, download, feed and sitemap starts there, so a draft cannot leak through
any door.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import models
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
    # The text fields `search()` looks in, by weight, set by each model's QuerySet:
    # "A" names and titles (shown as the result's title, and matched for near
    # spellings), "B" aliases, summaries, places, "C" the long texts. PostgreSQL keeps
    # them in the `search_vector` column that migration 0010 adds (topics/search.py).
    search_weights = {}

    def published(self):
        """Return what readers may see: published, and due by now."""
        return self.filter(status=Publishable.Status.PUBLISHED, published_at__lte=timezone.now())

    def visible_to(self, user):
        """Return everything for staff (so they can preview drafts), else published()."""
        if user.is_authenticated and user.is_staff:
            return self.all()
        return self.published()

    def search(self, text):
        """Return the records matching `text` (see topics/search.py), in the QuerySet's order.

        On PostgreSQL: the stored search vector, or every word in the names or aliases
        (typed in part or spelt nearly); on SQLite every word contained in the text (any
        order, any case). The site's search ranks across kinds (`search.SiteSearch`).
        """
        from ..search import matching

        return self.filter(matching(self.model, text))

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


# One alias a line: "ru: Мирная миссия", "zh-Hans: 和平使命" (a BCP 47 language tag,
# a colon, the name), or a name alone (in English, the page's language).
ALIAS_LINE = re.compile(r"^(?:(?P<lang>[a-z]{2,3}(?:-[A-Za-z]{2,4})?):\s+)?(?P<name>\S.*)$")


@dataclass(frozen=True)
class Alias:
    lang: str  # "" for a name in the page's own language
    name: str


def parse_aliases(text):
    """Return the Alias of each line of `text`; raise ValueError naming a bad line."""
    aliases = []
    for number, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        match = ALIAS_LINE.match(line)
        if not match or ":" in match["name"].split()[0]:
            raise ValueError(
                f"line {number} (“{line[:60]}”) is not “language: name”, "
                "e.g. “ru: Мирная миссия” or “zh-Hans: 和平使命”."
            )
        aliases.append(Alias(match["lang"] or "", match["name"].strip()))
    return aliases


def validate_aliases(text):
    try:
        parse_aliases(text)
    except ValueError as error:
        raise ValidationError(f"Aliases: {error}", code="invalid") from None


class Aliased(models.Model):
    """A record also known by other names: official titles in Russian and Chinese…"""

    aliases = models.TextField(
        blank=True,
        validators=[validate_aliases],
        help_text="Other names, one a line, each after its language tag: “ru: Мирная "
        "миссия”, “zh-Hans: 和平使命”. Shown as “Also known as” and found by search.",
    )

    class Meta:
        abstract = True

    @property
    def alias_list(self):
        try:
            return parse_aliases(self.aliases)
        except ValueError:
            return []
