"""Content of the SCO Military Cooperation Reference, one module per concern.

- `publishing`: timestamps and the draft/published workflow (`published()`).
- `sources`: sources and their citations by records.
- `vocabulary`: themes, countries and their SCO status, exercise series, domains.
- `exercises`, `policies`, `articles`: the records readers browse.
- `bodies`: the standing bodies (councils, meetings of ministers) and their meetings,
  linked to the policies they adopted and the exercises they ordered.
- `glossary`: the terms and acronyms the first use on a page links to.
- `bookkeeping`: revision notes, load state, the content version, link checks.

Each model's QuerySet has the methods named for the pages that use it
(`Exercise.objects.published().for_cards()`); every reader page starts from
`published()`. Every factual claim is backed by `Citation`s of `Source`s.
"""

from .articles import Topic, TopicCountry
from .bodies import Body, Meeting
from .bookkeeping import BundleState, ContentVersion, LinkCheck, RevisionNote
from .exercises import Exercise, Participation
from .glossary import Term
from .policies import Policy, PolicyParty, PolicyRelation
from .publishing import Publishable, PublishableQuerySet, Timestamped
from .sources import Citation, Cited, Source
from .vocabulary import Country, Domain, ExerciseSeries, Membership, Theme, Themed, ThemeLink

__all__ = [
    "Body", "BundleState", "Citation", "Cited", "ContentVersion", "Country", "Domain",
    "Exercise", "ExerciseSeries", "LinkCheck", "Meeting", "Membership", "Participation",
    "Policy", "PolicyParty", "PolicyRelation", "Publishable", "PublishableQuerySet",
    "RevisionNote", "Source", "Term", "Theme", "ThemeLink", "Themed", "Timestamped", "Topic",
    "TopicCountry",
]  # fmt: skip
