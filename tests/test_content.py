"""Quality checks over the bundled content files (topics/content/)."""

import re

import pytest
import yaml

from topics.bundle.loading import load_content
from topics.bundle.reading import CONTENT_DIR, ContentError, read_bundle
from topics.dates import parse_partial_date
from topics.markdown import cited_keys

pytestmark = pytest.mark.django_db

REQUIRED_TOPICS = {
    "evolution-of-sco-military-cooperation", "strategic-objectives", "exercises-and-protocols",
    "peace-mission-exercises", "counterterrorism-and-rats", "legal-and-policy-framework",
    "belt-and-road-and-security", "russia-and-china", "challenges-and-limits",
    "counterterrorism-and-border-security", "future-prospects",
    "significance-for-regional-security",
}  # fmt: skip
MEMBERS = {"CN", "KZ", "KG", "RU", "TJ", "UZ", "IN", "PK", "IR", "BY"}
OBSERVERS_AND_PARTNERS = {
    "MN", "AF", "LK", "TR", "AZ", "AM", "KH", "NP", "EG", "QA", "SA", "BH", "KW", "MV", "MM",
    "AE", "LA",
}  # fmt: skip


@pytest.fixture(scope="module")
def bundle():
    # Only the files' structure: each test below checks its own rule, so it can fail
    # on its own (test_bundled_content_passes_every_check runs the loader's checks).
    return read_bundle(CONTENT_DIR)


def data(bundle, kind):
    return [entry.data for entry in bundle.entries[kind]]


def words(markdown_text):
    text = re.sub(r"\[@[a-z0-9-]+\]", "", markdown_text)
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets are not words
    return re.findall(r"[A-Za-z0-9][A-Za-z0-9’'\-.,%]*", text)


def test_bundled_content_passes_every_check():
    try:
        report = load_content(path=CONTENT_DIR, check=True)
    except ContentError as error:
        pytest.fail("\n".join(error.problems))
    assert report.valid.startswith("12 themes, 653 sources")


def test_minimum_counts(bundle):
    exercises = [
        e for e in data(bundle, "exercises") if e.get("status", "published") == "published"
    ]
    assert len(exercises) >= 30
    assert len(data(bundle, "policies")) >= 22
    assert REQUIRED_TOPICS <= {t["slug"] for t in data(bundle, "topics")}
    countries = {c["iso"] for c in data(bundle, "countries")}
    assert MEMBERS | OBSERVERS_AND_PARTNERS <= countries
    assert len(data(bundle, "themes")) >= 10 and len(data(bundle, "series")) >= 4


def test_every_factual_record_cites_a_source_url(bundle):
    urls = {s["key"]: s["url"] for s in data(bundle, "sources")}
    assert all(url.startswith(("https://", "http://")) for url in urls.values())
    records = data(bundle, "exercises") + data(bundle, "policies") + data(bundle, "topics")
    records += [m for c in data(bundle, "countries") for m in c["memberships"]]
    for record in records:
        keys = [s["key"] if isinstance(s, dict) else s for s in record.get("sources") or []]
        assert keys, record
        assert all(key in urls for key in keys), record


def test_members_have_current_member_status_with_dates(bundle):
    by_iso = {c["iso"]: c for c in data(bundle, "countries")}
    expected_start = {
        "IN": "2017-06-09",
        "PK": "2017-06-09",
        "IR": "2023-07-04",
        "BY": "2024-07-04",
    }
    for iso in MEMBERS:
        current = [m for m in by_iso[iso]["memberships"] if not m.get("end")]
        assert len(current) == 1, iso
        assert current[0]["status"] in {"member", "founding-member"}, iso
        if iso in expected_start:
            assert str(current[0]["start"]) == expected_start[iso]


def test_status_histories_are_ordered_and_do_not_overlap(bundle):
    for country in data(bundle, "countries"):
        periods = country["memberships"]
        assert all(p.get("end") for p in periods[:-1]), (
            country["iso"],
            "only the last may be open",
        )
        for period in periods:
            if period.get("end"):
                end = parse_partial_date(period["end"], end=True)[0]
                assert end >= parse_partial_date(period["start"])[0], country["iso"]
        for earlier, later in zip(periods, periods[1:], strict=False):
            # The next status starts when (or after) the previous one ends.
            assert (
                parse_partial_date(later["start"], end=True)[0]
                >= parse_partial_date(earlier["end"])[0]
            ), country["iso"]


