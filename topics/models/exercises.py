"""Joint exercises and who took part in them."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Prefetch, Q

from ..partial_dates import PartialDateField, PrecisionField, format_partial_range
from .publishing import Aliased, Publishable, page_url
from .vocabulary import Country, Domain, ExerciseSeries, Themed, ThemedQuerySet


class ExerciseQuerySet(ThemedQuerySet):
    search_weights = {
        "A": ("name",),
        "B": ("aliases", "location"),
        "C": ("description", "disputed"),
    }

    def sco_held(self):
        """Return the SCO's own exercises that took place: what the site counts as one."""
        return self.filter(held=True).exclude(framework=Exercise.Framework.OUTSIDE_SCO)

    def for_cards(self):
        """Prefetch what a card shows: the published series and the published participants.

        A draft series leaves `exercise.series` None.
        """
        participations = Participation.objects.filter(country__in=Country.objects.published())
        return self.prefetch_related(
            Prefetch("series", queryset=ExerciseSeries.objects.published()),
            Prefetch("participations", queryset=participations.select_related("country")),
        )

    def for_detail(self):
        from .bodies import Meeting

        # With the meetings that ordered, prepared or reviewed it.
        meetings = Meeting.objects.published().order_by("date", "name")
        return self.for_cards().for_download().prefetch_related(Prefetch("meetings", meetings))

    def for_download(self):
        """Prefetch what a download row has beyond a card: domains, themes, sources, agreements."""
        return (
            self.with_citations()
            .with_published_themes()
            .with_published_agreements()
            .prefetch_related("domains")
        )

    def with_published_agreements(self):
        """Prefetch the published agreements each exercise was held under, oldest first."""
        from .policies import Policy

        agreements = Policy.objects.published().order_by("signed_date", "short_name")
        return self.prefetch_related(Prefetch("agreements", queryset=agreements))

    def for_series_table(self):
        """Prefetch what a series page's table of editions shows."""
        return self.for_cards().with_published_agreements()

    def held_under(self, policy):
        """Return the exercises held under `policy`, newest first."""
        return self.filter(agreements=policy).order_by("-start_date", "name")

    def with_country(self, country, taking_part=False):
        """Return the exercises `country` took part in, newest first, each with its `role`.

        With `taking_part`, only as host or participant (as the list's filter), not as
        an observer. Read from the exercises' side, by date, so the database walks the
        date index and stops at the page's last row instead of sorting all of a country's.
        """
        exercises = self.filter(participations__country=country)
        if taking_part:
            roles = [Participation.Role.HOST, Participation.Role.PARTICIPANT]
            exercises = self.filter(participations__country=country, participations__role__in=roles)
        return exercises.annotate(role=F("participations__role")).order_by("-start_date", "name")

    def editions_of(self, series):
        return self.filter(series=series).order_by("start_date")

    def other_editions(self, exercise):
        """Return the other exercises of `exercise`'s series (none if it has no published one)."""
        if exercise.series is None:
            return self.none()
        return self.filter(series=exercise.series).exclude(pk=exercise.pk)


