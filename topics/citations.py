"""How to cite a record of this reference: one place for every format.

`record_citation(record, request)` gives a reader record (topic, exercise,
policy, country, exercise series, body, meeting) its citation: the site as
corporate author and publisher, the date the record last changed, its
permanent address and the date accessed (today). From it come the APA 7 and
Chicago (notes and bibliography) web-page citations the "Cite this" block
shows, the BibTeX and RIS files it links to (`topics.views.CitationFileView`),
the Highwire Press `citation_*` meta tags reference managers read, and the
page's schema.org JSON-LD.

The accessed date is today's: a cached page (topics/page_cache.py) may show
yesterday's for the few minutes after midnight that it is kept.
"""

import datetime
import json
from dataclasses import dataclass
from urllib.parse import urljoin

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .models import Body, Country, Exercise, ExerciseSeries, Meeting, Policy, Topic
from .models.publishing import page_url
from .partial_dates import partial_iso

SITE_NAME = "SCO Military Cooperation Reference"
LANGUAGE = "en"

# Month names in English whatever the server's locale (the citations are in English).
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip
BIBTEX_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# What each kind of record is called in a citation, and its title.
KINDS = {
    Topic: ("Article", lambda r: r.title),
    Exercise: ("Exercise record", lambda r: r.name),
    # "Convention record", "Declaration record"…
    Policy: (None, lambda r: r.short_name),
    Country: ("Country record", lambda r: r.name),
    ExerciseSeries: ("Exercise series record", lambda r: r.name),
    Body: ("SCO body record", lambda r: r.name),
    Meeting: ("Meeting record", lambda r: r.name),
}


def citable(record):
    return type(record) in KINDS


def day_month_year(date):
    """29 November 2026."""
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


def month_day_year(date):
    """November 29, 2026 (APA and Chicago)."""
    return f"{MONTHS[date.month - 1]} {date.day}, {date.year}"


