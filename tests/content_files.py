"""A small set of content files, covering every kind, for the loader's tests."""

import textwrap

from django.core.management import call_command

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


def load(path, **options):
    """Run load_content quietly."""
    call_command("load_content", path=str(path), verbosity=0, **options)


def edit(path, old, new, name="base.yaml"):
    """Replace `old` (which must be there) by `new` in one of the files."""
    text = (path / name).read_text()
    assert old in text, old
    (path / name).write_text(text.replace(old, new, 1))
