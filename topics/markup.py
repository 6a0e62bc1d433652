"""Render editor-written Markdown to safe HTML.

Markdown may contain raw HTML, so everything it produces goes through nh3 (the
Ammonia sanitiser) with an allow-list: scripts, styles, event handlers and
`javascript:`/`data:` URLs never reach a reader.

Topic bodies cite sources inline as `[@key]`; `render_markdown` numbers them in
order of first use and returns the sources in that order, so the page's
reference list and the superscript numbers always agree. Every marker has an
id of its own (`cite-2` for the first use of source 2, `cite-2-2`, `cite-2-3`
for the next), so the reference list links back to each place a source is
cited (`Rendered.backlinks()`).

Rendering is a pure function of the text (and the keys it may cite), and every
page showed the same few texts again and again: each process keeps the last
`RENDERED_KEPT` renderings (`functools.lru_cache`), so a topic body or a card's
snippet is rendered once per process and edit, not once per request.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import markdown as markdown_lib
import nh3
from django.utils.html import escape

CITATION_MARKER = re.compile(r"\[@([a-z0-9][a-z0-9-]*)\]")

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h2", "h3",
    "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "li": {"id"},
    "sup": {"id"},
    "th": {"scope"},
}
ALLOWED_CLASSES = {
    "a": {"headerlink", "footnote-ref", "footnote-backref"},
    "div": {"footnote"},
    "sup": {"cite"},
}


# Renderings kept per process: every record's texts on the bundled content, many times over.
RENDERED_KEPT = 2048


@dataclass(frozen=True)
class Rendered:
    """A rendering, shared by every request that asks for the same text: never changed."""

    html: str
    cited_keys: tuple = ()
    toc: tuple = ()
    # How many times each of `cited_keys` is cited, in the same order.
    uses: tuple = ()

    def backlinks(self, key):
        """Return the Backlinks to each place `key` is cited, in the text's order."""
        if key not in self.cited_keys:
            return []
        index = self.cited_keys.index(key)
        return backlinks(index + 1, self.uses[index])


@dataclass(frozen=True)
class Backlink:
    """A link from reference `number`'s entry back to one marker citing it."""

    id: str  # the marker's id, "cite-2-3"
    letter: str  # "c", shown when the source is cited more than once
    label: str  # "Back to citation 3 of 3"


def marker_id(number, use):
    """The id of the `use`th marker (from 1) citing reference `number`."""
    return f"cite-{number}" if use == 1 else f"cite-{number}-{use}"


def _letter(use):
    """a, b, … z, then aa, ab…, as Wikipedia does."""
    letters = ""
    while use:
        use, rest = divmod(use - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def backlinks(number, uses):
    if uses == 1:
        return [Backlink(marker_id(number, 1), "", "Back to citation")]
    return [
        Backlink(marker_id(number, use), _letter(use), f"Back to citation {use} of {uses}")
        for use in range(1, uses + 1)
    ]


def cited_keys(text):
    """Return the distinct `[@key]` citations in `text`, in order of first use."""
    return list(dict.fromkeys(CITATION_MARKER.findall(text or "")))


def sanitize(html):
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def render_markdown(text, known_keys=None):
    """Render Markdown to sanitised HTML, numbering `[@key]` citations.

    `known_keys` is the set of keys the record cites; a marker for any other
    key is shown as an unresolved reference rather than a broken link.
    """
    return _render(text or "", None if known_keys is None else frozenset(known_keys))


@lru_cache(maxsize=RENDERED_KEPT)
def _render(text, known_keys):
    numbers = {}
    uses = {}

    def number(match):
        key = match.group(1)
        if known_keys is not None and key not in known_keys:
            return f"[{escape(key)}?]"
        n = numbers.setdefault(key, len(numbers) + 1)
        uses[key] = uses.get(key, 0) + 1
        anchor = marker_id(n, uses[key])
        return f'<sup class="cite" id="{anchor}"><a href="#ref-{n}">[{n}]</a></sup>'

    source = CITATION_MARKER.sub(number, text)
    md = markdown_lib.Markdown(
        extensions=["extra", "toc", "sane_lists"],
        extension_configs={
            "toc": {
                "permalink": "#",
                "permalink_title": "Link to this section",
                "toc_depth": "2-3",
            },
        },
        output_format="html",
    )
    html = sanitize(md.convert(source))
    return Rendered(
        html=html,
        cited_keys=tuple(numbers),
        toc=tuple(getattr(md, "toc_tokens", ())),
        uses=tuple(uses[key] for key in numbers),
    )
