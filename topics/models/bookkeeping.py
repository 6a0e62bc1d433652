"""Bookkeeping behind editing and loading: revision notes, load state, the
content version and link checks. No reader page shows these."""

from django.db import models


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
    # When the number last moved on: reader pages' Last-Modified.
    changed_at = models.DateTimeField(null=True, blank=True)

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
