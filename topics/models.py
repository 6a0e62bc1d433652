"""Content of the SCO Military Cooperation Reference.

Countries, themes and exercise series are the shared vocabulary; topics,
exercises and policies are the articles and records readers browse. Every
record is a draft or published (`Publishable`), and every factual claim is
backed by `Citation`s of `Source`s.

References to countries, themes and series go through explicit link tables
whose foreign keys PROTECT the target, so a country, theme or series that is
still in use cannot be deleted (the admin explains what still uses it).
"""

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils import timezone

from .dates import Precision, format_partial_date, format_partial_range, normalise


class PublishableQuerySet(models.QuerySet):
    def published(self):
        """Return what readers may see: published, and due by now."""
        return self.filter(status=Publishable.Status.PUBLISHED, published_at__lte=timezone.now())

    def visible_to(self, user):
        """Return everything for staff (so they can preview drafts), else published()."""
        if user.is_authenticated and user.is_staff:
            return self.all()
        return self.published()


class Publishable(models.Model):
    """Draft/published workflow and the bookkeeping `load_content` relies on."""

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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

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


class Source(models.Model):
    key = models.SlugField(
        max_length=120,
        unique=True,
        help_text="Short unique name used to cite this source, e.g. in a topic body as [@key].",
    )
    title = models.CharField(max_length=400)
    url = models.URLField("URL", max_length=600)
    publisher = models.CharField(
        max_length=200, blank=True, help_text="Publisher, outlet or issuing body."
    )
    author = models.CharField(max_length=200, blank=True)
    published_date = models.DateField(null=True, blank=True)
    published_precision = models.CharField(
        max_length=5, choices=Precision.choices, default=Precision.DAY
    )
    accessed_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return f"{self.title} ({self.publisher})" if self.publisher else self.title

    def save(self, *args, **kwargs):
        self.published_date = normalise(self.published_date, self.published_precision)
        super().save(*args, **kwargs)

    @property
    def published_display(self):
        return format_partial_date(self.published_date, self.published_precision)


