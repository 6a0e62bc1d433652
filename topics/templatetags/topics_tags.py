import html
import re
from functools import lru_cache

from django import template
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from .. import health
from ..glossary import link_first_uses
from ..markup import CITATION_MARKER, render_markdown
from ..partial_dates import partial_iso as _partial_iso

register = template.Library()


@register.filter
def markdown(text):
    """Render editor Markdown to sanitised HTML."""
    return mark_safe(render_markdown(text).html)  # noqa: S308 - sanitised by nh3


@register.filter
def link_terms(html_text, request):
    """Link the first use on the page of each glossary term in rendered, sanitised HTML.

    `{{ body_html|link_terms:request }}`, in the order the page shows its texts
    (topics/glossary.py). Only for the site's own rendered Markdown: its output is
    marked safe.
    """
    return mark_safe(link_first_uses(str(html_text), request))  # noqa: S308 - sanitised


@register.filter
@lru_cache(maxsize=2048)  # a pure function of the text, asked for by every card
def plain(text):
    """Return editor Markdown as plain text, without its [@key] citations (for snippets)."""
    rendered = render_markdown(re.sub(rf"\s*{CITATION_MARKER.pattern}", "", text or "")).html
    return html.unescape(strip_tags(rendered)).strip()


@register.filter
def verbose_name(obj):
    return obj._meta.verbose_name


@register.filter
def can_see_content_health(user):
    return health.can_view(user)


@register.filter
def published_themes(record):
    """Return a record's published themes (prefetched by `with_published_themes()`)."""
    return [link.theme for link in record.published_theme_links]


@register.filter
def partial_iso(value, precision):
    """Return a partial date as "2007-08-09", "2007-08" or "2007" (for `<time datetime>`)."""
    return _partial_iso(value, precision)
