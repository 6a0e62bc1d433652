"""Backup and restore: export_content, then load_content into an empty database."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from topics.loader import CONTENT_DIR, apply_bundle, read_bundle
from topics.models import (
    Citation,
    Country,
    Exercise,
    ExerciseSeries,
    Membership,
    Participation,
    Policy,
    PolicyParty,
    PolicyRelation,
    Source,
    Theme,
    Topic,
    TopicCountry,
)

from . import factories as f

pytestmark = pytest.mark.django_db

IGNORED = {"id", "created_at", "updated_at", "loaded_at", "content_hash", "object_id",
           "content_type"}  # fmt: skip


def natural(obj):
    for attr in ("slug", "key", "iso_code"):
        if hasattr(obj, attr):
            return getattr(obj, attr)
    return str(obj)


def row(obj):
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in IGNORED:
            continue
        value = getattr(obj, field.name)
        data[field.name] = natural(value) if field.is_relation and value is not None else value
    for field in obj._meta.many_to_many:
        data[field.name] = sorted(natural(o) for o in getattr(obj, field.name).all())
    return data


def snapshot():
    """Everything that matters about the content, keyed without database ids."""
    snap = {}
    for model in (
        Theme,
        Source,
        Country,
        ExerciseSeries,
        Exercise,
        Policy,
        Topic,
        Membership,
        Participation,
        PolicyParty,
        PolicyRelation,
        TopicCountry,
    ):
        snap[model.__name__] = sorted((row(o) for o in model.objects.all()), key=repr)
    snap["Citation"] = sorted(
        (repr(c.record), c.source.key, c.note, c.position) for c in Citation.objects.all()
    )
    for name in ("TopicTheme", "ExerciseTheme", "PolicyTheme", "SeriesTheme"):
        model = Theme._meta.apps.get_model("topics", name)
        snap[name] = sorted(repr(row(o)) for o in model.objects.all())
    return snap


def wipe():
    for model in (Citation, Topic, PolicyRelation, Policy, Exercise, ExerciseSeries,
                  Membership, Country, Source, Theme):  # fmt: skip
        model.objects.all().delete()


def test_export_then_restore_into_an_empty_database_loses_nothing(tmp_path):
    apply_bundle(read_bundle(CONTENT_DIR))
    # Records the bundled files do not have: a draft, an editor's record, odd text.
    cn = Country.objects.get(iso_code="CN")
    draft = f.exercise(
        "Draft drill",
        datetime.date(2020, 5, 1),
        status="draft",
        hosts=[cn],
        personnel=12,
        personnel_approximate=False,
        description="Line one\n\n  indented: yes — “quotes” & <b>html</b>\n",
    )
    f.cite(draft, Source.objects.first(), note="says: 12")
    f.topic("Editor topic", body="No trailing newline [@x]", published_at=timezone.now())
    before = snapshot()

    call_command("export_content", str(tmp_path / "backup"), verbosity=0)
    wipe()
    assert Exercise.objects.count() == 0
    call_command("load_content", path=str(tmp_path / "backup"), restore=True, verbosity=0)

    after = snapshot()
    for kind in before:
        assert after[kind] == before[kind], kind
    assert Exercise.objects.get(slug="draft-drill").status == "draft"


def test_export_includes_drafts_and_publication_times(tmp_path):
    topic = f.topic("Hidden", status="draft")
    call_command("export_content", str(tmp_path), verbosity=0)
    text = (tmp_path / "topics" / f"{topic.slug}.md").read_text()
    assert "status: draft" in text
