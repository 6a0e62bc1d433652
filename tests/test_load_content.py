"""load_content: loading, updating, keeping editors' work, and refusing bad files."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from reversion.models import Version

from topics.bundle.loading import load_content
from topics.bundle.reading import CONTENT_DIR, ContentError, read_bundle
from topics.history import delete_with_snapshot
from topics.models import (
    BundleState,
    Country,
    Domain,
    Exercise,
    Membership,
    Participation,
    Policy,
    PolicyRelation,
    RevisionNote,
    Source,
    Theme,
    Topic,
)

from .content_files import MINIMAL, edit, load, write
from .factories import (
    CitationFactory,
    CountryFactory,
    ExerciseFactory,
    ParticipationFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


def run(path, capsys, **options):
    """Run load_content at normal verbosity; return what it printed."""
    capsys.readouterr()
    call_command("load_content", path=str(path), **options)
    return capsys.readouterr().out


def snapshot():
    """Every content row and the loader's bookkeeping, to show nothing changed."""
    from .test_export_content import every_row

    return every_row(), Version.objects.count(), RevisionNote.objects.count()


def test_loads_every_kind_with_its_relations(tmp_path):
    load(write(tmp_path, MINIMAL))
    exercise = Exercise.objects.get(slug="peace-mission-2007")
    assert exercise.dates_display == "August 2007"
    assert exercise.series.slug == "peace-mission"
    assert {(p.country.iso_code, p.role) for p in exercise.participations.all()} == {
        ("CN", "host"),
        ("IN", "observer"),
    }
    assert sorted(d.slug for d in exercise.domains.all()) == ["air", "land"]
    assert [(c.source.key, c.note) for c in exercise.citations.all()] == [
        ("src-a", "gives 6,500"),
        ("src-b", ""),
    ]
    india = Country.objects.get(iso_code="IN")
    assert [m.status for m in india.memberships.all()] == ["observer", "member"]
    newer = Policy.objects.get(slug="convention-2009")
    assert [(r.kind, r.to_policy.slug) for r in newer.outgoing_relations.all()] == [
        ("supplements", "convention-2001"),
    ]
    assert newer.legal_status == "unknown"
    topic = Topic.objects.get(slug="origins")
    assert topic.status == "published" and "It began [@src-b]" in topic.body
    assert list(topic.exercises.values_list("slug", flat=True)) == ["peace-mission-2007"]


def test_loading_twice_changes_nothing(tmp_path, capsys):
    path = write(tmp_path, MINIMAL)
    load(path)
    before = snapshot()
    out = run(path, capsys)
    assert "0 created, 0 updated, 10 unchanged" in out
    assert snapshot() == before


def test_changed_file_entry_updates_the_record(tmp_path, capsys):
    path = write(tmp_path, MINIMAL)
    load(path)
    edit(path, "personnel: 6500", "personnel: 6000")
    out = run(path, capsys)
    assert Exercise.objects.get(slug="peace-mission-2007").personnel == 6000
    assert "0 created, 1 updated, 9 unchanged" in out


def test_an_entry_reworded_without_changing_content_is_unchanged(tmp_path, capsys):
    path = write(tmp_path, MINIMAL)
    load(path)
    versions = Version.objects.count()
    # A default spelled out: a different file entry, the same record.
    edit(path, "personnel: 6500", "personnel: 6500\n    held: true")
    assert "0 created, 0 updated, 10 unchanged" in run(path, capsys)
    assert Version.objects.count() == versions
    edit(path, "held: true", "held: false")
    assert "0 created, 1 updated" in run(path, capsys)
    assert Exercise.objects.get(slug="peace-mission-2007").held is False


def test_record_changed_by_an_editor_is_never_overwritten(tmp_path, capsys):
    path = write(tmp_path, MINIMAL)
    load(path)
    exercise = Exercise.objects.get(slug="peace-mission-2007")
    exercise.name = "Edited by an editor"
    exercise.save()
    edit(path, "personnel: 6500", "personnel: 6000")
    out = run(path, capsys)
    exercise.refresh_from_db()
    assert exercise.name == "Edited by an editor" and exercise.personnel == 6500
    assert (
        "kept the editor's version of base.yaml: exercises[0] 'peace-mission-2007': "
        "edited in the admin (differs from the file in name, personnel); "
        "its file entry has changed too, and was not applied"
    ) in out


