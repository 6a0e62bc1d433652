"""Every record is citable: its citations, files for reference managers, head tags, backlinks."""

import datetime
import json
import re
from decimal import Decimal

import bibtexparser
import pytest
import rispy

from topics import citations
from topics.markup import backlinks
from topics.models import Body, Exercise, Meeting, Policy, Topic

from .factories import (
    CitationFactory,
    CountryFactory,
    ExerciseFactory,
    PolicyFactory,
    SourceFactory,
    TopicFactory,
)

CHANGED = datetime.datetime(2026, 11, 29, 10, 30, tzinfo=datetime.UTC)
PUBLISHED = datetime.datetime(2025, 3, 2, 8, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 12, 4)


@pytest.fixture(autouse=True)
def accessed_today(monkeypatch):
    monkeypatch.setattr(citations, "today", lambda: TODAY)


def changed(record, when=CHANGED):
    """Set when `record` last changed and was first published (saving would move it)."""
    type(record).objects.filter(pk=record.pk).update(updated_at=when, published_at=PUBLISHED)


def text(response):
    assert response.status_code == 200
    return response.content.decode()


def json_ld(page):
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(found) == 1
    return json.loads(found[0])


def meta(page, name):
    return re.findall(rf'<meta name="{name}" content="([^"]*)">', page)


@pytest.fixture
def drill(db):
    exercise = ExerciseFactory(
        name="Peace Mission 2007",
        aliases="ru: Мирная миссия 2007",
        start_date=datetime.date(2007, 8, 1),
        start_precision="month",
        end_date=datetime.date(2007, 8, 17),
        location="Chebarkul, Russia",
        latitude=Decimal("54.98"),
        longitude=Decimal("60.37"),
    )
    changed(exercise)
    return exercise


# The citations readers copy --------------------------------------------------------


def test_apa_and_chicago_citations_of_an_exercise_are_exact(client, drill):
    page = text(client.get("/exercises/peace-mission-2007/"))
    apa = (
        "SCO Military Cooperation Reference. (2026, November 29). <cite>Peace Mission 2007</cite> "
        "[Exercise record]. Retrieved December 4, 2026, from "
        "http://testserver/exercises/peace-mission-2007/"
    )
    chicago = (
        "SCO Military Cooperation Reference. “<cite>Peace Mission 2007</cite>.” Exercise record. "
        "Last modified November 29, 2026. Accessed December 4, 2026. "
        "http://testserver/exercises/peace-mission-2007/."
    )
    assert f"<p>{apa}</p>" in page
    assert f"<p>{chicago}</p>" in page
    block = page.split('id="cite-heading"')[1]
    assert '<dd><time datetime="2026-11-29">29 November 2026</time></dd>' in block
    assert (
        '<a href="http://testserver/exercises/peace-mission-2007/">'
        "http://testserver/exercises/peace-mission-2007/</a>" in block
    )
    assert 'href="/exercises/peace-mission-2007/cite.bib"' in block
    assert 'href="/exercises/peace-mission-2007/cite.ris"' in block


def test_a_policy_is_cited_by_its_short_name_as_its_kind_of_document(client, db):
    policy = PolicyFactory(short_name="Shanghai Convention", kind="convention")
    changed(policy)
    citation = citations.record_citation(
        Policy.objects.get(pk=policy.pk), client.get("/").wsgi_request
    )
    assert citation.apa == (
        "SCO Military Cooperation Reference. (2026, November 29). Shanghai Convention "
        "[Convention record]. Retrieved December 4, 2026, from "
        "http://testserver/policies/shanghai-convention/"
    )
    assert citation.chicago == (
        "SCO Military Cooperation Reference. “Shanghai Convention.” Convention record. "
        "Last modified November 29, 2026. Accessed December 4, 2026. "
        "http://testserver/policies/shanghai-convention/."
    )


def test_a_topic_shows_when_it_was_last_reviewed(client, db):
    topic = TopicFactory(title="Origins", last_reviewed=datetime.date(2026, 10, 1))
    changed(topic)
    block = text(client.get("/topics/origins/")).split('id="cite-heading"')[1]
    assert "<dt>Last reviewed</dt>" in block
    assert '<time datetime="2026-10-01">1 October 2026</time>' in block
    assert "(2026, November 29). <cite>Origins</cite> [Article]." in block


