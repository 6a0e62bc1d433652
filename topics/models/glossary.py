"""The glossary: terms and acronyms readers meet on the site (RATS, CPX, "three evils")."""

from django.core.exceptions import ValidationError
from django.db import models

from .publishing import Publishable, PublishableQuerySet, page_url
from .sources import Cited, CitedQuerySet


def term_forms(text):
    """Return the forms listed one per line in `Term.also_matches`, without blanks."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class TermQuerySet(CitedQuerySet, PublishableQuerySet):
    def for_list(self):
        return self.with_citations()

    def for_linking(self):
        """The fields the first-use links need (topics/glossary.py)."""
        return self.only("slug", "term", "expansion", "also_matches")


class Term(Publishable, Cited):
    term = models.CharField(
        max_length=100, unique=True, help_text="As readers meet it: “RATS”, “three evils”."
    )
    slug = models.SlugField(max_length=100, unique=True)
    expansion = models.CharField(
        max_length=200,
        blank=True,
        help_text="What an acronym stands for: “Regional Anti-Terrorist Structure”.",
    )
    definition = models.TextField(help_text="Markdown. One short paragraph in plain words.")
    also_matches = models.TextField(
        blank=True,
        help_text="Other forms that link to this entry on first use, one per line "
        "(“command-post exercise”, “CPXs”). Matching is case-sensitive for forms "
        "in capitals and ignores case otherwise.",
    )

    objects = TermQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ["term"]

    def __str__(self):
        return self.term

    def get_absolute_url(self):
        return f"{page_url('topics:glossary')}#{self.slug}"

    def forms(self):
        """Every form that links to the entry: the term, its expansion and `also_matches`."""
        return [
            form for form in [self.term, self.expansion, *term_forms(self.also_matches)] if form
        ]

    def clean(self):
        super().clean()
        if len(self.term.strip()) < 2:
            raise ValidationError({"term": "A term has at least two characters."})
