"""Change history of every content record, kept by django-reversion.

Each revision holds *one* record together with its own rows (participants,
citations, theme and country links, memberships…), listed once here in
`FOLLOW`. So reverting a revision restores exactly that record, recovering a
deleted record brings its rows back, and a batch (bulk action, import, content
load) is undone by reverting each of its revisions, found by their shared
`RevisionNote.batch`.
"""

import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import reversion
from django.db import models
from django.db.models import Count, Max, Min, Window
from reversion.models import Version

from .models import (
    Body,
    Citation,
    Country,
    Exercise,
    ExerciseSeries,
    Meeting,
    Membership,
    Participation,
    Policy,
    PolicyParty,
    PolicyRelation,
    RevisionNote,
    Source,
    Term,
    Theme,
    ThemeLink,
    Topic,
    TopicCountry,
)

# The rows that belong to each record, saved and restored with it.
FOLLOW = {
    Theme: [],
    Source: [],
    Country: ["memberships", "citations"],
    ExerciseSeries: ["theme_links", "citations"],
    Exercise: ["participations", "theme_links", "citations"],
    Policy: ["party_links", "outgoing_relations", "theme_links", "citations"],
    Topic: ["theme_links", "country_links", "citations"],
    Body: ["theme_links", "citations"],
    # Its policies and exercises are many-to-many fields of its own, saved in its version.
    Meeting: ["citations"],
    Term: ["citations"],
    # A membership edited on its own page is saved as a version of its country.
    Membership: ["citations", "country"],
    Citation: [],
    Participation: [],
    PolicyParty: [],
    PolicyRelation: [],
    ThemeLink: [],
    TopicCountry: [],
}
RECORD_MODELS = [
    Theme, Source, Country, ExerciseSeries, Exercise, Policy, Topic, Body, Meeting, Term,
]  # fmt: skip


def register_models():
    for model, follow in FOLLOW.items():
        if not reversion.is_registered(model):
            reversion.register(model, follow=follow)


def new_batch():
    return uuid.uuid4().hex


@contextmanager
def revision(
    *, kind=RevisionNote.Kind.EDIT, reason="", user=None, batch="", comment="", incoming_links=None
):
    """Open a revision; records added inside it (by save() or `reversion.add_to_revision`)
    are kept as one version each, with who, why and which batch."""
    with reversion.create_revision(manage_manually=False):
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        reversion.set_comment(comment or reason or RevisionNote.Kind(kind).label)
        reversion.add_meta(
            RevisionNote,
            kind=kind,
            reason=reason[:300],
            batch=batch,
            incoming_links=incoming_links or {},
        )
        yield


def save_version(record, **note):
    """Record the current state of `record` (and its rows) as one revision."""
    with revision(**note):
        reversion.add_to_revision(record)


def edit_token(record):
    """Return a token that changes whenever `record` (or one of its rows) is changed.

    It combines the newest version's id with `updated_at` where the model has
    one, so a change that bypassed the history (a shell, a raw update) counts too.
    """
    latest = Version.objects.get_for_object(record).order_by("-pk").values_list("pk", flat=True)
    parts = [str(latest.first() or 0)]
    updated = getattr(record, "updated_at", None)
    if updated is not None:
        parts.append(updated.isoformat())
    return "|".join(parts)


def public_change_log(record):
    """Return the versions a reader may see for `record`, newest first, with their notes."""
    return (
        Version.objects.get_for_object(record)
        .select_related("revision__note", "revision__user")
        .order_by("-revision__date_created")
    )


def versions_after(record, token):
    """Return the versions of `record` saved after the one named in `token`."""
    try:
        since = int(str(token).split("|", 1)[0])
    except ValueError:
        since = 0
    return (
        Version.objects.get_for_object(record)
        .filter(pk__gt=since)
        .select_related("revision__user", "revision__note")
        .order_by("pk")
    )


def field_changes(old, new):
    """Return [(field label, old value, new value)] for the fields that differ.

    `old` and `new` are reversion field dicts (`Version.field_dict`) or model instances.
    """
    model = type(new) if isinstance(new, models.Model) else None
    old_values = old.field_dict if isinstance(old, Version) else old
    changes = []
    for field in model._meta.concrete_fields if model else []:
        if field.name in ("id", "created_at", "updated_at"):
            continue
        before = old_values.get(field.attname, old_values.get(field.name))
        after = getattr(new, field.attname)
        if before != after:
            changes.append((field.verbose_name, before, after))
    return changes