class Exercise(Publishable, Aliased, Themed):
    class Kind(models.TextChoices):
        COUNTERTERRORISM = "counterterrorism", "Counterterrorism"
        PEACEKEEPING = "peacekeeping", "Peacekeeping"
        COMMAND_STAFF = "command-staff", "Command-staff"
        LAW_ENFORCEMENT = "law-enforcement", "Law enforcement"
        CYBER = "cyber", "Cyber"
        BORDER_SECURITY = "border-security", "Border security"
        NAVAL = "naval", "Naval"
        OTHER = "other", "Other"

    class Framework(models.TextChoices):
        SCO_MULTILATERAL = "sco-multilateral", "SCO multilateral"
        SCO_BILATERAL = "sco-bilateral", "Bilateral under the SCO"
        RATS = "rats", "RATS (security services)"
        OUTSIDE_SCO = "outside-sco", "Outside the SCO"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    series = models.ForeignKey(
        ExerciseSeries,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exercises",
    )
    start_date = PartialDateField(
        precision_field="start_precision",
        help_text="For a month or year only, pick any day in it and set the precision.",
    )
    start_precision = PrecisionField(
        help_text="How precisely the start is known; shown as e.g. “August 2007”."
    )
    end_date = PartialDateField(null=True, blank=True, precision_field="end_precision", end=True)
    end_precision = PrecisionField()
    location = models.CharField(max_length=300, blank=True)
    latitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COUNTERTERRORISM)
    domains = models.ManyToManyField(Domain, blank=True, related_name="exercises")
    framework = models.CharField(
        max_length=20,
        choices=Framework.choices,
        help_text="“Outside the SCO” marks bilateral drills (e.g. China–Russia) that are "
        "not SCO exercises, kept only so readers can tell them apart.",
    )
    held = models.BooleanField(
        default=True,
        help_text="Untick for an exercise that was announced but that no source confirms "
        "took place; it is then shown as such and left out of the counts.",
    )
    personnel = models.PositiveIntegerField(
        null=True, blank=True, help_text="Troops or staff reported; leave empty if unknown."
    )
    personnel_approximate = models.BooleanField(
        default=True, help_text="Reported figures are usually rounded: shown as “about 6,500”."
    )
    agreements = models.ManyToManyField(
        "Policy",
        blank=True,
        related_name="framed_exercises",
        verbose_name="framing agreements",
        help_text="The agreements the exercise was held under (e.g. the 2007 agreement on "
        "joint military exercises).",
    )
    description = models.TextField(blank=True, help_text="Markdown.")
    disputed = models.TextField(
        blank=True, help_text="Markdown: where sources disagree, and what each one says."
    )

    objects = ExerciseQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ["-start_date", "name"]
        # For the list's filters and sorts (docs/performance.md has their plans): the
        # published ones by date (the default order, year ranges, the timeline) and
        # by name; counts of the published; editions of a series by date; kinds.
        indexes = [
            models.Index(fields=["status", "start_date"], name="exercise_status_start_idx"),
            models.Index(fields=["status", "name"], name="exercise_status_name_idx"),
            models.Index(fields=["status", "published_at"], name="exercise_published_idx"),
            models.Index(fields=["series", "start_date"], name="exercise_series_start_idx"),
            models.Index(
                fields=["series", "status", "published_at"], name="exercise_series_published_idx"
            ),
            models.Index(fields=["kind", "start_date"], name="exercise_kind_start_idx"),
            models.Index(fields=["framework", "start_date"], name="exercise_framework_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="exercise_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(personnel__isnull=True) | Q(personnel__gte=0),
                name="exercise_personnel_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="exercise_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="exercise_longitude_range",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return page_url("topics:exercise-detail", self.slug)

    def clean(self):
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The exercise cannot end before it starts."})

    @property
    def dates_display(self):
        return format_partial_range(
            self.start_date, self.start_precision, self.end_date, self.end_precision
        )

    @property
    def personnel_display(self):
        if self.personnel is None:
            return "Not reported"
        figure = f"{self.personnel:,}"
        return f"about {figure}" if self.personnel_approximate else figure

    # The participants below come from the prefetch of `ExerciseQuerySet.for_cards()`.

    @property
    def role_display(self):
        """The label of the `role` annotated by `with_country()`."""
        return Participation.Role(self.role).label

    def participants_with_role(self, role):
        return [p.country for p in self.participations.all() if p.role == role]

    @property
    def hosts(self):
        return self.participants_with_role(Participation.Role.HOST)

    @property
    def participants(self):
        return self.participants_with_role(Participation.Role.PARTICIPANT)

    @property
    def observers(self):
        return self.participants_with_role(Participation.Role.OBSERVER)

    @property
    def participant_groups(self):
        """Participants and observers (hosts are shown on their own)."""
        groups = [
            ("Participants", self.participants_with_role(Participation.Role.PARTICIPANT)),
            ("Observers", self.participants_with_role(Participation.Role.OBSERVER)),
        ]
        return [
            {"label": label, "countries": countries} for label, countries in groups if countries
        ]


class Participation(models.Model):
    class Role(models.TextChoices):
        HOST = "host", "Host"
        PARTICIPANT = "participant", "Participant"
        OBSERVER = "observer", "Observer"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="participations")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="participations")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.PARTICIPANT)

    class Meta:
        ordering = ["role", "country__name"]
        # A country's exercises by role (its page; the host and "taking part" filters).
        indexes = [
            models.Index(
                fields=["country", "role", "exercise"], name="participation_country_role_idx"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "country"], name="participation_one_role_per_country"
            )
        ]

    def __str__(self):
        return f"{self.country} ({self.get_role_display()})"