def test_an_edited_record_is_reported_as_kept_even_when_its_file_is_unchanged(tmp_path, capsys):
    path = write(tmp_path, MINIMAL)
    load(path)
    exercise = Exercise.objects.get(slug="peace-mission-2007")
    exercise.name = "Edited"
    exercise.save()
    out = run(path, capsys)
    assert "1 kept as edited in the admin" in out
    assert "'peace-mission-2007': edited in the admin (differs from the file in name)\n" in out
    exercise.refresh_from_db()
    assert exercise.name == "Edited"


def test_a_record_deleted_in_the_admin_is_not_recreated(tmp_path, capsys):
    path = write(tmp_path, MINIMAL)
    load(path)
    topic = Topic.objects.get(slug="origins")
    delete_with_snapshot(Exercise.objects.get(slug="peace-mission-2007"))
    out = run(path, capsys)
    assert not Exercise.objects.filter(slug="peace-mission-2007").exists()
    assert (
        "not re-created base.yaml: exercises[0] 'peace-mission-2007': deleted in the admin" in out
    )
    assert "1 not re-created (deleted in the admin)" in out
    # The topic that discussed it lost that link with the deletion: an editor's change.
    assert "origins': edited in the admin (differs from the file in exercises)" in out
    topic.refresh_from_db()
    assert list(topic.country_links.values_list("country__iso_code", flat=True)) == ["CN"]
    assert topic.citations.count() == 2
    # Even when the file entry changes, it stays deleted.
    edit(path, "personnel: 6500", "personnel: 6000")
    run(path, capsys)
    assert not Exercise.objects.filter(slug="peace-mission-2007").exists()


def test_a_deleted_record_recovered_from_history_is_the_loaders_again(tmp_path, capsys):
    path = write(tmp_path, MINIMAL)
    load(path)
    pk = Exercise.objects.get(slug="peace-mission-2007").pk
    delete_with_snapshot(Exercise.objects.get(pk=pk))
    version = Version.objects.get_for_object_reference(Exercise, pk).order_by("-pk")[0]
    version.revision.revert(delete=True)
    recovered = Exercise.objects.get(slug="peace-mission-2007")
    assert recovered.participations.count() == 2 and recovered.citations.count() == 2
    edit(path, "personnel: 6500", "personnel: 6000")
    out = run(path, capsys)
    assert "peace-mission-2007" not in out  # neither kept nor "not re-created"
    assert "0 created, 1 updated" in out
    assert Exercise.objects.get(slug="peace-mission-2007").personnel == 6000


def test_membership_edited_on_its_own_page_is_kept_with_its_citation(tmp_path, capsys):
    path = write(tmp_path, MINIMAL)
    load(path)
    membership = Membership.objects.get(country__iso_code="IN", status="member")
    # As the membership's admin page saves a new citation row (position left at 0).
    CitationFactory(
        record=membership, source=Source.objects.get(key="src-a"), note="the editor's source"
    )
    edit(path, "name: India", "name: Republic of India")
    out = run(path, capsys)
    india = Country.objects.get(iso_code="IN")
    assert india.name == "India"
    member = india.memberships.get(status="member")
    assert member.pk == membership.pk
    assert [(c.source.key, c.note) for c in member.citations.all()] == [
        ("src-a", "the editor's source"),
        ("src-b", ""),
    ]
    assert (
        "kept the editor's version of base.yaml: countries[1] 'IN': edited in the admin "
        "(differs from the file in name, slug, memberships); its file entry has changed too"
    ) in out


@pytest.mark.parametrize(
    ("change", "check"),
    [
        (
            lambda e: ParticipationFactory(
                exercise=e, country=CountryFactory(name="Kazakhstan", iso_code="KZ")
            ),
            lambda e: e.participations.filter(country__iso_code="KZ").exists(),
        ),
        (
            lambda e: e.participations.filter(country__iso_code="IN").delete(),
            lambda e: [p.country.iso_code for p in e.participations.all()] == ["CN"],
        ),
        (
            lambda e: e.participations.filter(country__iso_code="IN").update(role="participant"),
            lambda e: e.participations.get(country__iso_code="IN").role == "participant",
        ),
        (
            lambda e: e.theme_links.all().delete(),
            lambda e: not e.theme_links.exists(),
        ),
        (
            lambda e: e.citations.filter(source__key="src-b").delete(),
            lambda e: [c.source.key for c in e.citations.all()] == ["src-a"],
        ),
        (
            lambda e: e.citations.filter(source__key="src-a").update(note="an editor's note"),
            lambda e: e.citations.get(source__key="src-a").note == "an editor's note",
        ),
        (
            lambda e: e.domains.remove(Domain.objects.get(slug="air")),
            lambda e: [d.slug for d in e.domains.all()] == ["land"],
        ),
    ],
    ids=[
        "participant added",
        "participant removed",
        "role changed",
        "theme link removed",
        "citation removed",
        "citation note changed",
        "domain removed",
    ],
)
def test_rows_changed_by_an_editor_are_kept(tmp_path, capsys, change, check):
    path = write(tmp_path, MINIMAL)
    load(path)
    exercise = Exercise.objects.get(slug="peace-mission-2007")
    change(exercise)
    edit(path, "personnel: 6500", "personnel: 6000")
    out = run(path, capsys)
    exercise.refresh_from_db()
    assert check(exercise) and exercise.personnel == 6500
    assert "kept the editor's version of base.yaml: exercises[0] 'peace-mission-2007'" in out


