"""The glossary page and the first-use links to it (topics/glossary.py)."""

import re

import pytest

from topics.glossary import Glossary
from topics.models import Term

from .factories import SourceFactory, TermFactory, TopicFactory

pytestmark = pytest.mark.django_db


def link(terms, *texts):
    """Link the texts as one page does: in order, sharing one set of linked terms."""
    glossary, linked = Glossary(terms), set()
    return [glossary.link(text, linked) for text in texts]


@pytest.fixture
def terms():
    return [
        Term(
            slug="rats",
            term="RATS",
            expansion="Regional Anti-Terrorist Structure",
            also_matches="RATS Executive Committee",
        ),
        Term(slug="rats-executive-committee", term="RATS Executive Committee"),
        Term(slug="cpx", term="CPX", expansion="command-post exercise", also_matches="CPXs"),
        Term(slug="three-evils", term="three evils"),
    ]


RATS = '<a class="term" href="/glossary/#rats" title="Regional Anti-Terrorist Structure">'
CPX = '<a class="term" href="/glossary/#cpx" title="command-post exercise">'
EVILS = '<a class="term" href="/glossary/#three-evils">'


def test_only_the_first_use_is_linked(terms):
    assert link(terms[:1], "<p>RATS met. RATS met again.</p>") == [
        f"<p>{RATS}RATS</a> met. RATS met again.</p>"
    ]


def test_acronyms_match_as_written_and_other_forms_ignore_case(terms):
    assert link(terms, "<p>Rats and rats; Three Evils; a Command-Post Exercise; CPX</p>") == [
        f"<p>Rats and rats; {EVILS}Three Evils</a>; a {CPX}Command-Post Exercise</a>; CPX</p>"
    ]


def test_whole_words_only(terms):
    assert link(terms, "<p>CPXS, XCPX and CPX-led drills</p>") == [
        f"<p>CPXS, XCPX and {CPX}CPX</a>-led drills</p>"
    ]


def test_never_inside_links_headings_code_abbr_or_attributes(terms):
    html = (
        '<h2 id="rats">RATS</h2><p><a href="/x/" title="RATS">RATS</a> <code>RATS</code> '
        '<abbr title="RATS">RATS</abbr> <sup class="cite"><a href="#ref-1">[1]</a></sup></p>'
        "<p>then RATS</p>"
    )
    assert link(terms, html) == [html.replace("then RATS", f"then {RATS}RATS</a>")]


def test_the_longest_form_is_linked_first(terms):
    # "RATS Executive Committee" is a form of two terms: the first listed takes it, whole.
    assert link(terms[1:2] + terms[:1], "<p>The RATS Executive Committee of RATS.</p>") == [
        '<p>The <a class="term" href="/glossary/#rats-executive-committee">'
        f"RATS Executive Committee</a> of {RATS}RATS</a>.</p>"
    ]


def test_once_per_page_across_texts(terms):
    assert link(terms, "<p>A CPX.</p>", "<p>Another CPX; the three\nevils.</p>") == [
        f"<p>A {CPX}CPX</a>.</p>",
        f"<p>Another CPX; the {EVILS}three\nevils</a>.</p>",
    ]


def test_no_terms_leaves_the_text_alone():
    assert link([], "<p>RATS</p>") == ["<p>RATS</p>"]


@pytest.fixture
def glossary_terms():
    source = SourceFactory(key="rats-source", title="The RATS source")
    return [
        TermFactory(term="three evils", slug="three-evils", sources=[source]),
        TermFactory(
            term="CPX",
            slug="cpx",
            expansion="command-post exercise",
            definition="A drill of *staffs*.",
            sources=[source],
        ),
        TermFactory(term="RATS", slug="rats", expansion="Regional Anti-Terrorist Structure"),
        TermFactory(term="Draft term", slug="draft-term", status="draft"),
    ]


def test_glossary_lists_published_terms_alphabetically(client, glossary_terms):
    response = client.get("/glossary/")
    assert response.status_code == 200
    assert [term.slug for term in response.context["terms"]] == ["cpx", "rats", "three-evils"]
    page = response.content.decode()
    ids = re.findall(r'class="glossary-entry" id="([^"]+)"', page)
    assert ids == ["cpx", "rats", "three-evils"]
    assert "draft-term" not in page and "Draft term" not in page
    assert '<abbr title="command-post exercise">CPX</abbr>' in page
    assert "<p>A drill of <em>staffs</em>.</p>" in page
    assert "The RATS source" in page
    letters = re.findall(r'<a href="#letter-([a-z#])">', page)
    assert letters == ["c", "r", "t"]
    # The definitions are not linked to the glossary itself.
    assert 'class="term"' not in page
    assert '<a href="/glossary/" aria-current="page">Glossary</a>' in page


def test_topic_page_links_a_term_used_twice_once(client, glossary_terms):
    topic = TopicFactory(
        slug="drills",
        body="## CPX\n\nA CPX came first. Then a second CPX.\n\nRATS watched.",
        sources=[SourceFactory()],
    )
    page = client.get(topic.get_absolute_url()).content.decode()
    links = re.findall(r'<a class="term" href="([^"]+)"[^>]*>([^<]*)</a>', page)
    assert links == [("/glossary/#cpx", "CPX"), ("/glossary/#rats", "RATS")]


def test_draft_terms_are_not_linked(client, glossary_terms):
    topic = TopicFactory(body="A Draft term here.", sources=[SourceFactory()])
    page = client.get(topic.get_absolute_url()).content.decode()
    assert 'class="term"' not in page