def record_versions(revision):
    """Return the versions of the records (not their rows) a revision holds."""
    record_types = [model._meta.model_name for model in RECORD_MODELS]
    return [
        version
        for version in revision.version_set.select_related("content_type")
        if version.content_type.app_label == "topics" and version.content_type.model in record_types
    ]


def revert_batch(batch, *, user=None, reason=""):
    """Undo every revision of a batch (an import, a bulk action, a content load).

    A record the batch changed goes back to its version before the batch, rows
    included; a record the batch created is deleted (and stays recoverable).
    Return (restored, deleted) counts. The caller wraps this in a transaction.
    """
    notes = RevisionNote.objects.filter(batch=batch).select_related("revision")
    undo_batch = new_batch()
    restored = deleted = 0
    for note in notes.order_by("-revision_id"):
        for version in record_versions(note.revision):
            earlier = (
                Version.objects.get_for_object_reference(version._model, version.object_id)
                .filter(pk__lt=version.pk)
                .order_by("-pk")
                .first()
            )
            note_fields = {"reason": reason, "user": user, "batch": undo_batch}
            if earlier is not None:
                with revision(kind=RevisionNote.Kind.REVERT, **note_fields):
                    earlier.revision.revert(delete=True)
                    record = version._model._default_manager.get(pk=version.object_id)
                    reversion.add_to_revision(record)
                restored += 1
            else:
                record = version._model._default_manager.filter(pk=version.object_id).first()
                if record is not None:
                    delete_with_snapshot(record, **note_fields)
                    deleted += 1
    return restored, deleted


def delete_with_snapshot(record, *, user=None, reason="", batch=""):
    """Keep the record's last state (rows included) as a version, then delete it.

    django-reversion saves no version of a deleted object, so the snapshot is
    taken first; the admin's "Recover deleted" list then offers it.
    """
    save_version(
        record,
        kind=RevisionNote.Kind.DELETE,
        user=user,
        reason=reason,
        batch=batch,
        incoming_links=incoming_links(record),
    )
    record.delete()


def incoming_links(record):
    """Return the many-to-many links other records hold to `record`, by field."""
    links = {}
    for relation in record._meta.related_objects:
        if relation.many_to_many and relation.related_model in RECORD_MODELS:
            field = relation.field
            ids = list(
                field.model._default_manager.filter(**{field.name: record}).values_list(
                    "pk", flat=True
                )
            )
            if ids:
                links[f"{field.model._meta.label_lower}.{field.name}"] = ids
    return links


def restore_incoming_links(version):
    """Put back the links recorded when `version`'s record was deleted (see above)."""
    note = RevisionNote.objects.filter(revision_id=version.revision_id).first()
    record = version._model._default_manager.filter(pk=version.object_id).first()
    if note is None or record is None:
        return 0
    restored = 0
    for path, ids in note.incoming_links.items():
        label, name = path.rsplit(".", 1)
        model = next((m for m in RECORD_MODELS if m._meta.label_lower == label), None)
        if model is None:
            continue
        for other in model._default_manager.filter(pk__in=ids):
            getattr(other, name).add(record)
            restored += 1
    return restored


# The public change log ----------------------------------------------------------


@dataclass
class ChangeLog:
    """What a record's page tells readers about its history: dates and reasons only."""

    created: datetime
    changed: datetime
    entries: list  # [{"date": datetime, "reason": str}], newest first
    earlier: int  # changes not listed in `entries`


def change_log(record, limit=5):
    """Return the public change log of `record`, in one query whatever its length.

    Only the date and the reason of each version are read: editors' names and
    e-mail addresses never reach the page. A version saved just before a
    deletion is not a change and is left out. The record's own `created_at` and
    `updated_at` cover changes made before, or outside, the history.
    """
    versions = (
        public_change_log(record)
        .exclude(revision__note__kind=RevisionNote.Kind.DELETE)
        .order_by("-revision__date_created", "-pk")
        .annotate(
            total=Window(Count("pk")),
            first=Window(Min("revision__date_created")),
            last=Window(Max("revision__date_created")),
        )
        .values("revision__date_created", "revision__note__reason", "total", "first", "last")
    )
    rows = list(versions[:limit])
    created, changed = record.created_at, record.updated_at
    if rows:
        created = min(created, rows[0]["first"])
        changed = max(changed, rows[0]["last"])
    return ChangeLog(
        created=created,
        changed=changed,
        entries=[
            {"date": row["revision__date_created"], "reason": row["revision__note__reason"] or ""}
            for row in rows
        ],
        earlier=rows[0]["total"] - len(rows) if rows else 0,
    )