class Citation(models.Model):
    """One source cited by one record (topic, exercise, policy, series, membership…)."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    note = models.CharField(
        max_length=500,
        blank=True,
        help_text="What this source says, where sources disagree (e.g. “gives 6,000 troops”).",
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the reference list.")

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "source"], name="citation_unique_per_record"
            )
        ]

    def __str__(self):
        return str(self.source)


class Cited(models.Model):
    citations = GenericRelation(Citation)

    class Meta:
        abstract = True

    @property
    def theme_list(self):
        """Themes of a record with theme_links (prefetch "theme_links__theme")."""
        return [link.theme for link in self.theme_links.all()]


class Theme(Publishable):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta(Publishable.Meta):
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("topics:theme-detail", args=[self.slug])


class Country(Publishable, Cited):
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
        return reverse("topics:country-detail", args=[self.slug])

    def current_membership(self):
        """Return the open status, from prefetched memberships when available."""
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
    start_date = models.DateField()
    start_precision = models.CharField(max_length=5, choices=Precision.choices, default="day")
    end_date = models.DateField(
        null=True, blank=True, help_text="Leave empty while the status is current."
    )
    end_precision = models.CharField(max_length=5, choices=Precision.choices, default="day")
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

    def save(self, *args, **kwargs):
        self.normalise_dates()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return self.country.get_absolute_url()

    def normalise_dates(self):
        self.start_date = normalise(self.start_date, self.start_precision)
        self.end_date = normalise(self.end_date, self.end_precision, end=True)

    def clean(self):
        # Check the dates as save() stores them, so the form, the content loader and
        # the check constraint (validated after clean()) agree.
        self.normalise_dates()
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The status cannot end before it starts."})

    @property
    def period_display(self):
        start = format_partial_date(self.start_date, self.start_precision)
        if self.end_date is None:
            return f"since {start}"
        return f"{start} – {format_partial_date(self.end_date, self.end_precision)}"


class ExerciseSeries(Publishable, Cited):
    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=150, unique=True)
    description = models.TextField(blank=True, help_text="Markdown.")

    class Meta(Publishable.Meta):
        ordering = ["name"]
        verbose_name = "exercise series"
        verbose_name_plural = "exercise series"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("topics:series-detail", args=[self.slug])


class Domain(models.Model):
    """Land, air, naval or cyber: a fixed list created by a migration."""

    name = models.CharField(max_length=30, unique=True)
    slug = models.SlugField(max_length=30, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Exercise(Publishable, Cited):
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
    start_date = models.DateField(
        help_text="For a month or year only, pick any day in it and set the precision."
    )
    start_precision = models.CharField(
        max_length=5,
        choices=Precision.choices,
        default=Precision.DAY,
        help_text="How precisely the start is known; shown as e.g. “August 2007”.",
    )
    end_date = models.DateField(null=True, blank=True)
    end_precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
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
    description = models.TextField(blank=True, help_text="Markdown.")
    disputed = models.TextField(
        blank=True, help_text="Markdown: where sources disagree, and what each one says."
    )

    class Meta(Publishable.Meta):
        ordering = ["-start_date", "name"]
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

    def save(self, *args, **kwargs):
        self.normalise_dates()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("topics:exercise-detail", args=[self.slug])

    def normalise_dates(self):
        self.start_date = normalise(self.start_date, self.start_precision)
        self.end_date = normalise(self.end_date, self.end_precision, end=True)

    def clean(self):
        self.normalise_dates()  # as save() stores them, so the constraint check agrees
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

    def participants_with_role(self, role):
        return [p.country for p in self.participations.all() if p.role == role]

    @property
    def hosts(self):
        return self.participants_with_role(Participation.Role.HOST)

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
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "country"], name="participation_one_role_per_country"
            )
        ]

    def __str__(self):
        return f"{self.country} ({self.get_role_display()})"


class Policy(Publishable, Cited):
    class Kind(models.TextChoices):
        TREATY = "treaty", "Treaty"
        CONVENTION = "convention", "Convention"
        AGREEMENT = "agreement", "Agreement"
        CHARTER = "charter", "Charter"
        DECLARATION = "declaration", "Declaration"
        PROTOCOL = "protocol", "Protocol"
        CONCEPT = "concept", "Concept"
        PROGRAMME = "programme", "Programme"
        DECISION = "decision", "Decision"
        OTHER = "other", "Other"

    class LegalStatus(models.TextChoices):
        IN_FORCE = "in-force", "In force"
        SIGNED = "signed", "Signed, not yet in force"
        SUPERSEDED = "superseded", "Superseded"
        EXPIRED = "expired", "Expired"
        POLITICAL = "political", "Political document (not subject to entry into force)"
        UNKNOWN = "unknown", "Not known"

    title = models.CharField(max_length=400, help_text="Full official title in English.")
    short_name = models.CharField(max_length=150, help_text="E.g. “Shanghai Convention”.")
    slug = models.SlugField(max_length=150, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    signed_date = models.DateField()
    signed_precision = models.CharField(max_length=5, choices=Precision.choices, default="day")
    signed_place = models.CharField(max_length=150, blank=True)
    in_force_date = models.DateField(
        null=True, blank=True, help_text="Leave empty if not in force or not known."
    )
    in_force_precision = models.CharField(max_length=5, choices=Precision.choices, default="day")
    legal_status = models.CharField(
        max_length=12, choices=LegalStatus.choices, default=LegalStatus.UNKNOWN
    )
    summary = models.TextField(max_length=500, help_text="Plain text, shown in lists and search.")
    body = models.TextField(blank=True, help_text="Markdown.")
    official_text_url = models.URLField(
        "official text", max_length=600, blank=True, help_text="Official text or a reliable copy."
    )

    class Meta(Publishable.Meta):
        ordering = ["-signed_date", "short_name"]
        verbose_name_plural = "policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(in_force_date__isnull=True) | Q(in_force_date__gte=F("signed_date")),
                name="policy_in_force_after_signing",
            )
        ]

    def __str__(self):
        return self.short_name

    def save(self, *args, **kwargs):
        self.normalise_dates()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("topics:policy-detail", args=[self.slug])

    def normalise_dates(self):
        self.signed_date = normalise(self.signed_date, self.signed_precision)
        # Entry into force known to a month or year is stored as the period's last
        # day, so "in force June 2020" for a text signed 15 June 2020 is valid.
        self.in_force_date = normalise(self.in_force_date, self.in_force_precision, end=True)

    def clean(self):
        self.normalise_dates()  # as save() stores them, so the constraint check agrees
        if self.in_force_date and self.signed_date and self.in_force_date < self.signed_date:
            raise ValidationError(
                {"in_force_date": "A document cannot enter into force before it is signed."}
            )

    @property
    def signed_display(self):
        return format_partial_date(self.signed_date, self.signed_precision)

    @property
    def in_force_display(self):
        return format_partial_date(self.in_force_date, self.in_force_precision)


class PolicyParty(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="party_links")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="policy_links")

    class Meta:
        ordering = ["country__name"]
        verbose_name = "party"
        verbose_name_plural = "parties"
        constraints = [
            models.UniqueConstraint(fields=["policy", "country"], name="policy_party_unique")
        ]

    def __str__(self):
        return str(self.country)


class PolicyRelation(models.Model):
    """A directed link: `from_policy` amends/supplements/… `to_policy`."""

    class Kind(models.TextChoices):
        AMENDS = "amends", "Amends"
        SUPPLEMENTS = "supplements", "Supplements"
        SUPERSEDES = "supersedes", "Supersedes"
        IMPLEMENTS = "implements", "Implements"

    INVERSE_LABELS = {
        Kind.AMENDS: "Amended by",
        Kind.SUPPLEMENTS: "Supplemented by",
        Kind.SUPERSEDES: "Superseded by",
        Kind.IMPLEMENTS: "Implemented by",
    }

    from_policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="outgoing_relations"
    )
    to_policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="incoming_relations"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_policy", "to_policy", "kind"], name="policy_relation_unique"
            ),
            models.CheckConstraint(
                condition=~Q(from_policy=F("to_policy")), name="policy_relation_not_to_itself"
            ),
        ]

    def __str__(self):
        return f"{self.from_policy} {self.kind} {self.to_policy}"

    def clean(self):
        if self.from_policy_id and self.from_policy_id == self.to_policy_id:
            raise ValidationError("A document cannot relate to itself.")

    @property
    def inverse_label(self):
        return self.INVERSE_LABELS[self.kind]


class Topic(Publishable, Cited):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.CharField(
        max_length=300, help_text="One or two sentences; also the page's meta description."
    )
    body = models.TextField(
        help_text="Markdown. Cite a source with [@key]; it becomes a numbered reference. "
        "Use ## and ### headings."
    )
    last_reviewed = models.DateField(null=True, blank=True)
    related_topics = models.ManyToManyField("self", blank=True, symmetrical=True)
    exercises = models.ManyToManyField(Exercise, blank=True, related_name="topics")
    policies = models.ManyToManyField(Policy, blank=True, related_name="topics")

    class Meta(Publishable.Meta):
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("topics:topic-detail", args=[self.slug])


class TopicCountry(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="country_links")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="topic_links")

    class Meta:
        verbose_name = "country discussed"
        verbose_name_plural = "countries discussed"
        constraints = [
            models.UniqueConstraint(fields=["topic", "country"], name="topic_country_unique")
        ]

    def __str__(self):
        return str(self.country)


class ThemeLink(models.Model):
    """Base of the four theme link tables; the theme is protected from deletion."""

    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True
        verbose_name = "theme"

    def __str__(self):
        return str(self.theme)


class TopicTheme(ThemeLink):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="theme_links")

    class Meta(ThemeLink.Meta):
        constraints = [
            models.UniqueConstraint(fields=["topic", "theme"], name="topic_theme_unique")
        ]


class ExerciseTheme(ThemeLink):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="theme_links")

    class Meta(ThemeLink.Meta):
        constraints = [
            models.UniqueConstraint(fields=["exercise", "theme"], name="exercise_theme_unique")
        ]


class PolicyTheme(ThemeLink):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="theme_links")

    class Meta(ThemeLink.Meta):
        constraints = [
            models.UniqueConstraint(fields=["policy", "theme"], name="policy_theme_unique")
        ]


class SeriesTheme(ThemeLink):
    series = models.ForeignKey(ExerciseSeries, on_delete=models.CASCADE, related_name="theme_links")

    class Meta(ThemeLink.Meta):
        constraints = [
            models.UniqueConstraint(fields=["series", "theme"], name="series_theme_unique")
        ]


# Editing infrastructure --------------------------------------------------------


class RevisionNote(models.Model):
    """What django-reversion does not record about a revision: its kind, reason and batch.

    Attached with `reversion.add_meta(RevisionNote, ...)`. Every revision holds
    one record with its own rows (participants, citations, links…), so a batch
    (a bulk action, an import, a content load) is a set of revisions sharing
    `batch`, and is undone by reverting each of them.
    """

    class Kind(models.TextChoices):
        EDIT = "edit", "Edited in the admin"
        BULK = "bulk", "Bulk action"
        LOAD = "load", "Content load"
        IMPORT = "import", "Import"
        REVERT = "revert", "Reverted"
        RECOVER = "recover", "Recovered"
        DELETE = "delete", "Deleted"

    revision = models.OneToOneField(
        "reversion.Revision", on_delete=models.CASCADE, related_name="note"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EDIT)
    reason = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why the change was made, in a few words. Shown in the record's public "
        "change log.",
    )
    batch = models.CharField(max_length=64, blank=True, db_index=True)
    # For a deletion: the other records' links to the deleted one (e.g. topics that
    # discussed an exercise), {"topics.topic.exercises": [topic ids]}, which live on
    # the other records' side and are put back when the record is recovered.
    incoming_links = models.JSONField(default=dict, blank=True)

    def __str__(self):
        return self.reason or self.get_kind_display()


class BundleState(models.Model):
    """What `load_content` last did with one bundled record, kept even after a deletion.

    `bundle_hash` is the digest of the file entry last applied (or seen), and
    `loaded_hash` the digest of the record as exported right after the loader
    wrote it. A record whose export no longer matches `loaded_hash` was changed
    by an editor, and a state whose record is gone was deleted by one: the
    loader leaves both alone (the database is the truth once seeded).
    """

    kind = models.CharField(max_length=20)
    key = models.CharField(max_length=200)
    bundle_hash = models.CharField(max_length=64)
    loaded_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="bundle_state_unique")]

    def __str__(self):
        return f"{self.kind}:{self.key}"


class ContentVersion(models.Model):
    """A single row whose number moves with every content change, inside the change's
    transaction: reader pages are cached under it, so no app server can serve a page
    older than the last committed edit, whatever its cache holds."""

    number = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return str(self.number)


class LinkCheck(models.Model):
    """The last result of `check_links` for one external URL."""

    url = models.URLField("URL", max_length=600, unique=True)
    ok = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    checked_at = models.DateTimeField()

    class Meta:
        ordering = ["url"]

    def __str__(self):
        return self.url
