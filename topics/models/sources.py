"""Sources and the citations that tie them to records."""

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Prefetch

from ..partial_dates import PartialDateField, PrecisionField
from .publishing import Timestamped


class Source(Timestamped):
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
    published_date = PartialDateField(null=True, blank=True, precision_field="published_precision")
    published_precision = PrecisionField()
    accessed_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return f"{self.title} ({self.publisher})" if self.publisher else self.title


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


class CitedQuerySet(models.QuerySet):
    def with_citations(self):
        """Prefetch the records' citations with their sources (the references list)."""
        return self.prefetch_related(
            Prefetch("citations", queryset=Citation.objects.select_related("source"))
        )


class Cited(models.Model):
    """A record with a references list; see `CitedQuerySet.with_citations()`."""

    citations = GenericRelation(Citation)

    class Meta:
        abstract = True
