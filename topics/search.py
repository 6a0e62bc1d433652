"""Search: what `QuerySet.search()` matches, how results are ranked, and their snippets.

Each model's QuerySet declares the text it is searched by, by weight
(`search_weights`: "A" names and titles, "B" aliases, summaries and places,
"C" the long texts). docs/architecture.md ("Search") explains the choices.

PostgreSQL: migration 0010 adds to each table a `search_vector` tsvector column
and a `search_names` text column, kept from those fields by a trigger (so every
write, bulk ones included, keeps them right), each with a GIN index. A record
matches when

- its vector matches the query (`websearch_to_tsquery`, in the 'simple'
  configuration, which keeps Russian and Chinese names as written, or in
  'english', which stems "missions" to "mission"), or
- every word of the query is in its names or aliases (the `search_names`
  column), typed in part ("ia" finds Russia) or spelt nearly (pg_trgm word
  similarity: "Peace Misson").

Both are answered from GIN indexes (the vector's, and the names' trigram index),
so a search reads only the records it finds, at any size. A plain word is found
on both databases; on PostgreSQL a word stemmed ("missions") or near, on SQLite a
word contained in a long text ("keeping" in peacekeeping) too.

It is ranked by `ts_rank` blended with the names' trigram similarity, and its
snippet is `ts_headline` with the matched words in <mark>.

SQLite: every word of the query must be contained in the searchable text (any
order, any case, Unicode-aware through the `sco_fold` function registered on
each connection); a record whose name holds every word comes first.

The vector is not a model field: it would be read with every record on every
page (and SQLite has no such type). `StoredVector()` names the column in
queries instead.
"""

import html
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Case,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    Lookup,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import Col
from django.db.models.functions import Cast, Concat, Greatest
from django.db.models.lookups import Contains

MAX_QUERY_LENGTH = 200
# ts_rank's normalization 32, rank / (rank + 1): a long text mentioning the word
# often ranks higher but not without bound; it keeps ts_rank within 0..1 against the
# trigram terms (1, dividing by the text's length, sank the RATS bodies below
# their meetings).
NORMALIZATION = 32
# A word of the query counts as found in a name when pg_trgm's word similarity
# is above pg_trgm.word_similarity_threshold, which the settings set to 0.5 for
# every connection: "misson" against "Peace Mission 2007" is 0.57, "2021" against
# "Peace Mission 2018" 0.4, "joint" against "Peace Mission" 0.1 (pg_trgm's own
# default, 0.6, misses "misson"). Shorter words must be contained.
NEAR_MIN_LENGTH = 4
# In the blended score, against ts_rank (about 0.6 for a word in a name, less for
# one in a long text): the trigram similarity of a name to the whole query, and
# the word similarity of its nearest part (a near spelling).
NAME_WEIGHT = 0.7
NEAR_WEIGHT = 0.3
# A record found only by containing every word ("ia" in "Russia") scores this.
CONTAINS_SCORE = 0.01

# Private-use characters around the matched words of a headline, replaced by
# <mark> after the rest of the text is escaped (never parsed as markup).
MARK_START, MARK_END = "\ue000", "\ue001"


def is_postgresql():
    return connection.vendor == "postgresql"


def words(text):
    return [word for word in (text or "")[:MAX_QUERY_LENGTH].split() if word]


def weighted_fields(model):
    weights = model.objects.none().search_weights
    return [(weight, field) for weight in "ABC" for field in weights.get(weight, ())]


def title_fields(model):
    return model.objects.none().search_weights["A"]


# PostgreSQL: the stored columns (migration 0010) and the query ---------------------


class StoredColumn(Expression):
    """A column of the query's own table that is not a model field (PostgreSQL only):
    `search_vector`, or `search_names` (the names and aliases as one text)."""

    def __init__(self, column, output_field):
        self.column = column
        super().__init__(output_field=output_field)

    def resolve_expression(self, query=None, *args, **kwargs):
        target = self.output_field.clone()
        target.column = target.name = self.column
        target.model = query.model
        # A Col, so the alias follows the table when the query becomes a subquery.
        return Col(query.get_initial_alias(), target, output_field=target)