def test_relations_edited_by_an_editor_survive_a_reload(tmp_path):
    path = write(tmp_path, MINIMAL)
    load(path)
    newer = Policy.objects.get(slug="convention-2009")
    PolicyRelation.objects.filter(from_policy=newer).update(kind="amends")
    newer.save()  # as the admin does when its inline changes
    load(path)
    assert [r.kind for r in newer.outgoing_relations.all()] == ["amends"]


def test_a_record_made_in_the_admin_before_the_files_had_it_is_kept(tmp_path, capsys):
    ThemeFactory(name="Terrorism", slug="counterterrorism", description="Written in the admin.")
    path = write(tmp_path, MINIMAL)
    out = run(path, capsys)
    assert Theme.objects.get(slug="counterterrorism").name == "Terrorism"
    assert (
        "kept the editor's version of base.yaml: themes[0] 'counterterrorism': "
        "created in the admin before it was in the content files"
    ) in out
    # The records that use it are loaded and linked to it.
    assert (
        Exercise.objects.get(slug="peace-mission-2007").theme_links.get().theme.name == "Terrorism"
    )


def test_records_loaded_before_the_bundle_state_existed(tmp_path, capsys):
    """Migration 0003 marked old records "legacy-unedited" or "legacy-edited"."""
    path = write(tmp_path, MINIMAL)
    load(path)
    BundleState.objects.filter(kind="exercises").update(loaded_hash="legacy-unedited")
    BundleState.objects.filter(kind="policies").update(loaded_hash="legacy-edited")
    assert "0 updated, 8 unchanged, 2 kept" in run(path, capsys)
    state = BundleState.objects.get(kind="exercises")
    assert len(state.loaded_hash) == 64  # its current export, adopted
    edit(path, "personnel: 6500", "personnel: 6000")
    edit(path, "summary: A summary.", "summary: A new summary.")
    out = run(path, capsys)
    assert Exercise.objects.get(slug="peace-mission-2007").personnel == 6000
    assert Policy.objects.get(slug="convention-2001").summary == "A summary."
    assert "'convention-2001': edited in the admin before the history was kept" in out