def test_every_kind_of_record_has_the_cite_block(client, world):
    body = Body.objects.create(
        name="Council of Defence Ministers", short_name="CDM", slug="cdm", status="published"
    )
    Meeting.objects.create(
        body=body,
        name="Beijing 2018",
        slug="beijing-2018",
        date=datetime.date(2018, 4, 24),
        status="published",
    )
    for url in (
        "/topics/peace-mission-exercises/",
        "/exercises/peace-mission-2007/",
        "/policies/shanghai-convention/",
        "/countries/china/",
        "/series/peace-mission/",
        "/bodies/cdm/",
        "/meetings/beijing-2018/",
    ):
        page = text(client.get(url))
        assert 'id="cite-heading"' in page, url
        assert f'href="{url}cite.bib"' in page and f'href="{url}cite.ris"' in page, url
        assert meta(page, "citation_public_url") == [f"http://testserver{url}"], url
        assert json_ld(page)["url"] == f"http://testserver{url}", url
        assert client.get(f"{url}cite.bib").status_code == 200, url


# Files for reference managers -------------------------------------------------------


def test_bibtex_file_parses_with_title_url_and_year(client, drill):
    response = client.get("/exercises/peace-mission-2007/cite.bib")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="peace-mission-2007.bib"'
    library = bibtexparser.parse_string(response.content.decode())
    assert not library.failed_blocks
    (entry,) = library.entries
    assert entry.entry_type == "misc"
    assert entry.key == "scoref-exercise-peace-mission-2007"
    fields = {field.key: field.value for field in entry.fields}
    assert fields["title"] == "{Peace Mission 2007}"
    assert fields["author"] == "{SCO Military Cooperation Reference}"
    assert fields["year"] == "2026"
    assert fields["month"] == "nov"
    assert fields["url"] == "http://testserver/exercises/peace-mission-2007/"
    assert fields["urldate"] == "2026-12-04"
    assert fields["note"] == "Exercise record, last changed 29 November 2026"


def test_bibtex_escapes_tex_special_characters(client, db):
    ExerciseFactory(name="Drill {A} & 100% _x_ #1 $5 ~^\\", slug="odd-drill")
    content = client.get("/exercises/odd-drill/cite.bib").content.decode()
    assert (
        r"title = {{Drill \{A\} \& 100\% \_x\_ \#1 \$5 "
        r"\textasciitilde{}\textasciicircum{}\textbackslash{}}}," in content
    )
    (entry,) = bibtexparser.parse_string(content).entries
    assert entry.fields_dict["url"].value == "http://testserver/exercises/odd-drill/"


def test_ris_file_parses_with_title_url_and_year(client, drill):
    response = client.get("/exercises/peace-mission-2007/cite.ris")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="peace-mission-2007.ris"'
    content = response.content.decode()
    assert content.startswith("TY  - ELEC\r\n") and content.endswith("ER  - \r\n")
    (entry,) = rispy.loads(content)
    assert entry["type_of_reference"] == "ELEC"
    assert entry["title"] == "Peace Mission 2007"
    assert entry["authors"] == ["SCO Military Cooperation Reference"]
    assert entry["publisher"] == "SCO Military Cooperation Reference"
    assert entry["year"] == "2026"
    assert entry["date"] == "2026/11/29"
    assert entry["access_date"] == "2026/12/04"
    assert entry["urls"] == ["http://testserver/exercises/peace-mission-2007/"]


def test_ris_keeps_each_field_on_one_line(client, db):
    ExerciseFactory(name="Drill\nER  - injected", slug="two-lines")
    content = client.get("/exercises/two-lines/cite.ris").content.decode()
    assert "TI  - Drill ER - injected\r\n" in content
    assert len(rispy.loads(content)) == 1