def StoredVector():  # noqa: N802 - reads as the expression it makes
    from django.contrib.postgres.search import SearchVectorField

    return StoredColumn("search_vector", SearchVectorField())


def StoredNames():  # noqa: N802
    return StoredColumn("search_names", TextField())


class ILikeContains(Lookup):
    """`text ILIKE '%word%'`, which the column's trigram index serves (PostgreSQL).

    Django's own icontains compares UPPER(text), which no index of the column serves.
    """

    lookup_name = "ilike_contains"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = compiler.compile(self.lhs)
        pattern = f"%{connection.ops.prep_for_like_query(self.rhs)}%"
        return f"{lhs} ILIKE %s", (*lhs_params, pattern)


def search_query(text):
    from django.contrib.postgres.search import SearchQuery

    text = " ".join(words(text))
    return SearchQuery(text, config="simple", search_type="websearch") | SearchQuery(
        text, config="english", search_type="websearch"
    )


# SQLite: Unicode-aware folding -------------------------------------------------------


def fold(value):
    return value.casefold() if isinstance(value, str) else value


# The language tags of aliases ("ru: "), left out of the searched text.
ALIAS_TAGS = re.compile(r"^[A-Za-z-]+:\s*", re.M)


def fold_aliases(value):
    return ALIAS_TAGS.sub("", value).casefold() if isinstance(value, str) else value


def register_sqlite_functions(sender, connection, **kwargs):
    """Give each SQLite connection `sco_fold()`, Python's casefold (SQLite's lower() is
    ASCII-only), and `sco_fold_aliases()`, the same without the aliases' language tags."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("sco_fold", 1, fold, deterministic=True)
        connection.connection.create_function(
            "sco_fold_aliases", 1, fold_aliases, deterministic=True
        )


class Fold(Func):
    function = "sco_fold"
    output_field = TextField()


class FoldAliases(Fold):
    function = "sco_fold_aliases"


# Matching and ranking ----------------------------------------------------------------


def contains_every_word(model, text):
    """Q: every word of `text` is contained in one of the model's fields (any case); SQLite."""
    condition = Q()
    for word in words(text):
        any_field = Q()
        for _, field in weighted_fields(model):
            folded = FoldAliases(F(field)) if field == "aliases" else Fold(F(field))
            any_field |= Q(Contains(folded, fold(word)))
        condition &= any_field
    return condition


def names_hold_every_word(text):
    """Q: every word of `text` is in the record's names or aliases (PostgreSQL), typed in
    part ("ia" of Russia) or, from NEAR_MIN_LENGTH letters, spelt nearly ("misson" of
    Mission: pg_trgm's word similarity above pg_trgm.word_similarity_threshold, 0.5
    on the site's connections). "Peace Misson" finds Peace Mission 2007,
    while "peace mission 2021" still finds only the 2021 edition. The trigram index
    of `search_names` serves both tests.
    """
    from django.contrib.postgres.lookups import TrigramWordSimilar

    condition = Q()
    for word in words(text):
        found = Q(ILikeContains(StoredNames(), word))
        if len(word) >= NEAR_MIN_LENGTH:
            found |= Q(TrigramWordSimilar(StoredNames(), word))
        condition &= found
    return condition


def matching(model, text):
    """Q of the records of `model` that match `text` (nothing for a blank query)."""
    if not words(text):
        return Q(pk__in=[])
    if not is_postgresql():
        return contains_every_word(model, text)
    from django.contrib.postgres.search import SearchVectorExact

    # Both served by a GIN index, so the match is read from the indexes at any size.
    return Q(SearchVectorExact(StoredVector(), search_query(text))) | names_hold_every_word(text)