def test_dates_are_valid_and_ordered(bundle):
    for exercise in data(bundle, "exercises"):
        start = parse_partial_date(exercise["start"])[0]
        if exercise.get("end"):
            assert parse_partial_date(exercise["end"], end=True)[0] >= start, exercise["slug"]
    for policy in data(bundle, "policies"):
        signed = parse_partial_date(policy["signed"])[0]
        if policy.get("in_force"):
            assert parse_partial_date(policy["in_force"], end=True)[0] >= signed, policy["slug"]


def test_slugs_and_keys_are_unique(bundle):
    for kind, field in (
        ("exercises", "slug"),
        ("policies", "slug"),
        ("topics", "slug"),
        ("themes", "slug"),
        ("series", "slug"),
        ("sources", "key"),
        ("countries", "iso"),
    ):
        values = [record[field] for record in data(bundle, kind)]
        assert len(values) == len(set(values)), kind


def test_outside_sco_drills_are_marked_in_their_description(bundle):
    for exercise in data(bundle, "exercises"):
        if exercise["framework"] == "outside-sco":
            assert "SCO" in exercise.get("description", ""), exercise["slug"]


def test_exercises_have_participants_kind_and_description(bundle):
    for exercise in data(bundle, "exercises"):
        if exercise.get("status") == "draft":
            continue
        assert exercise.get("participants"), exercise["slug"]
        assert any(p.get("role") == "host" for p in exercise["participants"]), exercise["slug"]
        assert exercise.get("kind") and exercise.get("location"), exercise["slug"]
        assert len(words(exercise.get("description", ""))) >= 30, exercise["slug"]


def test_policies_have_summary_parties_and_text_link_where_binding(bundle):
    for policy in data(bundle, "policies"):
        assert 0 < len(policy["summary"]) <= 500, policy["slug"]
        assert len(words(policy.get("body", ""))) >= 100, policy["slug"]
        assert policy.get("parties"), policy["slug"]


@pytest.mark.parametrize("slug", sorted(REQUIRED_TOPICS))
def test_topic_length_references_and_summary(bundle, slug):
    topic = next(t for t in data(bundle, "topics") if t["slug"] == slug)
    assert len(words(topic["body"])) >= 400
    assert len(cited_keys(topic["body"])) >= 3
    assert 0 < len(topic["summary"]) <= 300
    assert topic.get("last_reviewed")
    assert not re.search(r"^# ", topic["body"], re.MULTILINE), "use ## and ### headings"
    links = re.findall(r"\]\((/[a-z]+/[a-z0-9-]+/)\)", topic["body"])
    assert links, "an article links the records it discusses"


def test_internal_links_in_text_resolve(bundle):
    known = {
        "exercises": {e["slug"] for e in data(bundle, "exercises")},
        "policies": {p["slug"] for p in data(bundle, "policies")},
        "topics": {t["slug"] for t in data(bundle, "topics")},
        "themes": {t["slug"] for t in data(bundle, "themes")},
        "series": {s["slug"] for s in data(bundle, "series")},
        "countries": {
            c.get("slug") or c["name"].lower().replace(" ", "-") for c in data(bundle, "countries")
        },
    }
    texts = [t["body"] for t in data(bundle, "topics")]
    texts += [p.get("body", "") for p in data(bundle, "policies")]
    texts += [e.get("description", "") + e.get("disputed", "") for e in data(bundle, "exercises")]
    texts += [s.get("description", "") for s in data(bundle, "series")]
    for text in texts:
        for section, slug in re.findall(r"\]\(/([a-z]+)/([a-z0-9-]+)/(?:#[^)]*)?\)", text):
            assert slug in known[section], f"/{section}/{slug}/"


def format_doc_examples():
    """Return {kind: the first record of its example} from docs/content-format.md."""
    text = (CONTENT_DIR.parent.parent / "docs" / "content-format.md").read_text()
    examples = {}
    for kind, block in re.findall(
        r"^## (\w+)[^\n]*\n```(?:yaml|markdown)\n(.*?)```", text, re.M | re.S
    ):
        if kind == "topics":
            front = block.split("---\n")[1]
            examples[kind] = yaml.safe_load(front)
        else:
            examples[kind] = yaml.safe_load(block)[kind][0]
    return examples


def test_the_format_doc_shows_every_key_of_every_kind_in_export_order():
    from topics.bundle.fields import Rows
    from topics.bundle.shapes import SHAPES

    examples = format_doc_examples()
    assert examples.keys() == SHAPES.keys()
    for kind, shape in SHAPES.items():
        keys = [field.key for field in shape.fields if field.key != "body" or kind != "topics"]
        assert list(examples[kind]) == keys, kind
        for rows in (f for f in shape.fields if isinstance(f, Rows) and not f.flat):
            for item in examples[kind][rows.key]:
                if isinstance(item, dict):
                    assert set(item) <= {field.key for field in rows.fields}, (kind, rows.key)
