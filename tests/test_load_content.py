import textwrap

import pytest
from django.core.management import CommandError, call_command

from topics.loader import CONTENT_DIR, ContentError, apply_bundle, read_bundle
from topics.models import Citation, Country, Exercise, Membership, Policy, Source, Topic

pytestmark = pytest.mark.django_db

MINIMAL = {
    "base.yaml": """
        themes:
          - {slug: counterterrorism, name: Counterterrorism}
        sources:
          - {key: src-a, title: Source A, url: "https://example.org/a", published: "2007-08"}
          - {key: src-b, title: Source B, url: "https://example.org/b"}
        countries:
          - iso: CN
            name: China
            memberships:
              - {status: founding-member, start: "2001-06-15", sources: [src-a]}
          - iso: IN
            name: India
            memberships:
              - {status: observer, start: "2005-07-05", end: "2017-06-09", sources: [src-a]}
              - {status: member, start: "2017-06-09", sources: [src-b]}
        series:
          - {slug: peace-mission, name: Peace Mission, themes: [counterterrorism]}
        exercises:
          - slug: peace-mission-2007
            name: Peace Mission 2007
            series: peace-mission
            start: "2007-08"
            framework: sco-multilateral
            participants: [{country: CN, role: host}, {country: IN, role: observer}]
            domains: [land, air]
            personnel: 6500
            themes: [counterterrorism]
            sources: [{key: src-a, note: "gives 6,500"}, src-b]
        policies:
          - slug: convention-2001
            title: Shanghai Convention
            short_name: Shanghai Convention
            kind: convention
            signed: "2001-06-15"
            status: in-force
            parties: [CN]
            summary: A summary.
            sources: [src-a]
          - slug: convention-2009
            title: Convention against Terrorism
            short_name: 2009 Convention
            kind: convention
            signed: "2009-06-16"
            summary: Another summary.
            relations: [{kind: supplements, policy: convention-2001}]
            sources: [src-b]
    """,
    "topics/origins.md": """
        ---
        title: Origins
        slug: origins
        summary: How it began.
        sources: [src-a, src-b]
        exercises: [peace-mission-2007]
        countries: [CN]
        ---
        ## Start

        It began [@src-b] and grew [@src-a].
    """,
}


def write(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return tmp_path


def load(path):
    call_command("load_content", path=str(path), verbosity=0)


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
    before = Citation.objects.count(), Membership.objects.count()
    call_command("load_content", path=str(path))
    out = capsys.readouterr().out
    assert "0 created, 0 updated" in out
    assert (Citation.objects.count(), Membership.objects.count()) == before


def test_changed_file_entry_updates_the_record(tmp_path):
    path = write(tmp_path, MINIMAL)
    load(path)
    text = (path / "base.yaml").read_text().replace("personnel: 6500", "personnel: 6000")
    (path / "base.yaml").write_text(text)
    load(path)
    assert Exercise.objects.get(slug="peace-mission-2007").personnel == 6000


def test_record_changed_by_an_editor_is_never_overwritten(tmp_path, capsys):
    path = write(tmp_path, MINIMAL)
    load(path)
    exercise = Exercise.objects.get(slug="peace-mission-2007")
    exercise.name = "Edited by an editor"
    exercise.save()
    text = (path / "base.yaml").read_text().replace("personnel: 6500", "personnel: 6000")
    (path / "base.yaml").write_text(text)
    call_command("load_content", path=str(path))
    exercise.refresh_from_db()
    assert exercise.name == "Edited by an editor" and exercise.personnel == 6500
    assert "kept the editor's version of base.yaml: exercises[0] 'peace-mission-2007'" in (
        capsys.readouterr().out
    )


def test_missing_records_are_recreated(tmp_path):
    path = write(tmp_path, MINIMAL)
    load(path)
    Topic.objects.filter(slug="origins").delete()
    load(path)
    assert Topic.objects.filter(slug="origins").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('start: "2007-08"', 'start: "2007-13"'),
            "exercises[0] 'peace-mission-2007': start: '2007-13' is not a valid date",
        ),
        (
            ("{country: IN, role: observer}", "{country: XX, role: observer}"),
            "unknown country code 'XX'",
        ),
        (("series: peace-mission", "series: no-such"), "unknown series 'no-such'"),
        (
            ("framework: sco-multilateral", "framework: alliance"),
            "framework 'alliance' is not one of",
        ),
        (("personnel: 6500", "personnel: -3"), "personnel must be a whole number"),
        (("policy: convention-2001}", "policy: missing}"), "relation to unknown policy 'missing'"),
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
        (
            ("themes: [counterterrorism]\n    sources", "themes: [terror]\n    sources"),
            "unknown theme 'terror'",
        ),
    ],
)
def test_invalid_content_reports_file_and_record_and_changes_nothing(
    tmp_path, capsys, change, message
):
    path = write(tmp_path, MINIMAL)
    text = (path / "base.yaml").read_text()
    assert change[0] in text
    (path / "base.yaml").write_text(text.replace(change[0], change[1], 1))
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("load_content", path=str(path))
    assert message in capsys.readouterr().err
    assert Exercise.objects.count() == Source.objects.count() == Country.objects.count() == 0


