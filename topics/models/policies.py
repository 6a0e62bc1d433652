"""Treaties, agreements and other documents, their parties and how they relate."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, Prefetch, Q

from ..partial_dates import PartialDateField, PrecisionField, format_partial_date
from .publishing import Aliased, Publishable, page_url
from .vocabulary import Country, Themed, ThemedQuerySet

# How many of the latest policies `sharing_themes_with()` looks among.
RELATED_CANDIDATES = 500


class PolicyQuerySet(ThemedQuerySet):
    search_weights = {"A": ("short_name", "title"), "B": ("aliases", "summary"), "C": ("body",)}

    def with_published_parties(self):
        parties = PolicyParty.objects.filter(country__in=Country.objects.published())
        return self.prefetch_related(
            Prefetch("party_links", queryset=parties.select_related("country"))
        )

    def for_cards(self):
        return self  # a card shows only the policy's own columns

    def for_detail(self):
        from .bodies import Meeting

        relations = PolicyRelation.objects.between_published_policies()
        return (
            self.with_citations()
            .with_published_themes()
            .with_published_parties()
            .prefetch_related(
                Prefetch("outgoing_relations", queryset=relations.select_related("to_policy")),
                Prefetch("incoming_relations", queryset=relations.select_related("from_policy")),
                # The meetings that adopted, prepared or reviewed it.
                Prefetch("meetings", queryset=Meeting.objects.published().order_by("date", "name")),
            )
        )

    def for_download(self):
        """Prefetch what a download row has beyond a card: parties, themes, sources."""
        return self.with_citations().with_published_themes().with_published_parties()

    def with_party(self, country):
        """Return the policies `country` is a party to, each with its `party_role` and
        `party_joined_date`/`party_joined_precision` (when it joined later)."""
        return self.filter(party_links__country=country).annotate(
            party_role=F("party_links__role"),
            party_joined_date=F("party_links__joined_date"),
            party_joined_precision=F("party_links__joined_precision"),
        )

    def sharing_themes_with(self, record, limit=5, among=RELATED_CANDIDATES):
        """Return the policies with the most themes in common with `record`, itself excluded.

        Looked for among the `among` most recently signed policies, so the page
        groups and sorts at most that many rows however many there are (the
        bundled content has far fewer). `record` must come with `with_published_themes()`.
        """
        themes = [link.theme_id for link in record.published_theme_links]
        recent = self.order_by("-signed_date", "-pk").values("pk")[:among]
        policies = self.filter(pk__in=recent, theme_links__theme__in=themes)
        if isinstance(record, Policy):
            policies = policies.exclude(pk=record.pk)
        return policies.annotate(shared=Count("theme_links")).order_by("-shared", "-signed_date")[
            :limit
        ]


class Policy(Publishable, Aliased, Themed):
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
    signed_date = PartialDateField(precision_field="signed_precision")
    signed_precision = PrecisionField()
    signed_place = models.CharField(max_length=150, blank=True)
    # Entry into force known to a month or year is stored as the period's last day,
    # so "in force June 2020" for a text signed 15 June 2020 is valid.
    in_force_date = PartialDateField(
        null=True,
        blank=True,
        precision_field="in_force_precision",
        end=True,
        help_text="Leave empty if not in force or not known.",
    )
    in_force_precision = PrecisionField()
    legal_status = models.CharField(
        max_length=12, choices=LegalStatus.choices, default=LegalStatus.UNKNOWN
    )
    summary = models.TextField(max_length=500, help_text="Plain text, shown in lists and search.")
    body = models.TextField(blank=True, help_text="Markdown.")
    official_text_url = models.URLField(
        "official text", max_length=600, blank=True, help_text="Official text or a reliable copy."
    )

    objects = PolicyQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ["-signed_date", "short_name"]
        verbose_name_plural = "policies"
        indexes = [
            models.Index(fields=["status", "signed_date"], name="policy_status_signed_idx"),
            models.Index(fields=["status", "short_name"], name="policy_status_name_idx"),
            models.Index(fields=["status", "published_at"], name="policy_published_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(in_force_date__isnull=True) | Q(in_force_date__gte=F("signed_date")),
                name="policy_in_force_after_signing",
            )
        ]

    def __str__(self):
        return self.short_name

    def get_absolute_url(self):
        return page_url("topics:policy-detail", self.slug)

    def clean(self):
        if self.in_force_date and self.signed_date and self.in_force_date < self.signed_date:
            raise ValidationError(
                {"in_force_date": "A document cannot enter into force before it is signed."}
            )

    # The parties below come from the prefetch of `PolicyQuerySet.with_published_parties()`.

    @property
    def signatory_links(self):
        return [link for link in self.party_links.all() if link.role == PolicyParty.Role.SIGNATORY]

    @property
    def joined_later_links(self):
        """The parties that joined later, by date joined (unknown dates last), then name."""
        links = [link for link in self.party_links.all() if link.role == PolicyParty.Role.ACCEDED]
        return sorted(links, key=lambda link: (link.joined_date is None, link.joined_date or 0))

    @property
    def party_joined_display(self):
        """When the country of `with_party()` joined, if it joined later and the date is known."""
        return format_partial_date(self.party_joined_date, self.party_joined_precision)


class PolicyParty(models.Model):
    class Role(models.TextChoices):
        SIGNATORY = "signatory", "Signatory"
        ACCEDED = "acceded", "Joined later"

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="party_links")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="policy_links")
    role = models.CharField(
        max_length=12,
        choices=Role.choices,
        default=Role.SIGNATORY,
        help_text="A signatory signed the text when it was adopted; a state that joined "
        "later acceded to it (e.g. on becoming a member).",
    )
    joined_date = PartialDateField(
        null=True,
        blank=True,
        precision_field="joined_precision",
        help_text="When a state that joined later became a party, if known.",
    )
    joined_precision = PrecisionField()

    class Meta:
        ordering = ["country__name"]
        verbose_name = "party"
        verbose_name_plural = "parties"
        # A country's documents (its page; the parties filter).
        indexes = [models.Index(fields=["country", "policy"], name="policy_party_country_idx")]
        constraints = [
            models.UniqueConstraint(fields=["policy", "country"], name="policy_party_unique")
        ]

    def __str__(self):
        return str(self.country)

    def clean(self):
        super().clean()
        if self.joined_date and self.role != self.Role.ACCEDED:
            raise ValidationError(
                {"joined_date": "Only a state that joined later has a date of joining."}
            )
        # Checked before the policy exists (a new record's inline, a file entry): no date yet.
        policy = Policy.objects.filter(pk=self.policy_id).only("signed_date").first()
        signed = policy.signed_date if policy else None
        if self.joined_date and signed and self.joined_date < signed:
            raise ValidationError(
                {"joined_date": "A state cannot join a document before it is signed."}
            )


class PolicyRelationQuerySet(models.QuerySet):
    def between_published_policies(self):
        published = Policy.objects.published()
        return self.filter(from_policy__in=published, to_policy__in=published)


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

    objects = PolicyRelationQuerySet.as_manager()

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
