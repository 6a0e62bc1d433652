"""Reader pages as a screen reader meets them, rendered from the bundled content.

Every page has one h1 and never skips a heading level; the banner, main and
contentinfo landmarks appear once each; every search and navigation landmark
has an accessible name, and landmarks of the same role are named apart (axe's
landmark-unique). Detail pages are checked for every published record.
"""

from html.parser import HTMLParser

import pytest
from django.db import transaction

from topics.bundle.loading import load_content
from topics.models import Country, Exercise, ExerciseSeries, Policy, Theme, Topic

pytestmark = pytest.mark.django_db

VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# A header or footer inside these is not the page's banner or contentinfo.
SECTIONING = {"article", "aside", "main", "nav", "section"}


@pytest.fixture(scope="module")
def bundled_content(django_db_setup, django_db_blocker):
    """The bundled content files, loaded once for this module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_content()
        yield
        transaction.set_rollback(True)


# A page as a tree ----------------------------------------------------------------


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children = []  # Nodes and strings

    def text(self):
        return " ".join(
            "".join(c if isinstance(c, str) else f" {c.text()} " for c in self.children).split()
        )

    def walk(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        open_tags = [self.current, *self.current.ancestors()]
        if any(node.tag == tag for node in open_tags):  # else a stray end tag: ignore it
            while self.current.tag != tag:
                self.current = self.current.parent
            self.current = self.current.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html):
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def accessible_name(node, by_id):
    """The name from aria-labelledby or aria-label (the only ways landmarks here get one)."""
    if node.attrs.get("aria-labelledby"):
        ids = node.attrs["aria-labelledby"].split()
        return " ".join(by_id[i].text() for i in ids if i in by_id)
    return (node.attrs.get("aria-label") or "").strip()


def landmark_role(node, name):
    role = node.attrs.get("role")
    if role:
        return role
    inside_sectioning = any(a.tag in SECTIONING for a in node.ancestors())
    return {
        "header": None if inside_sectioning else "banner",
        "footer": None if inside_sectioning else "contentinfo",
        "main": "main",
        "nav": "navigation",
        "aside": "complementary",
        "section": "region" if name else None,
        "form": "form" if name else None,
    }.get(node.tag)


LANDMARKS = {
    "banner", "complementary", "contentinfo", "form", "main", "navigation", "region", "search",
}  # fmt: skip


def landmarks(root):
    by_id = {node.attrs["id"]: node for node in root.walk() if node.attrs.get("id")}
    found = []
    for node in root.walk():
        name = accessible_name(node, by_id)
        role = landmark_role(node, name)
        if role in LANDMARKS:
            found.append((role, name, node))
    return found


def headings(root):
    return [
        (int(node.tag[1]), node.text())
        for node in root.walk()
        if node.tag in HEADINGS and "hidden" not in node.attrs
    ]


# What is wrong with a page, if anything ------------------------------------------


def heading_problems(root):
    found = headings(root)
    problems = []
    h1s = [text for level, text in found if level == 1]
    if len(h1s) != 1:
        problems.append(f"{len(h1s)} h1 headings: {h1s}")
    previous = 0
    for level, text in found:
        if level > previous + 1:
            problems.append(f"h{level} “{text}” follows h{previous}")
        previous = level
    return problems


def landmark_problems(root):
    found = landmarks(root)
    problems = []
    for role in ("banner", "main", "contentinfo"):
        count = sum(1 for r, _, _ in found if r == role)
        if count != 1:
            problems.append(f"{count} {role} landmarks")
    main_navs = [n for r, name, n in found if r == "navigation" and name == "Main"]
    if len(main_navs) != 1 or not any(a.tag == "header" for a in main_navs[0].ancestors()):
        problems.append("the main navigation is not once in the banner")
    for role, name, node in found:
        if role in ("search", "navigation") and not name:
            problems.append(
                f"a {role} landmark (<{node.tag} class={node.attrs.get('class')}>) has no name"
            )
    for role in {r for r, _, _ in found}:
        names = [name for r, name, _ in found if r == role]
        if len(names) != len(set(names)):
            problems.append(f"{role} landmarks not named apart: {names}")
    return problems


def skip_link_problems(root):
    skip = next((n for n in root.walk() if "skip-link" in n.attrs.get("class", "").split()), None)
    mains = [n for n in root.walk() if n.tag == "main"]
    if skip is None or not mains:
        return ["no skip link or no main"]
    if skip.attrs.get("href") != f"#{mains[0].attrs.get('id')}":
        return [f"the skip link goes to {skip.attrs.get('href')}, not to the main landmark"]
    return []


# The reader pages ----------------------------------------------------------------


def published(model):
    return [record.get_absolute_url() for record in model.objects.published()]


PAGES = {
    "home": lambda: ["/"],
    "topic list": lambda: ["/topics/"],
    "topic detail": lambda: published(Topic),
    # The bundled exercises fill more than one page: page 2 has the pager's own navigation.
    "exercise list": lambda: ["/exercises/", "/exercises/?page=2", "/exercises/?q=zzzz"],
    "exercise detail": lambda: published(Exercise),
    "policy list": lambda: ["/policies/", "/policies/?q=zzzz"],
    "policy detail": lambda: published(Policy),
    "country list": lambda: ["/countries/"],
    "country detail": lambda: published(Country),
    "theme list": lambda: ["/themes/"],
    "theme detail": lambda: published(Theme),
    "series list": lambda: ["/series/"],
    "series detail": lambda: published(ExerciseSeries),
    "search": lambda: ["/search/?q=peace+mission", "/search/?q=zzzz", "/search/"],
    "timeline": lambda: ["/timeline/", "/timeline/?show=policies"],
    "about": lambda: ["/about/"],
}


def rendered(client, urls):
    pages = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append((url, parse(response.content.decode())))
    return pages


@pytest.mark.parametrize("page", PAGES)
def test_one_h1_and_no_heading_level_skipped(client, bundled_content, page):
    pages = rendered(client, PAGES[page]())
    assert pages
    problems = {url: heading_problems(root) for url, root in pages}
    assert not {url: found for url, found in problems.items() if found}


@pytest.mark.parametrize("page", PAGES)
def test_landmarks_once_and_named_apart(client, bundled_content, page):
    pages = rendered(client, PAGES[page]())
    problems = {url: landmark_problems(root) + skip_link_problems(root) for url, root in pages}
    assert not {url: found for url, found in problems.items() if found}


def test_the_search_page_names_its_two_search_landmarks_apart(client, bundled_content):
    root = parse(client.get("/search/", {"q": "peace mission"}).content.decode())
    names = [name for role, name, _ in landmarks(root) if role == "search"]
    assert len(names) == 2 and all(names) and len(set(names)) == 2, names


def test_list_pages_put_their_cards_under_an_h2(client, bundled_content):
    for url in ("/topics/", "/exercises/", "/policies/"):
        found = headings(parse(client.get(url).content.decode()))
        assert [level for level, _ in found[:3]] == [1, 2, 3], (url, found[:3])


def test_the_tree_builder_sees_what_a_screen_reader_sees():
    root = parse(
        '<header><nav aria-label="Main"></nav></header><main id="m"><article><header>'
        '<h1>T</h1></header><section aria-labelledby="s"><h2 id="s">Part <b>one</b></h2>'
        '<img alt=""></section><section><h3>x</h3></section></article></main><footer></footer>'
    )
    assert [(r, n) for r, n, _ in landmarks(root)] == [
        ("banner", ""), ("navigation", "Main"), ("main", ""), ("region", "Part one"),
        ("contentinfo", ""),
    ]  # fmt: skip
    assert headings(root) == [(1, "T"), (2, "Part one"), (3, "x")]
    assert heading_problems(parse("<h1>a</h1><h3>b</h3>")) == ["h3 “b” follows h1"]
    assert heading_problems(parse("<h2>a</h2>")) == ["0 h1 headings: []", "h2 “a” follows h0"]