def test_topic_citing_an_unlisted_source_is_refused(tmp_path):
    files = dict(MINIMAL)
    files["topics/origins.md"] = files["topics/origins.md"].replace(
        "grew [@src-a]", "grew [@src-z]"
    )
    with pytest.raises(ContentError) as error:
        read_bundle(write(tmp_path, files))
    assert any("cites [@src-z] but it is not in sources" in p for p in error.value.problems)


def test_invalid_yaml_is_reported(tmp_path):
    files = dict(MINIMAL)
    files["broken.yaml"] = "themes: [unclosed"
    with pytest.raises(ContentError) as error:
        read_bundle(write(tmp_path, files))
    assert any(p.startswith("broken.yaml: not valid YAML") for p in error.value.problems)


def test_a_failure_while_writing_rolls_everything_back(tmp_path):
    path = write(tmp_path, MINIMAL)
    # Valid on paper, but too long for the database column: only full_clean catches it.
    text = (
        (path / "base.yaml")
        .read_text()
        .replace("title: Shanghai Convention", "title: " + "x" * 500)
    )
    (path / "base.yaml").write_text(text)
    with pytest.raises(CommandError, match="nothing was changed"):
        load(path)
    assert Source.objects.count() == Exercise.objects.count() == Policy.objects.count() == 0


def test_failed_reload_leaves_existing_content_untouched(tmp_path):
    path = write(tmp_path, MINIMAL)
    load(path)
    text = (path / "base.yaml").read_text()
    text = text.replace("personnel: 6500", "personnel: 6000").replace(
        'signed: "2009-06-16"', 'signed: "2009-02-30"'
    )
    (path / "base.yaml").write_text(text)
    with pytest.raises(CommandError):
        load(path)
    assert Exercise.objects.get(slug="peace-mission-2007").personnel == 6500


def test_check_option_validates_without_writing(tmp_path, capsys):
    call_command("load_content", path=str(write(tmp_path, MINIMAL)), check=True)
    assert "Content is valid" in capsys.readouterr().out
    assert Exercise.objects.count() == 0


def test_bundled_content_loads_and_is_idempotent():
    bundle = read_bundle(CONTENT_DIR)
    first = apply_bundle(bundle)
    assert sum(first.created.values()) == sum(len(v) for v in bundle.values())
    second = apply_bundle(read_bundle(CONTENT_DIR))
    assert sum(second.created.values()) == sum(second.updated.values()) == 0
    assert Exercise.objects.published().count() == len(
        [e for e in bundle["exercises"] if e.data.get("status", "published") == "published"]
    )


def test_relations_edited_by_an_editor_survive_a_reload(tmp_path):
    from topics.models import PolicyRelation

    path = write(tmp_path, MINIMAL)
    load(path)
    newer = Policy.objects.get(slug="convention-2009")
    PolicyRelation.objects.filter(from_policy=newer).update(kind="amends")
    newer.save()  # as the admin does when its inline changes
    load(path)
    assert [r.kind for r in newer.outgoing_relations.all()] == ["amends"]


def test_an_edited_record_is_reported_as_kept_even_when_its_file_is_unchanged(tmp_path, capsys):
    path = write(tmp_path, MINIMAL)
    load(path)
    exercise = Exercise.objects.get(slug="peace-mission-2007")
    exercise.name = "Edited"
    exercise.save()
    call_command("load_content", path=str(path))
    out = capsys.readouterr().out
    assert "1 kept as edited in the admin" in out
    exercise.refresh_from_db()
    assert exercise.name == "Edited"