def score(model, text):
    """The expression each record is ranked by (higher first), comparable across models."""
    if is_postgresql():
        from django.contrib.postgres.search import (
            SearchRank,
            TrigramSimilarity,
            TrigramWordSimilarity,
        )

        joined = " ".join(words(text))
        names = title_fields(model)
        # How near a name is to the query as a whole ("RATS" is nearer "RATS
        # Council" than "RATS Council meeting, Tashkent 2019"), and how near its
        # nearest stretch of words (a near spelling within a longer name).
        whole = Greatest(*(TrigramSimilarity(F(f), joined) for f in names), Value(0.0))
        part = TrigramWordSimilarity(joined, StoredNames())
        rank = SearchRank(StoredVector(), search_query(text), normalization=NORMALIZATION)
        prior = title_prior(model)
        return (
            Cast(rank, FloatField())
            + Cast(whole, FloatField()) * NAME_WEIGHT
            + Cast(part, FloatField()) * NEAR_WEIGHT
            + Value(CONTAINS_SCORE)
            + (title_holds_every_word(model, text, prior) if prior else Value(0.0))
        )
    # SQLite: 2 when a name holds every word (3 for a kind with a title prior), else 1.
    named = 3 if title_prior(model) else 2
    return title_holds_every_word(model, text, named, otherwise=1)


def title_prior(model):
    """What a record of this kind gains when its title holds every word of the query.

    Articles (`Topic`) are the site's overviews: "RATS" should lead to the article
    on the Regional Anti-Terrorist Structure (RATS) before the RATS Council, its
    agreements and meetings, which the article introduces and links.
    """
    return getattr(model.objects.none(), "search_title_prior", 0)


def title_holds_every_word(model, text, then, otherwise=0.0):
    """`then` when a title field holds every word of `text` (any case), else `otherwise`."""
    in_title = Q()
    for word in words(text):
        any_title = Q()
        for field in title_fields(model):
            if is_postgresql():
                any_title |= Q(ILikeContains(F(field), word))
            else:
                any_title |= Q(Contains(Fold(F(field)), fold(word)))
        in_title &= any_title
    output = FloatField() if isinstance(then, float) else IntegerField()
    return Case(When(in_title, then=Value(then)), default=Value(otherwise), output_field=output)


def label(model):
    return Cast(F(title_fields(model)[0]), TextField())


# Snippets ----------------------------------------------------------------------------


def snippet_fields(model):
    weights = model.objects.none().search_weights
    return [f for f in (*weights.get("B", ()), *weights.get("C", ())) if f not in SKIP_IN_SNIPPET]


# Aliases are shown apart; places are on the card already.
SKIP_IN_SNIPPET = {"aliases", "seat", "location", "place"}


def headline(model, text):
    """PostgreSQL: an expression for the record's snippet, matches between the markers."""
    from django.contrib.postgres.search import SearchHeadline

    fields = snippet_fields(model) or list(title_fields(model))
    document = (
        Concat(*sum(([F(f), Value(" \n\n")] for f in fields), [])[:-1], output_field=TextField())
        if len(fields) > 1
        else F(fields[0])
    )
    return SearchHeadline(
        document,
        search_query(text),
        config="english",
        start_sel=MARK_START,
        stop_sel=MARK_END,
        max_words=35,
        min_words=15,
        max_fragments=2,
        fragment_delimiter=" … ",
    )