def test_draft_is_never_cited(client, world, drafts):
    for url in (
        "/exercises/secret-drill-2019/cite.bib",
        "/exercises/secret-drill-2019/cite.ris",
        "/policies/draft-protocol/cite.bib",
        "/topics/unfinished-article/cite.ris",
        "/countries/ruritania/cite.bib",
        "/series/sea-guardian/cite.bib",
    ):
        assert client.get(url).status_code == 404, url


def test_draft_is_not_cited_for_staff_either(admin_client, world):
    assert admin_client.get("/exercises/secret-drill-2019/cite.bib").status_code == 404
    preview = text(admin_client.get("/exercises/secret-drill-2019/"))
    assert "cite.bib" not in preview and "once it is published" in preview


def test_unknown_citation_format_is_not_found(client, drill):
    assert client.get("/exercises/peace-mission-2007/cite.txt").status_code == 404


# The page's head ---------------------------------------------------------------------


def test_citation_meta_tags_have_exact_values(client, drill):
    page = text(client.get("/exercises/peace-mission-2007/"))
    head = page.split("</head>")[0]
    expected = {
        "citation_title": "Peace Mission 2007",
        "citation_author": "SCO Military Cooperation Reference",
        "citation_publisher": "SCO Military Cooperation Reference",
        "citation_publication_date": "2026/11/29",
        "citation_date": "2026/11/29",
        "citation_online_date": "2025/03/02",
        "citation_public_url": "http://testserver/exercises/peace-mission-2007/",
        "citation_abstract_html_url": "http://testserver/exercises/peace-mission-2007/",
        "citation_language": "en",
    }
    for name, content in expected.items():
        assert meta(head, name) == [content], name


def test_exercise_json_ld_is_an_event_at_the_stored_precision(client, drill):
    data = json_ld(text(client.get("/exercises/peace-mission-2007/")))
    assert data == {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": "Peace Mission 2007",
        "startDate": "2007-08",
        "endDate": "2007-08-17",
        "location": {
            "@type": "Place",
            "name": "Chebarkul, Russia",
            "geo": {"@type": "GeoCoordinates", "latitude": 54.98, "longitude": 60.37},
        },
        "alternateName": ["Мирная миссия 2007"],
        "url": "http://testserver/exercises/peace-mission-2007/",
    }


def test_policy_json_ld_is_legislation(client, db):
    policy = PolicyFactory(
        short_name="Shanghai Convention",
        title="Shanghai Convention on Combating Terrorism, Separatism and Extremism",
        kind="convention",
        signed_date=datetime.date(2001, 6, 15),
        legal_status="in-force",
        in_force_date=datetime.date(2003, 3, 1),
        in_force_precision="month",
    )
    changed(policy)
    data = json_ld(text(client.get("/policies/shanghai-convention/")))
    assert data["@type"] == "Legislation"
    assert data["name"] == policy.title
    assert data["alternateName"] == ["Shanghai Convention"]
    assert data["legislationDate"] == "2001-06-15"
    assert data["legislationDateOfApplicability"] == "2003-03"
    assert data["legislationType"] == "Convention"
    assert data["legislationLegalForce"] == "https://schema.org/InForce"


def test_topic_json_ld_is_an_article_published_by_the_site(client, db):
    topic = TopicFactory(title="Origins", summary="Where it began.")
    changed(topic)
    data = json_ld(text(client.get("/topics/origins/")))
    assert data["@type"] == "Article"
    assert data["headline"] == "Origins"
    assert data["dateModified"] == "2026-11-29T10:30:00+00:00"
    assert data["datePublished"] == "2025-03-02T08:00:00+00:00"
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "SCO Military Cooperation Reference",
        "url": "http://testserver/",
    }
    assert data["url"] == "http://testserver/topics/origins/"


def test_json_ld_cannot_close_its_script_element(client, db):
    ExerciseFactory(name="</script><script>alert(1)</script> & co", slug="hostile")
    page = text(client.get("/exercises/hostile/"))
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1]
    assert "<" not in script and ">" not in script and "&" not in script
    assert "\\u003c/script\\u003e" in script
    assert json.loads(script)["name"] == "</script><script>alert(1)</script> & co"