@dataclass(frozen=True)
class RecordCitation:
    record: object
    title: str
    kind: str  # "Exercise record"
    url: str  # permanent and absolute
    changed: datetime.date  # when the record last changed
    accessed: datetime.date
    reviewed: datetime.date | None = None  # topics: when an editor last checked it
    online: datetime.date | None = None  # when it was first published
    site_url: str = ""  # the home page's absolute address

    author = SITE_NAME
    publisher = SITE_NAME

    # Citations to copy ---------------------------------------------------------

    @property
    def apa(self):
        """APA 7, web page with a group author that is also the site (so named once)."""
        return (
            f"{self.author}. ({self.changed.year}, {MONTHS[self.changed.month - 1]} "
            f"{self.changed.day}). {self.title} [{self.kind}]. Retrieved "
            f"{month_day_year(self.accessed)}, from {self.url}"
        )

    @property
    def apa_html(self):
        return format_html(
            "{}. ({}, {} {}). <cite>{}</cite> [{}]. Retrieved {}, from {}",
            self.author,
            self.changed.year,
            MONTHS[self.changed.month - 1],
            self.changed.day,
            self.title,
            self.kind,
            month_day_year(self.accessed),
            self.url,
        )

    @property
    def chicago(self):
        """Chicago 17, notes and bibliography: the bibliography entry of a web page."""
        return (
            f"{self.author}. “{self.title}.” {self.kind}. Last modified "
            f"{month_day_year(self.changed)}. Accessed {month_day_year(self.accessed)}. "
            f"{self.url}."
        )

    @property
    def chicago_html(self):
        return format_html(
            "{}. “<cite>{}</cite>.” {}. Last modified {}. Accessed {}. {}.",
            self.author,
            self.title,
            self.kind,
            month_day_year(self.changed),
            month_day_year(self.accessed),
            self.url,
        )

    @property
    def note(self):
        return f"{self.kind}, last changed {day_month_year(self.changed)}"

    # Files for reference managers -------------------------------------------------

    @property
    def key(self):
        """A BibTeX key from the kind and slug: `scoref-exercise-peace-mission-2007`."""
        return f"scoref-{self.record._meta.model_name}-{self.record.slug}"

    def bibtex(self):
        fields = [
            # Double braces keep the title's capitals, and the site as one (corporate) name.
            ("title", f"{{{{{bibtex_escape(self.title)}}}}}"),
            ("author", f"{{{{{bibtex_escape(self.author)}}}}}"),
            ("publisher", f"{{{bibtex_escape(self.publisher)}}}"),
            ("year", f"{{{self.changed.year}}}"),
            ("month", BIBTEX_MONTHS[self.changed.month - 1]),
            # biblatex reads url verbatim: not escaped (a built URL has no braces or spaces).
            ("url", f"{{{self.url}}}"),
            ("urldate", f"{{{self.accessed.isoformat()}}}"),
            ("note", f"{{{bibtex_escape(self.note)}}}"),
            ("language", "{english}"),
        ]
        body = ",\n".join(f"  {name} = {value}" for name, value in fields)
        return f"@misc{{{self.key},\n{body}\n}}\n"

    def ris(self):
        fields = [
            ("TY", "ELEC"),
            ("TI", self.title),
            ("AU", self.author),
            ("PB", self.publisher),
            ("PY", str(self.changed.year)),
            ("DA", self.changed.strftime("%Y/%m/%d")),
            ("Y2", self.accessed.strftime("%Y/%m/%d")),  # date accessed
            ("UR", self.url),
            ("N1", self.note),
            ("LA", LANGUAGE),
            ("ER", ""),
        ]
        return "".join(f"{tag}  - {ris_value(value)}\r\n" for tag, value in fields)

    # The page's head ---------------------------------------------------------------

    @property
    def meta_tags(self):
        """Highwire Press tags (Google Scholar, Zotero): (name, content) pairs."""
        tags = [
            ("citation_title", self.title),
            ("citation_author", self.author),
            ("citation_publisher", self.publisher),
            ("citation_publication_date", self.changed.strftime("%Y/%m/%d")),
            ("citation_date", self.changed.strftime("%Y/%m/%d")),
        ]
        if self.online:
            tags.append(("citation_online_date", self.online.strftime("%Y/%m/%d")))
        tags += [
            ("citation_public_url", self.url),
            ("citation_abstract_html_url", self.url),
            ("citation_language", LANGUAGE),
        ]
        return tags

    def json_ld(self):
        return structured_data(self.record, self.url, self.site_url)

    @property
    def json_ld_script(self):
        """The JSON-LD as a `<script type="application/ld+json">` data block, escaped.

        `<`, `>` and `&` are written as \\u003c…, so no text in a record can close the
        element; a data block is not run, so the CSP's script-src does not apply.
        """
        return mark_safe(  # noqa: S308 - escaped just above
            f'<script type="application/ld+json">{json_for_html(self.json_ld())}</script>'
        )


def today():
    """The date accessed: today, where the site is (settings.TIME_ZONE)."""
    return timezone.localdate()


def record_citation(record, request):
    """Return the RecordCitation of `record`, addressed as `request` was (host, scheme)."""
    kind, title = KINDS[type(record)]
    if kind is None:
        kind = f"{record.get_kind_display()} record"
    reviewed = getattr(record, "last_reviewed", None)
    return RecordCitation(
        record=record,
        title=title(record),
        kind=kind,
        url=request.build_absolute_uri(record.get_absolute_url()),
        changed=timezone.localdate(record.updated_at),
        accessed=today(),
        reviewed=reviewed,
        online=timezone.localdate(record.published_at) if record.published_at else None,
        site_url=request.build_absolute_uri(page_url("topics:home")),
    )


# Escaping --------------------------------------------------------------------------

BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def bibtex_escape(text):
    """Escape TeX's special characters; other characters stay UTF-8 (biber and bibtexu)."""
    return "".join(BIBTEX_SPECIAL.get(char, char) for char in " ".join(str(text).split()))


def ris_value(text):
    """One RIS field is one line: line breaks and runs of spaces become one space."""
    return " ".join(str(text).split())


JSON_HTML_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    ord("\u2028"): "\\u2028",
    ord("\u2029"): "\\u2029",
}