def test_related_topics_are_linked_both_ways_and_stay_unchanged(tmp_path, capsys):
    files = dict(MINIMAL)
    files["topics/later.md"] = """
        ---
        title: Later
        slug: later
        summary: What came next.
        related: [origins]
        sources: [src-a]
        ---
        Then [@src-a].
    """
    path = write(tmp_path, files)
    load(path)
    assert list(
        Topic.objects.get(slug="origins").related_topics.values_list("slug", flat=True)
    ) == ["later"]
    assert "0 created, 0 updated, 11 unchanged, 0 kept" in run(path, capsys)
    # The link goes when neither side lists it any more.
    edit(path, "related: [origins]", "related: []", name="topics/later.md")
    assert "0 created, 1 updated, 10 unchanged, 0 kept" in run(path, capsys)
    assert not Topic.objects.get(slug="origins").related_topics.exists()
    assert "0 updated, 11 unchanged, 0 kept" in run(path, capsys)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('start: "2007-08"', 'start: "2007-13"'),
            "exercises[0] 'peace-mission-2007': start: '2007-13' is not a valid date",
        ),
        (
            ("{country: IN, role: observer}", "{country: XX, role: observer}"),
            "participants[1]: unknown country code 'XX'",
        ),
        (("series: peace-mission", "series: no-such"), "unknown series 'no-such'"),
        (
            ("framework: sco-multilateral", "framework: alliance"),
            "framework: Value 'alliance' is not a valid choice. Choose one of: sco-multilateral,",
        ),
        (
            ("personnel: 6500", "personnel: -3"),
            "personnel: Ensure this value is greater than or equal to 0.",
        ),
        (("personnel: 6500", "personnel: many"), "personnel: expected a whole number, not 'many'"),
        (
            ("policy: convention-2001}", "policy: missing}"),
            "relations[0]: unknown policy 'missing'",
        ),
        (
            ("policy: convention-2001}", "policy: convention-2009}"),
            "relations[0]: A document cannot relate to itself.",
        ),
        (
            (
                "sources: [src-a]\n  - slug: convention-2009",
                "sources: []\n  - slug: convention-2009",
            ),
            "convention-2001': cites no source",
        ),
        (
            ('url: "https://example.org/b"', 'url: "ftp://example.org/b"'),
            "url must start with http",
        ),
        (('url: "https://example.org/b"', 'url: "not a url"'), "url: Enter a valid URL."),
        (
            ("themes: [counterterrorism]\n    sources", "themes: [terror]\n    sources"),
            "themes[0]: unknown theme 'terror'",
        ),
        (("domains: [land, air]", "domains: [land, space]"), "domains: unknown domain 'space'"),
        (("domains: [land, air]", "domains: [land, land]"), "domains: 'land' listed twice"),
        (
            ("{country: IN, role: observer}", "{country: CN, role: observer}"),
            "participants[1]: country 'CN' listed twice (also participants[0])",
        ),
        (("role: observer}", "role: spectator}"), "participants[1]: role: Value 'spectator'"),
        (("personnel: 6500", "personnel: 6500\n    crew: 3"), "unknown field 'crew'"),
        (("name: Peace Mission 2007", "name: [Peace, Mission]"), "name: expected text"),
        (("name: Peace Mission 2007", "name: 2007"), "name: expected text (put it in quotes)"),
        (
            ("personnel: 6500", "personnel: 6500\n    personnel: 10"),
            "found the key 'personnel' twice",
        ),
        (("slug: convention-2009", "slug: convention-2001"), "duplicate slug, already used at"),
        (("name: India", "name: China"), "countries[1] 'IN': name 'China' is also used at"),
        (("iso: IN", "iso: in"), "iso: Use the two capital letters of ISO 3166-1."),
        (("iso: IN", "iso: 12"), "countries[1] 12: iso: expected text"),
        (
            ("    name: Peace Mission 2007\n", ""),
            "exercises[0] 'peace-mission-2007': missing 'name'",
        ),
        (
            ('start: "2005-07-05", end: "2017-06-09"', 'start: "2005-07-05", end: "2004"'),
            "memberships[0]: end: The status cannot end before it starts.",
        ),
        (
            ('signed: "2009-06-16"', 'signed: "2009-06-16"\n    in_force: "2009-05"'),
            "in_force: A document cannot enter into force before it is signed.",
        ),
        (
            ("title: Shanghai Convention", "title: " + "x" * 500),
            "title: Ensure this value has at most 400 characters (it has 500).",
        ),
        (
            ("summary: A summary.", "summary: A summary.\n    published_at: soon"),
            "published_at: 'soon' is not an ISO date and time",
        ),
    ],
)
def test_invalid_content_reports_file_and_record_and_changes_nothing(
    tmp_path, capsys, change, message
):
    path = write(tmp_path, MINIMAL)
    edit(path, *change)
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("load_content", path=str(path))
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert Exercise.objects.count() == Source.objects.count() == Country.objects.count() == 0


def test_every_problem_is_listed_at_once(tmp_path):
    path = write(tmp_path, MINIMAL)
    edit(path, 'start: "2007-08"', 'start: "2007-13"')
    edit(path, "series: peace-mission", "series: no-such")
    edit(path, 'url: "https://example.org/b"', 'url: "ftp://example.org/b"')
    with pytest.raises(ContentError) as error:
        load_content(path=path)
    assert len(error.value.problems) == 3


def test_topic_citing_an_unlisted_source_is_refused(tmp_path):
    files = dict(MINIMAL)
    files["topics/origins.md"] = files["topics/origins.md"].replace(
        "grew [@src-a]", "grew [@src-z]"
    )
    with pytest.raises(ContentError) as error:
        load_content(path=write(tmp_path, files))
    assert error.value.problems == [
        "topics/origins.md: topics[0] 'origins': body cites [@src-z] but it is not in sources"
    ]