def marked_html(plain_text, text):
    """Return `plain_text` escaped, with the headline's markers as <mark>.

    Without markers (SQLite, or a record found by a near spelling), a window of the
    text around the query's first word, each of its words marked.
    """
    if MARK_START not in plain_text:
        plain_text = window(plain_text, text)
        if not plain_text:
            return ""
        escaped = html.escape(plain_text)
        pattern = "|".join(re.escape(html.escape(word)) for word in words(text))
        if pattern:
            escaped = re.sub(f"({pattern})", r"<mark>\1</mark>", escaped, flags=re.IGNORECASE)
        return escaped
    escaped = html.escape(plain_text)
    return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def window(plain_text, text, width=220):
    """About `width` characters of `plain_text` around the first word of `text` found in it."""
    plain_text = " ".join(plain_text.split())
    folded = plain_text.casefold()
    positions = [folded.find(fold(word)) for word in words(text)]
    positions = [p for p in positions if p >= 0]
    start = max(0, min(positions) - width // 3) if positions else 0
    piece = plain_text[start : start + width]
    if start > 0:
        piece = "…" + piece[piece.find(" ") + 1 :] if " " in piece else "…" + piece
    if start + width < len(plain_text):
        piece = piece[: piece.rfind(" ")] + " …" if " " in piece else piece + "…"
    return piece


@dataclass
class Result:
    kind: str
    label: str
    record: object
    score: float
    snippet: str  # safe HTML


def snippet_of(record, model, text):
    """The snippet of a fetched record: its headline on PostgreSQL, else a window of its text."""
    from .templatetags.topics_tags import plain

    raw = getattr(record, "search_headline", None)
    if raw is None:
        raw = " \n\n".join(getattr(record, f) or "" for f in snippet_fields(model))
    return marked_html(" ".join(plain(raw).split()), text)


# The site's search: every kind in one ranked list -----------------------------------


def sections():
    from .models import Body, Country, Exercise, ExerciseSeries, Meeting, Policy, Theme, Topic

    return [
        ("topic", "Topics", Topic),
        ("exercise", "Exercises", Exercise),
        ("policy", "Policies", Policy),
        ("country", "Countries", Country),
        ("theme", "Themes", Theme),
        ("series", "Exercise series", ExerciseSeries),
        ("body", "Bodies", Body),
        ("meeting", "Meetings", Meeting),
    ]


class SiteSearch:
    """The published records of every kind (or of `kinds`) matching `text`, best first.

    A sequence for Django's Paginator: `count()` is the sum of `counts` (one query
    for every kind), and a slice is one query for the page's (kind, id, score)
    across kinds plus one query per kind on the page for its records and snippets.
    """

    def __init__(self, text, kinds=None):
        self.text = " ".join(words(text))
        self.models = {kind: model for kind, _, model in sections()}
        self.kinds = [k for k in self.models if kinds is None or k in kinds]
        self._counts = None
        self._matches = {}

    def matches(self, kind):
        """The published records of `kind` that match, built once (counts and the page
        start from it; a QuerySet is cheaper to clone than to build)."""
        if kind not in self._matches:
            model = self.models[kind]
            self._matches[kind] = model.objects.published().search(self.text).order_by()
        return self._matches[kind]

    @property
    def counts(self):
        """{kind: number of matching published records}, every kind, in one query."""
        if self._counts is None:
            from django.db.models import Count

            parts = [
                self.matches(kind)
                .annotate(search_kind=Value(kind))
                .values("search_kind")
                .annotate(n=Count("pk"))
                .values_list("search_kind", "n")
                for kind in self.models
            ]
            self._counts = dict.fromkeys(self.models, 0)
            if self.text:
                self._counts.update(dict(parts[0].union(*parts[1:], all=True)))
        return self._counts

    def count(self):
        return sum(self.counts[kind] for kind in self.kinds)

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("SiteSearch takes slices only")
        if not self.text or not self.kinds:
            return []
        parts = [
            self.matches(kind)
            .annotate(
                search_kind=Value(kind),
                search_score=score(self.models[kind], self.text),
                search_label=label(self.models[kind]),
            )
            .values_list("search_kind", "pk", "search_score", "search_label")
            for kind in self.kinds
            if self.counts[kind]
        ]
        if not parts:
            return []
        union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        rows = list(union.order_by("-search_score", "search_label", "search_kind", "pk")[index])
        return self.results(rows)

    def results(self, rows):
        wanted = {}
        for kind, pk, _, _ in rows:
            wanted.setdefault(kind, []).append(pk)
        records = {}
        for kind, pks in wanted.items():
            model = self.models[kind]
            queryset = model.objects.filter(pk__in=pks)
            if is_postgresql():
                queryset = queryset.annotate(search_headline=headline(model, self.text))
            for record in queryset:
                records[kind, record.pk] = record
        labels = {kind: label for kind, label, _ in sections()}
        return [
            Result(
                kind=kind,
                label=labels[kind],
                record=records[kind, pk],
                score=float(score_),
                snippet=snippet_of(records[kind, pk], self.models[kind], self.text),
            )
            for kind, pk, score_, _ in rows
            if (kind, pk) in records
        ]