def json_for_html(data):
    return json.dumps(data, ensure_ascii=False, sort_keys=False).translate(JSON_HTML_ESCAPES)


# schema.org ------------------------------------------------------------------------

SCO = {"@type": "GovernmentOrganization", "name": "Shanghai Cooperation Organisation"}


def _site(url):
    return {"@type": "Organization", "name": SITE_NAME, "url": url}


def _alternate_names(record, *extra):
    names = [name for name in extra if name]
    names += [alias.name for alias in getattr(record, "alias_list", [])]
    return list(dict.fromkeys(names))


def structured_data(record, url, site_url):
    """Return the schema.org description of `record` (a dict for JSON-LD).

    The record itself is described (an exercise is an Event, a policy Legislation);
    only an article, the site's own writing, names the site as its publisher.
    """
    data = {"@context": "https://schema.org"}
    if isinstance(record, Topic):
        data.update(
            {
                "@type": "Article",
                "headline": record.title,
                "description": record.summary,
                "author": _site(site_url),
                "publisher": _site(site_url),
                "dateModified": record.updated_at.isoformat(),
                "inLanguage": LANGUAGE,
            }
        )
        if record.published_at:
            data["datePublished"] = record.published_at.isoformat()
        if record.last_reviewed:
            data["lastReviewed"] = record.last_reviewed.isoformat()
    elif isinstance(record, Exercise):
        data.update({"@type": "Event", "name": record.name})
        data["startDate"] = partial_iso(record.start_date, record.start_precision)
        if record.end_date:
            data["endDate"] = partial_iso(record.end_date, record.end_precision)
        if record.location or record.latitude is not None:
            place = {"@type": "Place"}
            if record.location:
                place["name"] = record.location
            if record.latitude is not None and record.longitude is not None:
                place["geo"] = {
                    "@type": "GeoCoordinates",
                    "latitude": float(record.latitude),
                    "longitude": float(record.longitude),
                }
            data["location"] = place
    elif isinstance(record, Policy):
        data.update(
            {
                "@type": "Legislation",
                "name": record.title,
                "legislationDate": partial_iso(record.signed_date, record.signed_precision),
                "legislationType": record.get_kind_display(),
                "description": record.summary,
            }
        )
        if record.in_force_date:
            data["legislationDateOfApplicability"] = partial_iso(
                record.in_force_date, record.in_force_precision
            )
        if record.legal_status == Policy.LegalStatus.IN_FORCE:
            data["legislationLegalForce"] = "https://schema.org/InForce"
        elif record.legal_status in (Policy.LegalStatus.SUPERSEDED, Policy.LegalStatus.EXPIRED):
            data["legislationLegalForce"] = "https://schema.org/NotInForce"
    elif isinstance(record, Country):
        data.update({"@type": "Country", "name": record.name, "identifier": record.iso_code})
        if record.summary:
            data["description"] = record.summary
    elif isinstance(record, ExerciseSeries):
        data.update({"@type": "EventSeries", "name": record.name})
    elif isinstance(record, Body):
        data.update({"@type": "GovernmentOrganization", "name": record.name})
        data["parentOrganization"] = SCO
        if record.founded_date:
            data["foundingDate"] = partial_iso(record.founded_date, record.founded_precision)
        if record.seat:
            data["location"] = {"@type": "Place", "name": record.seat}
    elif isinstance(record, Meeting):
        data.update({"@type": "Event", "name": record.name})
        data["startDate"] = partial_iso(record.date, record.date_precision)
        if record.place:
            data["location"] = {"@type": "Place", "name": record.place}
        data["organizer"] = {
            "@type": "GovernmentOrganization",
            "name": record.body.name,
            "url": urljoin(site_url, record.body.get_absolute_url()),
        }
    short_name = record.short_name if isinstance(record, Policy | Body) else ""
    name = data.get("name", data.get("headline"))
    names = [other for other in _alternate_names(record, short_name) if other != name]
    if names:
        data["alternateName"] = names
    data["url"] = url
    return data
