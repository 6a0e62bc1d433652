"""Topics: the site's articles, written in Markdown with inline citations."""

from django.db import models
from django.db.models import Max, Prefetch

from .exercises import Exercise
from .policies import Policy
from .publishing import Aliased, Publishable, page_url
from .vocabulary import Country, Themed, ThemedQuerySet


class TopicQuerySet(ThemedQuerySet):
    search_weights = {"A": ("title",), "B": ("aliases", "summary"), "C": ("body",)}
    # Articles are the overviews: one whose title holds every word of a search comes
    # before the records it introduces (topics/search.py, `title_prior`).
    search_title_prior = 0.3

    def for_list(self):
        return self  # a card shows only the topic's own columns

    def for_detail(self):
        countries = TopicCountry.objects.filter(country__in=Country.objects.published())
        return (
            self.with_citations()
            .with_published_themes()
            .prefetch_related(
                Prefetch("country_links", queryset=countries.select_related("country")),
                Prefetch("related_topics", queryset=Topic.objects.published()),
                Prefetch("exercises", queryset=Exercise.objects.published()),
                Prefetch("policies", queryset=Policy.objects.published()),
            )
        )

    def discussing(self, record):
        """Return the topics that link to `record`, an exercise or a policy."""
        if isinstance(record, Exercise):
            return self.filter(exercises=record)
        return self.filter(policies=record)

    def discussing_country(self, country):
        return self.filter(country_links__country=country)

    def last_reviewed(self):
        return self.aggregate(last=Max("last_reviewed"))["last"]


class Topic(Publishable, Aliased, Themed):
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

    objects = TopicQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ["title"]
        indexes = [
            models.Index(fields=["status", "title"], name="topic_status_title_idx"),
            models.Index(fields=["status", "published_at"], name="topic_published_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return page_url("topics:topic-detail", self.slug)


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