def test_invalid_yaml_is_reported(tmp_path):
    files = dict(MINIMAL)
    files["broken.yaml"] = "themes: [unclosed"
    with pytest.raises(ContentError) as error:
        read_bundle(write(tmp_path, files))
    assert any(p.startswith("broken.yaml: not valid YAML") for p in error.value.problems)


def test_a_failure_while_writing_rolls_everything_back(tmp_path, monkeypatch, capsys):
    path = write(tmp_path, MINIMAL)
    from topics.bundle.shapes import Shape

    original = Shape.write

    def fail_on_policies(self, *args, **kwargs):
        if self.kind == "policies":
            raise IntegrityError("policy_relation_not_to_itself")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Shape, "write", fail_on_policies)
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("load_content", path=str(path))
    assert "the database refused a write: policy_relation_not_to_itself" in capsys.readouterr().err
    assert Source.objects.count() == Exercise.objects.count() == Policy.objects.count() == 0
    assert BundleState.objects.count() == Version.objects.count() == 0


def test_failed_reload_leaves_existing_content_untouched(tmp_path):
    path = write(tmp_path, MINIMAL)
    load(path)
    before = snapshot()
    edit(path, "personnel: 6500", "personnel: 6000")
    edit(path, 'signed: "2009-06-16"', 'signed: "2009-02-30"')
    with pytest.raises(CommandError):
        load(path)
    assert Exercise.objects.get(slug="peace-mission-2007").personnel == 6500
    assert snapshot() == before


def test_check_option_validates_without_writing(tmp_path, capsys):
    call_command("load_content", path=str(write(tmp_path, MINIMAL)), check=True)
    assert "Content is valid: 1 themes, 2 sources, 2 countries" in capsys.readouterr().out
    assert Exercise.objects.count() == 0


def test_dry_run_says_exactly_what_would_change_and_writes_nothing(tmp_path, capsys):
    path = write(tmp_path, MINIMAL)
    out = run(path, capsys, dry_run=True)
    assert "would create base.yaml: themes[0] 'counterterrorism'" in out
    assert "would create topics/origins.md: topics[0] 'origins'" in out
    assert "Dry run, nothing was changed: would create 10, update 0" in out
    assert Theme.objects.count() == BundleState.objects.count() == Version.objects.count() == 0

    load(path)
    Topic.objects.filter(slug="origins").update(title="Edited")
    edit(path, "personnel: 6500", "personnel: 6000")
    edit(path, "{country: IN, role: observer}", "{country: IN, role: participant}")
    edit(path, "domains: [land, air]", "domains: [land]")
    before = snapshot()
    out = run(path, capsys, dry_run=True)
    assert snapshot() == before
    assert [line.strip() for line in out.splitlines()] == [
        "would update base.yaml: exercises[0] 'peace-mission-2007': "
        "participants: +{'country': 'IN', 'role': 'participant'}, "
        "-{'country': 'IN', 'role': 'observer'}; domains: -'air'; personnel: 6500 → 6000",
        "kept the editor's version of topics/origins.md: topics[0] 'origins': "
        "edited in the admin (differs from the file in title)",
        "Dry run, nothing was changed: would create 0, update 1; 8 unchanged, "
        "1 kept as edited in the admin, 0 not re-created (deleted in the admin).",
    ]
    # And the real run does just that.
    assert "0 created, 1 updated, 8 unchanged, 1 kept" in run(path, capsys)
    exercise = Exercise.objects.get(slug="peace-mission-2007")
    assert exercise.personnel == 6000 and [d.slug for d in exercise.domains.all()] == ["land"]
    assert exercise.participations.get(country__iso_code="IN").role == "participant"


def test_dry_run_names_references_left_out_because_their_record_was_deleted(tmp_path, capsys):
    path = write(tmp_path, MINIMAL)
    load(path)
    delete_with_snapshot(Exercise.objects.get(slug="peace-mission-2007"))
    write(
        tmp_path,
        {
            "topics/later.md": """
                ---
                title: Later
                slug: later
                summary: What came next.
                exercises: [peace-mission-2007]
                sources: [src-a]
                ---
                Then [@src-a].
            """
        },
    )
    edit(path, "summary: Another summary.", "summary: A new summary.")
    before = snapshot()
    out = run(path, capsys, dry_run=True)
    assert snapshot() == before
    assert [line.strip() for line in out.splitlines()] == [
        "would update base.yaml: policies[1] 'convention-2009': "
        "summary: 'Another summary.' → 'A new summary.'",
        "would create topics/later.md: topics[0] 'later'",
        "topics/later.md: topics[0] 'later': exercises: 'peace-mission-2007' left out: "
        "deleted in the admin",
        "not re-created base.yaml: exercises[0] 'peace-mission-2007': deleted in the admin",
        "kept the editor's version of topics/origins.md: topics[0] 'origins': "
        "edited in the admin (differs from the file in exercises)",
        "Dry run, nothing was changed: would create 1, update 1; 7 unchanged, "
        "1 kept as edited in the admin, 1 not re-created (deleted in the admin).",
    ]
    assert "1 created, 1 updated, 7 unchanged" in run(path, capsys)
    assert not Topic.objects.get(slug="later").exercises.exists()


