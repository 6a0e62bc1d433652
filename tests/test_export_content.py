"""Backup and restore: export_content, then load_content --restore into an empty database."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from reversion.models import Version

from topics.bundle.loading import load_content
from topics.bundle.reading import CONTENT_DIR, ContentError, read_bundle
from topics.history import delete_with_snapshot
from topics.models import (
    Body,
    BundleState,
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
    Source,
    Term,
    Theme,
    ThemeLink,
    Topic,
    TopicCountry,
)

from .factories import (
    CitationFactory,
    ExerciseFactory,
    ThemeFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

RECORDS = [Theme, Source, Country, ExerciseSeries, Exercise, Policy, Topic, Membership]
ROWS = [
    Participation, PolicyParty, PolicyRelation, TopicCountry, ThemeLink,
    Exercise.domains.through, Topic.related_topics.through,
    Topic.exercises.through, Topic.policies.through,
]  # fmt: skip
IGNORED = {"id", "created_at", "updated_at", "object_id", "content_type"}


def every_row():
    """Every row of the content, as the database holds it.

    Records and memberships keep their ids and times; the rows of a record (links,
    participants…) are compared by what they hold, since their own ids are not
    part of a backup; citations by their order, as positions are renumbered.
    """
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in RECORDS}
    for model in ROWS:
        values = model.objects.values(*(f.attname for f in model._meta.concrete_fields[1:]))
        rows[model.__name__] = sorted(values, key=repr)
    citations = Citation.objects.order_by("content_type", "object_id", "position", "pk")
    rows["Citation"] = [(c.content_type_id, c.object_id, c.source_id, c.note) for c in citations]
    rows["BundleState"] = list(
        BundleState.objects.order_by("kind", "key").values(
            "kind", "key", "bundle_hash", "loaded_hash", "updated_at"
        )
    )
    return rows


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
        Term,
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
    snap["ThemeLink"] = sorted(
        (repr(link.record), link.theme.slug) for link in ThemeLink.objects.all()
    )
    return snap


def wipe():
    """Empty the content tables, as a new database is."""
    for model in (Citation, Term, Meeting, Body, Topic, PolicyRelation, Policy, Exercise,
                  ExerciseSeries, Membership, Country, Source, Theme, BundleState):  # fmt: skip
        model.objects.all().delete()


def test_export_then_restore_into_an_empty_database_loses_nothing(tmp_path):
    load_content(path=CONTENT_DIR)
    # Records the bundled files do not have: a draft, an editor's record, odd text.
    cn = Country.objects.get(iso_code="CN")
    draft = ExerciseFactory(
        name="Draft drill",
        start_date=datetime.date(2020, 5, 1),
        status="draft",
        hosts=[cn],
        personnel=12,
        personnel_approximate=False,
        description="Line one\n\n  indented: yes — “quotes” & <b>html</b>\n",
        disputed="Typed in a browser:\r\nlines end in CR LF.\r\n",
    )
    CitationFactory(record=draft, source=Source.objects.first(), position=1, note="says: 12")
    TopicFactory(
        title="Editor topic",
        body="No trailing newline [@x]\r\n\r\nCR LF",
        published_at=timezone.now(),
    )
    before = snapshot()

    call_command("export_content", str(tmp_path / "backup"), verbosity=0)
    wipe()
    assert Exercise.objects.count() == 0
    call_command("load_content", path=str(tmp_path / "backup"), restore=True, verbosity=0)

    after = snapshot()
    for kind in before:
        assert after[kind] == before[kind], kind
    assert Exercise.objects.get(slug="draft-drill").status == "draft"


def test_restore_reproduces_the_database_exactly_and_a_load_after_it_changes_nothing(
    tmp_path, capsys
):
    load_content(path=CONTENT_DIR)
    # An editor's day: a record edited, a membership's own citation, rows changed,
    # a record deleted, a draft written, a topic unpublished.
    exercise = Exercise.objects.get(slug="peace-mission-2007")
    exercise.name = "Peace Mission 2007 (edited)"
    exercise.save()
    membership = Membership.objects.filter(country__iso_code="IN").last()
    CitationFactory(record=membership, source=Source.objects.first(), note="editor's")
    Participation.objects.filter(exercise__slug="peace-mission-2010").first().delete()
    topic = Topic.objects.get(slug="russia-and-china")
    unlinked = topic.related_topics.first()
    topic.related_topics.remove(unlinked)
    delete_with_snapshot(Exercise.objects.get(slug="peace-mission-2012"))
    ExerciseFactory(
        name="Draft drill", start_date="2020-05-01", status="draft", hosts=[Country.objects.first()]
    )
    Topic.objects.filter(slug="future-prospects").update(status="draft")
    before = every_row()

    call_command("export_content", str(tmp_path / "backup"), verbosity=0)
    wipe()
    assert every_row() != before
    call_command("load_content", path=str(tmp_path / "backup"), restore=True, verbosity=0)

    after = every_row()
    assert after.keys() == before.keys()
    for name in before:
        assert after[name] == before[name], name
    # Each restored record has a version, so it can be recovered after a deletion.
    assert Version.objects.get_for_object(Exercise.objects.get(slug="draft-drill")).exists()
    # New records get new ids (the database's id sequences were moved past the backup's).
    assert ThemeFactory(name="After the restore").pk > max(row["id"] for row in before["Theme"])

    capsys.readouterr()
    call_command("load_content")
    out = capsys.readouterr().out
    assert "0 created, 0 updated" in out
    assert "not re-created topics/content/exercises/" not in out  # labels are relative
    assert "exercises[" in out and "'peace-mission-2012': deleted in the admin" in out
    kept = {line.split("'")[2] for line in out.splitlines() if "kept the editor's version" in line}
    discussed = {
        entry.key
        for entry in read_bundle(CONTENT_DIR).entries["topics"]
        if "peace-mission-2012" in entry.data.get("exercises", [])
    }
    assert kept == {
        "peace-mission-2007",
        "IN",
        "peace-mission-2010",
        "russia-and-china",
        unlinked.slug,
        "future-prospects",
        *discussed,  # the topics that discussed the deleted exercise lost that link
    }


def test_export_includes_drafts_and_publication_times(tmp_path):
    topic = TopicFactory(title="Hidden", status="draft")
    shown = TopicFactory(title="Shown")
    call_command("export_content", str(tmp_path), verbosity=0)
    text = (tmp_path / "topics" / f"{topic.slug}.md").read_text()
    assert "status: draft" in text
    text = (tmp_path / "topics" / f"{shown.slug}.md").read_text()
    assert f"published_at: '{shown.published_at.isoformat()}'" in text


def test_an_export_is_plain_content_files_that_load_like_the_bundled_ones(tmp_path):
    load_content(path=CONTENT_DIR)
    call_command("export_content", str(tmp_path / "export"), verbosity=0)
    report = load_content(path=tmp_path / "export", check=True)
    bundled = load_content(path=CONTENT_DIR, check=True)
    assert report.valid == bundled.valid  # e.g. "12 themes, 423 sources, 27 countries, …"
    assert " 0 " not in f" {report.valid} "


def test_export_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "old.yaml").write_text("themes: []")
    with pytest.raises(CommandError, match="not empty; export into a new folder"):
        call_command("export_content", str(tmp_path), verbosity=0)


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, capsys):
    ThemeFactory(name="Already here")
    call_command("export_content", str(tmp_path / "backup"), verbosity=0)
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("load_content", path=str(tmp_path / "backup"), restore=True)
    assert "--restore loads a backup into an empty database, and this one has 1 themes" in (
        capsys.readouterr().err
    )


def test_a_backup_without_its_state_file_is_restored_as_editors_records(tmp_path, capsys):
    ThemeFactory(name="Counterterrorism")
    call_command("export_content", str(tmp_path / "backup"), verbosity=0)
    (tmp_path / "backup" / "_state.yaml").unlink()
    wipe()
    capsys.readouterr()
    call_command("load_content", path=str(tmp_path / "backup"), restore=True)
    assert "no _state.yaml in" in capsys.readouterr().out
    assert Theme.objects.get().name == "Counterterrorism"
    assert not BundleState.objects.exists()


def test_a_damaged_state_file_is_reported(tmp_path):
    ThemeFactory(name="Counterterrorism")
    call_command("export_content", str(tmp_path / "backup"), verbosity=0)
    state = tmp_path / "backup" / "_state.yaml"
    state.write_text(state.read_text().replace("id: ", "id: x"))
    wipe()
    with pytest.raises(ContentError) as error:
        load_content(path=tmp_path / "backup", restore=True)
    assert error.value.problems == [
        "_state.yaml: records: themes: 'counterterrorism': id must be a whole number"
    ]
    assert not Theme.objects.exists()
