"""The shared vocabulary: themes, countries (with their SCO status), series, domains.

References to a theme or country go through link tables whose foreign keys
PROTECT the target, so one still in use cannot be deleted (the admin explains
what still uses it). Readers only ever see *published* vocabulary: a draft
theme, country or series linked from a published record is left out.
"""

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce, Length
from django.db.models.lookups import Exact

from ..partial_dates import PartialDateField, PrecisionField
from .publishing import Aliased, Publishable, PublishableQuerySet, page_url
from .sources import Citation, Cited, CitedQuerySet


class ThemeQuerySet(PublishableQuerySet):
    search_weights = {"A": ("name",), "C": ("description",)}

    def for_detail(self):
        return self  # the page lists the theme's records, each its own query


class Theme(Publishable):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    objects = ThemeQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return page_url("topics:theme-detail", self.slug)


class ThemeLink(models.Model):
    """One theme of one record (topic, exercise, policy or series)."""

    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="links")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")

    class Meta:
        ordering = ["id"]
        verbose_name = "theme"
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            # A theme's records of one kind (its page; the theme filter).
            models.Index(fields=["theme", "content_type", "object_id"], name="themelink_theme_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "theme"], name="theme_link_unique_per_record"
            )
        ]

    def __str__(self):
        return str(self.theme)


class ThemedQuerySet(CitedQuerySet, PublishableQuerySet):
    """Published, cited records that carry themes."""

    def with_published_themes(self):
        """Prefetch `record.published_theme_links`: the links to published themes."""
        links = ThemeLink.objects.filter(theme__in=Theme.objects.published())
        return self.prefetch_related(
            Prefetch(
                "theme_links",
                queryset=links.select_related("theme"),
                to_attr="published_theme_links",
            )
        )

    def with_theme(self, theme):
        return self.filter(theme_links__theme=theme)


class Themed(Cited):
    theme_links = GenericRelation(ThemeLink)

    class Meta:
        abstract = True


class CountryQuerySet(CitedQuerySet, PublishableQuerySet):
    search_weights = {"A": ("name", "iso_code"), "B": ("aliases",), "C": ("summary",)}

    def for_list(self):
        return self.prefetch_related("memberships")

    def grouped_by_current_status(self):
        """Return [{status, label, countries}], in the order of `Membership.Status`.

        Countries with no current status come last, as "Former".
        """
        groups = {}
        for country in self:
            current = country.current_membership()
            groups.setdefault(current.status if current else "former", []).append(country)
        labels = dict(Membership.Status.choices)
        return [
            {"status": status, "label": labels.get(status, "Former"), "countries": groups[status]}
            for status in [*Membership.Status.values, "former"]
            if status in groups
        ]

    def for_detail(self):
        memberships = Membership.objects.prefetch_related(
            Prefetch("citations", queryset=Citation.objects.select_related("source"))
        )
        return self.with_citations().prefetch_related(Prefetch("memberships", queryset=memberships))


class Country(Publishable, Aliased, Cited):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    iso_code = models.CharField(
        "ISO code",
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", "Use the two capital letters of ISO 3166-1.")],
        help_text="ISO 3166-1 alpha-2 code, e.g. CN, RU, KZ.",
    )
    summary = models.TextField(blank=True)

    objects = CountryQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("iso_code"), 2), name="country_iso_code_two_letters"
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return page_url("topics:country-detail", self.slug)

    def current_membership(self):
        """Return the open status, from memberships prefetched by `for_list()`."""
        open_ones = [m for m in self.memberships.all() if m.end_date is None]
        return open_ones[-1] if open_ones else None


class Membership(Cited):
    """One period of a country's SCO status: observer, then member, …"""

    class Status(models.TextChoices):
        FOUNDING_MEMBER = "founding-member", "Founding member"
        MEMBER = "member", "Member state"
        OBSERVER = "observer", "Observer"
        DIALOGUE_PARTNER = "dialogue-partner", "Dialogue partner"
        PARTNER = "partner", "SCO partner"

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="memberships")
    status = models.CharField(max_length=20, choices=Status.choices)
    start_date = PartialDateField(precision_field="start_precision")
    start_precision = PrecisionField()
    end_date = PartialDateField(
        null=True,
        blank=True,
        precision_field="end_precision",
        end=True,
        help_text="Leave empty while the status is current.",
    )
    end_precision = PrecisionField()
    note = models.TextField(blank=True, help_text="E.g. where sources disagree on a date.")

    class Meta:
        ordering = ["start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="membership_end_after_start",
            )
        ]

    def __str__(self):
        return f"{self.country}: {self.get_status_display()} ({self.period_display})"

    def get_absolute_url(self):
        return self.country.get_absolute_url()

    def clean(self):
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The status cannot end before it starts."})

    @property
    def period_display(self):
        if self.end_date is None:
            return f"since {self.start_display}"
        return f"{self.start_display} – {self.end_display}"


class SeriesQuerySet(ThemedQuerySet):
    search_weights = {"A": ("name",), "B": ("aliases",), "C": ("description",)}

    def with_edition_counts(self):
        from .exercises import Exercise

        # A count per series, each read from the index on (series, status, published_at)
        # alone, rather than one join and GROUP BY over every exercise.
        editions = (
            Exercise.objects.published()
            .filter(series=OuterRef("pk"))
            .order_by()
            .values("series")
            .annotate(count=Count("series"))  # a column of the index: no table read
            .values("count")
        )
        return self.annotate(edition_count=Coalesce(Subquery(editions), 0))

    def for_detail(self):
        return self.with_citations().with_published_themes()


class ExerciseSeries(Publishable, Aliased, Themed):
    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=150, unique=True)
    description = models.TextField(blank=True, help_text="Markdown.")

    objects = SeriesQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ["name"]
        verbose_name = "exercise series"
        verbose_name_plural = "exercise series"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return page_url("topics:series-detail", self.slug)


class Domain(models.Model):
    """Land, air, naval or cyber: a fixed list created by a migration."""

    name = models.CharField(max_length=30, unique=True)
    slug = models.SlugField(max_length=30, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