def test_bundled_content_loads_and_is_idempotent():
    bundle = read_bundle(CONTENT_DIR)
    first = load_content(path=CONTENT_DIR)
    assert first.total("create") == sum(1 for _ in bundle)
    second = load_content(path=CONTENT_DIR)
    assert second.total("create") == second.total("update") == 0
    assert second.total("unchanged") == sum(1 for _ in bundle)
    assert Exercise.objects.published().count() == len(
        [e for e in bundle.entries["exercises"] if e.data.get("status", "published") == "published"]
    )


def test_every_bundled_record_exports_as_its_file_entry():
    """The shapes convert both ways alike: loading an entry and exporting the record
    gives the entry back (in its normal form), for every bundled record."""
    from topics.bundle.loading import differences, plan

    load_content(path=CONTENT_DIR)
    items, _ = plan(read_bundle(CONTENT_DIR), restore=False, log=print)
    assert len(items) > 500  # every bundled record, whatever is added
    assert [
        item.label for item in items if differences(item.current, item.desired, item.shape)
    ] == []


# History ------------------------------------------------------------------------


def load_revisions(batch=None):
    notes = RevisionNote.objects.filter(kind=RevisionNote.Kind.LOAD)
    return notes.filter(batch=batch) if batch is not None else notes


def test_each_record_written_gets_one_revision_in_one_batch_per_run(tmp_path):
    path = write(tmp_path, MINIMAL)
    load(path)
    batches = set(load_revisions().values_list("batch", flat=True))
    assert len(batches) == 1 and "" not in batches
    assert load_revisions().count() == 10
    for record in [*Exercise.objects.all(), *Country.objects.all(), *Topic.objects.all()]:
        versions = Version.objects.get_for_object(record)
        assert versions.count() == 1
        assert versions[0].revision.note.kind == RevisionNote.Kind.LOAD
    # A record's rows are in its version: here, the exercise's participants.
    exercise = Exercise.objects.get(slug="peace-mission-2007")
    revision = Version.objects.get_for_object(exercise)[0].revision
    participation = ContentType.objects.get_for_model(Participation)
    assert revision.version_set.filter(content_type=participation).count() == 2

    edit(path, "personnel: 6500", "personnel: 6000")
    load(path)
    second = set(load_revisions().values_list("batch", flat=True)) - batches
    assert len(second) == 1
    (revision,) = [note.revision for note in load_revisions(second.pop())]
    assert revision.version_set.get(object_id=str(exercise.pk)).field_dict["personnel"] == 6000
    assert revision.comment == "Updated from the content files"


def test_records_without_history_get_a_first_version(tmp_path):
    older = ExerciseFactory(name="Older drill", start_date="2001-01-01")
    path = write(tmp_path, MINIMAL)
    load(path)
    (version,) = Version.objects.get_for_object(older)
    assert version.revision.note.kind == RevisionNote.Kind.LOAD
    assert version.revision.note.batch == ""  # undoing the load's batch leaves it alone
    load(path)
    assert Version.objects.get_for_object(older).count() == 1


def test_dry_run_shows_a_long_text_change_line_by_line(tmp_path, capsys):
    path = write(tmp_path, MINIMAL)
    load(path)
    edit(path, "grew [@src-a].", "grew fast [@src-a].", name="topics/origins.md")
    out = run(path, capsys, dry_run=True)
    assert "would update topics/origins.md: topics[0] 'origins': body: text changed" in out
    assert "+It began [@src-b] and grew fast" not in out
    out = run(path, capsys, dry_run=True, verbosity=2)
    assert (
        "-It began [@src-b] and grew [@src-a].\n+It began [@src-b] and grew fast [@src-a]." in out
    )
    assert "grew fast" not in Topic.objects.get(slug="origins").body