def test_country_series_body_and_meeting_json_ld_types(client, world):
    CountryFactory(name="Freedonia", iso_code="FD")
    body = Body.objects.create(
        name="Council of Defence Ministers",
        short_name="CDM",
        slug="cdm",
        status="published",
        founded_date=datetime.date(2002, 5, 1),
        founded_precision="month",
    )
    Meeting.objects.create(
        body=body,
        name="Beijing 2018",
        slug="beijing-2018",
        date=datetime.date(2018, 4, 24),
        place="Beijing",
        status="published",
    )
    country = json_ld(text(client.get("/countries/freedonia/")))
    assert (country["@type"], country["name"], country["identifier"]) == (
        "Country",
        "Freedonia",
        "FD",
    )
    series = json_ld(text(client.get("/series/peace-mission/")))
    assert (series["@type"], series["name"]) == ("EventSeries", "Peace Mission")
    council = json_ld(text(client.get("/bodies/cdm/")))
    assert council["@type"] == "GovernmentOrganization"
    assert council["foundingDate"] == "2002-05" and council["alternateName"] == ["CDM"]
    meeting = json_ld(text(client.get("/meetings/beijing-2018/")))
    assert (meeting["@type"], meeting["startDate"]) == ("Event", "2018-04-24")
    assert meeting["organizer"]["url"] == "http://testserver/bodies/cdm/"


# Backlinks from the references to the text -----------------------------------------


def test_source_cited_twice_links_back_to_both_markers(client, world):
    page = text(client.get("/topics/peace-mission-exercises/"))
    # TASS is cited first and third: reference 1, markers cite-1 and cite-1-2.
    markers = re.findall(r'<sup class="cite" id="([^"]+)"><a href="#ref-(\d)"', page)
    assert markers == [("cite-1", "1"), ("cite-2", "2"), ("cite-1-2", "1")]
    entry = re.search(r'<li id="ref-1">(.*?)</li>', page, re.S)[1]
    assert re.findall(r'<a href="#([^"]+)" aria-label="([^"]+)">(\w)</a>', entry) == [
        ("cite-1", "Back to citation 1 of 2", "a"),
        ("cite-1-2", "Back to citation 2 of 2", "b"),
    ]
    once = re.search(r'<li id="ref-2">(.*?)</li>', page, re.S)[1]
    assert '<a href="#cite-2" aria-label="Back to citation">↑</a>' in once
    # Every backlink leads to a marker on the page.
    ids = {marker for marker, _ in markers}
    assert set(re.findall(r'<a href="#(cite-[^"]+)"', page)) == ids


def test_uncited_reference_has_no_backlink(client, db):
    listed = SourceFactory(title="Listed only")
    TopicFactory(title="Quiet", body="No markers here.", sources=[listed])
    page = text(client.get("/topics/quiet/"))
    entry = re.search(r'<li id="ref-1">(.*?)</li>', page, re.S)[1]
    assert "Listed only" in entry and "backlinks" not in entry


def test_markers_of_a_body_description_get_backlinks_too(client, db):
    body = Body.objects.create(
        name="RATS Council",
        short_name="RATS Council",
        slug="rats-council",
        status="published",
        description="Meets yearly [@rats-src]. Chairs rotate [@rats-src].",
    )
    CitationFactory(record=body, source=SourceFactory(key="rats-src", title="RATS report"))
    page = text(client.get("/bodies/rats-council/"))
    assert 'id="cite-1"' in page and 'id="cite-1-2"' in page
    assert 'aria-label="Back to citation 2 of 2">b</a>' in page


def test_letters_go_on_after_z():
    links = backlinks(3, 28)
    assert [link.letter for link in links[24:]] == ["y", "z", "aa", "ab"]
    assert links[27].id == "cite-3-28" and links[27].label == "Back to citation 28 of 28"


def test_structured_data_of_records_with_little_known(db):
    exercise = Exercise.objects.create(
        name="Solo", slug="solo", start_date=datetime.date(2010, 1, 1), framework="rats"
    )
    topic = Topic.objects.create(title="T", slug="t", summary="S", body="B")
    assert citations.structured_data(exercise, "u", "s")["startDate"] == "2010-01-01"
    assert citations.structured_data(topic, "u", "s")["headline"] == "T"
