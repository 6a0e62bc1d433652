"""First-use links to the glossary: the first time a page's text uses a term, it links there.

A page's texts (an article's body, an exercise's description and disputed points, a
meeting's outcome...) are rendered Markdown, sanitised by nh3 and so well-formed.
`link_first_uses()` runs over that HTML in the order the template shows the texts,
and links the first occurrence on the page of each published term (its term, its
expansion or one of its other forms) to its entry on /glossary/:

- whole words only; a form in capitals (an acronym: "RATS", "CPXs") matches as
  written, any other form ignores case;
- never inside a link, a heading, `<code>`/`<pre>` or an `<abbr>`, nor in an
  attribute (only the text between tags is searched);
- the longest form first, so "RATS Executive Committee" links as a whole;
- once per page: the terms already linked are kept on the request.

The terms become one compiled regular expression, kept per process for the current
content state (`ContentStateMemo`): a page from the cache or a warm process runs no
query for them; staff, who have no content state, run one per page.
"""

import html
import re

from .content_version import ContentStateMemo
from .models import Term

# Elements whose text is never linked.
SKIPPED = {"a", "abbr", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "script", "style"}
TAG = re.compile(r"(<[^>]*>)")
TAG_NAME = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")


def is_acronym(form):
    """Return whether `form` is written in capitals ("RATS", "CPX", or plural "CBMs")."""
    letters = form[:-1] if len(form) > 2 and form.endswith("s") else form
    return letters == letters.upper() and letters != letters.lower()


def form_pattern(form):
    # The text searched is HTML: "&" is "&amp;" there; any run of spaces may wrap.
    parts = html.escape(form, quote=False).split()
    pattern = r"\s+".join(re.escape(part) for part in parts)
    return pattern if is_acronym(form) else f"(?i:{pattern})"


class Glossary:
    """The published terms as one regular expression over a page's text."""

    def __init__(self, terms):
        self.links = {}  # regex group name -> (slug, the link's opening tag)
        alternatives = []
        for term in terms:
            title = f' title="{html.escape(term.expansion)}"' if term.expansion else ""
            opening = f'<a class="term" href="{html.escape(term.get_absolute_url())}"{title}>'
            for form in dict.fromkeys(term.forms()):
                alternatives.append((form, f"t{len(self.links)}"))
                self.links[alternatives[-1][1]] = (term.slug, opening)
        # Longest first: a regex alternation takes the first alternative that matches.
        alternatives.sort(key=lambda item: -len(item[0]))
        self.pattern = None
        if alternatives:
            body = "|".join(f"(?P<{name}>{form_pattern(form)})" for form, name in alternatives)
            self.pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)")

    @classmethod
    def load(cls):
        return cls(Term.objects.published().for_linking().order_by("term"))

    def link(self, text, linked):
        """Return `text` (sanitised HTML) with first uses linked; add their slugs to `linked`."""
        if self.pattern is None:
            return text

        def replace(match):
            slug, opening = self.links[match.lastgroup]
            if slug in linked:
                return match.group(0)
            linked.add(slug)
            return f"{opening}{match.group(0)}</a>"

        pieces, skipping = [], 0
        for piece in TAG.split(text):
            if piece.startswith("<"):
                tag = TAG_NAME.match(piece)
                if tag and tag.group(2).lower() in SKIPPED and not piece.endswith("/>"):
                    skipping = max(0, skipping + (-1 if tag.group(1) else 1))
            elif piece and not skipping:
                piece = self.pattern.sub(replace, piece)
            pieces.append(piece)
        return "".join(pieces)


# The glossary of the current content state, per process.
glossaries = ContentStateMemo()


def link_first_uses(text, request):
    """Link the first uses on `request`'s page of glossary terms in `text` (sanitised HTML).

    Call it on each of the page's texts in the order the page shows them. The
    glossary's own page links nothing (its entries are the targets).
    """
    if request is None or not text:
        return text
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name == "topics:glossary":
        return text
    page = getattr(request, "glossary_first_uses", None)
    if page is None:
        content_key = getattr(request, "content_key", None)
        glossary = glossaries.get(content_key, "glossary", Glossary.load)
        page = request.glossary_first_uses = (glossary, set())
    glossary, linked = page
    return glossary.link(text, linked)
