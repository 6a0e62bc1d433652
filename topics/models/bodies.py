"""The standing bodies of the SCO's security cooperation, and their meetings.

A body (the Council of Defence Ministers, the RATS Council…) meets again and
again; each meeting adopts documents (policies) and orders or reviews drills
(exercises). Readers only ever see published bodies, the published meetings
of published bodies, and the published records and countries they link to.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, F, Prefetch, Q

from ..partial_dates import PartialDateField, PrecisionField
from .exercises import Exercise
from .policies import Policy
from .publishing import Aliased, Publishable, PublishableQuerySet, page_url
from .sources import Cited, CitedQuerySet
from .vocabulary import Country, Themed, ThemedQuerySet


class BodyQuerySet(ThemedQuerySet):
    search_weights = {"A": ("short_name", "name"), "B": ("aliases", "seat"), "C": ("description",)}

    def for_cards(self):
        """Annotate `meeting_count`: the body's published meetings."""
        published = Meeting.objects.published()
        return self.annotate(
            meeting_count=Count("meetings", filter=Q(meetings__in=published), distinct=True)
        )

    def for_detail(self):
        return self.with_citations().with_published_themes()


class Body(Publishable, Aliased, Themed):
    name = models.CharField(max_length=200, unique=True, help_text="Full name in English.")
    short_name = models.CharField(
        max_length=100, help_text="E.g. “RATS Council”; used in lists and meeting titles."
    )
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(
        blank=True,
        help_text="Markdown: what the body is and does. Cite a source with [@key]; it must "
        "also be in the sources below.",
    )
    founded_date = PartialDateField(
        "founded",
        null=True,
        blank=True,
        precision_field="founded_precision",
        help_text="When it first met or was set up; for a month or year only, pick any day "
        "in it and set the precision.",
    )
    founded_precision = PrecisionField()
    seat = models.CharField(
        max_length=200, blank=True, help_text="Where it sits or meets, e.g. “Tashkent”."
    )

    objects = BodyQuerySet.as_manager()

    class Meta(Publishable.Meta):
        # Bodies whose start is not established last, on every database.
        ordering = [F("founded_date").asc(nulls_last=True), "name"]
        verbose_name_plural = "bodies"

    def __str__(self):
        return self.short_name or self.name

    def get_absolute_url(self):
        return page_url("topics:body-detail", self.slug)


class MeetingQuerySet(CitedQuerySet, PublishableQuerySet):
    search_weights = {"A": ("name",), "B": ("place",), "C": ("outcome", "disputed")}

    def published(self):
        """Return what readers may see: published meetings of published bodies.

        A meeting belongs to its body (its page, its name): it is public only with it.
        """
        return super().published().filter(body__in=Body.objects.published())

    def for_cards(self):
        """Fetch what a card shows: the body, and the published host and chair.

        A draft host or chair is left None.
        """
        countries = Country.objects.published()
        return self.select_related("body").prefetch_related(
            Prefetch("host", queryset=countries),
            Prefetch("chair", queryset=countries),
        )

    def with_published_records(self):
        """Prefetch the published policies and exercises the meetings are linked to."""
        return self.prefetch_related(
            Prefetch("policies", queryset=Policy.objects.published()),
            Prefetch("exercises", queryset=Exercise.objects.published()),
        )

    def for_detail(self):
        return self.for_cards().with_published_records().with_citations()

    def for_download(self):
        """Prefetch what a download row has beyond a card: policies, exercises, sources."""
        return self.with_published_records().with_citations()

    def of_body(self, body):
        """Return the body's meetings, oldest first, with what came out of each."""
        return self.filter(body=body).order_by("date", "name").for_cards().with_published_records()

    def others_of_body(self, meeting):
        """Return the other meetings of `meeting`'s body, oldest first."""
        return self.filter(body_id=meeting.body_id).exclude(pk=meeting.pk).order_by("date", "name")


class Meeting(Publishable, Cited):
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    name = models.CharField(
        max_length=200, help_text="E.g. “Defence Ministers' Meeting, Beijing 2018”."
    )
    slug = models.SlugField(max_length=200, unique=True)
    number = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1, "The first meeting is number 1.")],
        help_text="The body's own numbering (the 15th meeting), where sources give it.",
    )
    date = PartialDateField(
        precision_field="date_precision",
        help_text="The (first) day it sat; for a month or year only, pick any day in it "
        "and set the precision.",
    )
    date_precision = PrecisionField(
        help_text="How precisely the date is known; shown as e.g. “April 2024”."
    )
    place = models.CharField(
        max_length=200, blank=True, help_text="City, or “videoconference”; empty if unknown."
    )
    host = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings_hosted",
        help_text="The country where it sat.",
    )
    chair = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings_chaired",
        help_text="The member state that chaired it, if sources say (often the SCO chair "
        "of the year).",
    )
    outcome = models.TextField(
        blank=True, help_text="Markdown: what it adopted, signed, decided or ordered."
    )
    disputed = models.TextField(
        blank=True, help_text="Markdown: where sources disagree, and what each one says."
    )
    policies = models.ManyToManyField(
        Policy,
        blank=True,
        related_name="meetings",
        help_text="Documents it adopted, signed, prepared or reviewed.",
    )
    exercises = models.ManyToManyField(
        Exercise,
        blank=True,
        related_name="meetings",
        help_text="Exercises and joint operations it ordered, prepared or reviewed.",
    )

    objects = MeetingQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ["-date", "name"]
        indexes = [
            models.Index(fields=["status", "date"], name="meeting_status_date_idx"),
            # A body's meetings by date (its page, a meeting's "other meetings").
            models.Index(fields=["body", "date", "name"], name="meeting_body_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__isnull=True) | Q(number__gte=1),
                name="meeting_number_at_least_one",
            ),
            models.UniqueConstraint(
                fields=["body", "number"], name="meeting_number_unique_per_body"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return page_url("topics:meeting-detail", self.slug)

    @property
    def number_display(self):
        """“15th”, or "" when the body's numbering is not known."""
        if self.number is None:
            return ""
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(self.number % 10, "th")
        if self.number % 100 in (11, 12, 13):
            suffix = "th"
        return f"{self.number}{suffix}"
