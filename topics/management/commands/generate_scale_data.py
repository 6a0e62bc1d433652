"""Fill the database with synthetic records, to measure the site at any size.

    python manage.py generate_scale_data --exercises 100000 --policies 10000 --topics 1000
    python manage.py generate_scale_data --clear

Every record it writes is marked: names and titles start with "[Synthetic]",
slugs and source keys with "synthetic-", and every source's URL is under
https://example.org/synthetic/, so they can never be taken for real content.
It makes its own vocabulary (countries with user-assigned ISO codes XA…XZ and
QM…QZ, themes, series), so real pages keep their own records; only the
domains (a fixed list) are shared. The records are published, spread over
years, countries, themes, series, kinds and frameworks, with participants
by role, themes, sources and citations, so filters find realistic fractions.

Rows are written with `bulk_create` in batches (through tables included),
which sends no signals: the content version is moved on in the same
transaction. `--clear` deletes the synthetic records only, with plain
DELETEs. Nothing else (`make run`, `load_content`) ever runs this.
"""

import datetime
import random
import time

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from topics.content_version import bump_content_version
from topics.models import (
    Citation,
    Country,
    Domain,
    Exercise,
    ExerciseSeries,
    Membership,
    Participation,
    Policy,
    PolicyParty,
    PolicyRelation,
    Source,
    Theme,
    ThemeLink,
    Topic,
    TopicCountry,
)

MARK = "[Synthetic]"
SLUG = "synthetic-"
URL = "https://example.org/synthetic/"
BATCH = 5000
PROGRESS_EVERY = 10000
FIRST_YEAR, LAST_YEAR = 1996, 2025

# User-assigned ISO 3166-1 codes: never a real country's.
COUNTRY_CODES = [f"X{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"] + [
    f"Q{c}" for c in "MNOPQRSTUVWXYZ"
]
N_COUNTRIES = 20
N_THEMES = 12
N_SERIES = 40
N_SOURCES = 2000
THEME_WORDS = [
    "Counterterrorism", "Border security", "Air defence", "Naval cooperation",
    "Cyber security", "Peacekeeping", "Logistics", "Command and control",
    "Intelligence sharing", "Disaster relief", "Mountain warfare", "Drug trafficking",
]  # fmt: skip
SERIES_WORDS = ["Shield", "Harbour", "Steppe", "Summit", "Falcon", "Bridge", "Sentinel", "River"]


def synthetic(model):
    """The synthetic records of `model`, by their marked slug (or key)."""
    field = "key" if model is Source else "slug"
    return model.objects.filter(**{f"{field}__startswith": SLUG})


class Command(BaseCommand):
    help = (
        "Write clearly marked synthetic records ([Synthetic] names, example.org/synthetic "
        "sources) in bulk, for performance work; --clear removes them (and nothing else)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--exercises", type=int, default=0, metavar="N")
        parser.add_argument("--policies", type=int, default=0, metavar="M")
        parser.add_argument("--topics", type=int, default=0, metavar="K")
        parser.add_argument(
            "--clear", action="store_true", help="Delete the synthetic records first."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")

    def handle(self, *args, exercises, policies, topics, clear, seed, verbosity, **options):
        if min(exercises, policies, topics) < 0:
            raise CommandError("Counts cannot be negative.")
        self.verbosity = verbosity
        started = time.monotonic()
        self.random = random.Random(seed)
        self.now = timezone.now().replace(microsecond=0)
        self.citations = self.links = 0
        self.exercise_pks, self.policy_pks = [], []
        cleared = {}
        with transaction.atomic():
            bump_content_version()  # before any row: see bump_content_version()
            if clear:
                cleared = self.clear()
            made = {"exercises": 0, "policies": 0, "topics": 0}
            if exercises or policies or topics:
                self.vocabulary()
                made["exercises"] = self.exercises(exercises)
                made["policies"] = self.policies(policies)
                made["topics"] = self.topics(topics)
        self.refresh_statistics()
        seconds = time.monotonic() - started
        removed = (
            f"cleared {cleared['exercises']} exercises, {cleared['policies']} policies, "
            f"{cleared['topics']} topics; "
            if clear
            else ""
        )
        self.stdout.write(
            f"Synthetic data: {removed}created {made['exercises']} exercises, "
            f"{made['policies']} policies, {made['topics']} topics "
            f"({self.citations} citations, {self.links} theme links) in {seconds:.1f} s."
        )

    def refresh_statistics(self):
        """Give the query planner the new sizes at once (autovacuum would, minutes later).

        With the statistics of an empty table, PostgreSQL estimated 2 published
        exercises among 1,000 and joined a country's participations in a nested loop
        (20 ms for a filtered list's count, 0.5 ms after); VACUUM also marks the pages
        all-visible, so index-only scans skip the table.
        """
        from django.db import connection

        self.say("Refreshing the query planner's statistics…")
        # VACUUM cannot run in a transaction (a caller's, or a test's): ANALYZE can.
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")

    def say(self, message):
        if self.verbosity >= 1:
            self.stdout.write(message)

    # Vocabulary ------------------------------------------------------------------

    def published(self, **fields):
        return {"status": "published", "published_at": self.now, **fields}

    def vocabulary(self):
        """Create (or reuse) the synthetic countries, themes, series and sources."""
        taken = set(Country.objects.values_list("iso_code", flat=True))
        if not synthetic(Country).exists():
            codes = [code for code in COUNTRY_CODES if code not in taken][:N_COUNTRIES]
            countries = Country.objects.bulk_create(
                Country(
                    **self.published(
                        name=f"{MARK} Country {code}",
                        slug=f"{SLUG}country-{code.lower()}",
                        iso_code=code,
                        summary="A synthetic country for performance measurements.",
                    )
                )
                for code in codes
            )
            statuses = ["founding-member", "member", "observer", "dialogue-partner"]
            Membership.objects.bulk_create(
                Membership(
                    country=country,
                    status=statuses[i % len(statuses)],
                    start_date=datetime.date(2001 + i % 20, 6, 15),
                )
                for i, country in enumerate(countries)
            )
        if not synthetic(Theme).exists():
            Theme.objects.bulk_create(
                Theme(
                    **self.published(
                        name=f"{MARK} {word}",
                        slug=f"{SLUG}theme-{i + 1}",
                        description=f"Synthetic theme {i + 1}.",
                    )
                )
                for i, word in enumerate(THEME_WORDS[:N_THEMES])
            )
        if not synthetic(ExerciseSeries).exists():
            ExerciseSeries.objects.bulk_create(
                ExerciseSeries(
                    **self.published(
                        name=f"{MARK} {SERIES_WORDS[i % len(SERIES_WORDS)]} {i + 1}",
                        slug=f"{SLUG}series-{i + 1}",
                        description=f"A synthetic exercise series ({i + 1}).",
                    )
                )
                for i in range(N_SERIES)
            )
        if not synthetic(Source).exists():
            self.bulk(
                Source,
                (
                    Source(
                        key=f"{SLUG}source-{i + 1}",
                        title=f"{MARK} Source {i + 1}",
                        url=f"{URL}source-{i + 1}",
                        publisher="Synthetic data generator",
                    )
                    for i in range(N_SOURCES)
                ),
            )
        self.countries = list(synthetic(Country).order_by("iso_code"))
        self.themes = list(synthetic(Theme).values_list("pk", flat=True))
        self.series = list(synthetic(ExerciseSeries).values_list("pk", flat=True))
        self.sources = list(synthetic(Source).values_list("pk", "key"))
        self.domains = list(Domain.objects.values_list("pk", flat=True))

    # Records -----------------------------------------------------------------------

    def bulk(self, model, objects, progress=None):
        """bulk_create `objects` in batches; return the created ones (with their pks)."""
        created, batch = [], []
        for obj in objects:
            batch.append(obj)
            if len(batch) == BATCH:
                created += model.objects.bulk_create(batch)
                batch = []
                if progress and len(created) % PROGRESS_EVERY == 0:
                    self.say(f"  {progress}: {len(created)}")
        if batch:
            created += model.objects.bulk_create(batch)
        return created

    def next_number(self, model):
        """Number new records after the synthetic ones already there."""
        return synthetic(model).count() + 1

    def date(self):
        year = self.random.randint(FIRST_YEAR, LAST_YEAR)
        return datetime.date(year, self.random.randint(1, 12), self.random.randint(1, 28))

    def themed(self, content_type, pks, per_record=(1, 3)):
        """Theme links and citations for the records `pks` (of `content_type`)."""
        links, citations = [], []
        for pk in pks:
            for theme in self.random.sample(self.themes, self.random.randint(*per_record)):
                links.append(ThemeLink(theme_id=theme, content_type=content_type, object_id=pk))
            for position, (source, _key) in enumerate(self.random.sample(self.sources, 2)):
                citations.append(
                    Citation(
                        source_id=source,
                        content_type=content_type,
                        object_id=pk,
                        position=position,
                    )
                )
        self.bulk(ThemeLink, links)
        self.bulk(Citation, citations)
        self.links += len(links)
        self.citations += len(citations)

    def exercises(self, n):
        if not n:
            return 0
        first = self.next_number(Exercise)
        kinds, frameworks = Exercise.Kind.values, Exercise.Framework.values
        # A realistic share: most SCO exercises, a few outside the SCO or not held.
        framework_weights = [5, 3, 2, 1]

        def make():
            for number in range(first, first + n):
                start = self.date()
                yield Exercise(
                    **self.published(
                        name=f"{MARK} Exercise {number:06d}",
                        slug=f"{SLUG}exercise-{number:06d}",
                        series_id=self.random.choice(self.series)
                        if self.random.random() < 0.8
                        else None,
                        start_date=start,
                        start_precision=self.random.choice(["day", "day", "month", "year"])
                        if start.day == 1
                        else "day",
                        end_date=start + datetime.timedelta(days=self.random.randint(0, 14)),
                        location=f"{MARK} training ground {number % 500}",
                        kind=self.random.choice(kinds),
                        framework=self.random.choices(frameworks, framework_weights)[0],
                        held=self.random.random() < 0.95,
                        personnel=self.random.choice([None, *range(200, 12000, 100)]),
                        description=f"{MARK} A generated exercise for performance tests.",
                    )
                )

        created = self.bulk(Exercise, make(), progress="exercises")
        pks = [exercise.pk for exercise in created]
        self.say(f"  exercises: {len(pks)} written; participants, domains, themes, sources…")
        roles = []
        for pk in pks:
            countries = self.random.sample(self.countries, self.random.randint(2, 6))
            hosts = 2 if len(countries) > 4 and self.random.random() < 0.2 else 1
            for i, country in enumerate(countries):
                role = "host" if i < hosts else "participant"
                if i == len(countries) - 1 and len(countries) > 3:
                    role = "observer"
                roles.append(Participation(exercise_id=pk, country_id=country.pk, role=role))
        self.bulk(Participation, roles)
        through = Exercise.domains.through
        self.bulk(
            through,
            (
                through(exercise_id=pk, domain_id=domain)
                for pk in pks
                for domain in self.random.sample(self.domains, min(len(self.domains), 1 + pk % 2))
            ),
        )
        self.themed(ContentType.objects.get_for_model(Exercise), pks)
        self.exercise_pks = pks
        return len(pks)

    def policies(self, n):
        if not n:
            self.policy_pks = []
            return 0
        first = self.next_number(Policy)
        kinds, statuses = Policy.Kind.values, Policy.LegalStatus.values

        def make():
            for number in range(first, first + n):
                yield Policy(
                    **self.published(
                        title=f"{MARK} Agreement on cooperation number {number:06d}",
                        short_name=f"{MARK} Agreement {number:06d}",
                        slug=f"{SLUG}policy-{number:06d}",
                        kind=self.random.choice(kinds),
                        signed_date=self.date(),
                        signed_place=f"{MARK} City {number % 50}",
                        legal_status=self.random.choice(statuses),
                        summary=f"{MARK} A generated document for performance tests.",
                        body=f"{MARK} Generated text.\n\n## Provisions\n\nArticle {number}.",
                        official_text_url=f"{URL}policy-{number:06d}",
                    )
                )

        created = self.bulk(Policy, make(), progress="policies")
        pks = [policy.pk for policy in created]
        self.bulk(
            PolicyParty,
            (
                PolicyParty(policy_id=pk, country_id=country.pk)
                for pk in pks
                for country in self.random.sample(self.countries, self.random.randint(2, 8))
            ),
        )
        self.bulk(
            PolicyRelation,
            (
                PolicyRelation(from_policy_id=pk, to_policy_id=pks[i - 1], kind="implements")
                for i, pk in enumerate(pks)
                if i and i % 10 == 0
            ),
        )
        self.themed(ContentType.objects.get_for_model(Policy), pks)
        self.policy_pks = pks
        return len(pks)

    def topics(self, n):
        if not n:
            return 0
        first = self.next_number(Topic)
        exercise_pks = self.exercise_pks or list(
            synthetic(Exercise).values_list("pk", flat=True)[:1000]
        )
        policy_pks = self.policy_pks or list(synthetic(Policy).values_list("pk", flat=True)[:1000])
        cited = {}

        def make():
            for number in range(first, first + n):
                keys = self.random.sample(self.sources, 2)
                cited[number] = keys
                yield Topic(
                    **self.published(
                        title=f"{MARK} Topic {number:06d}",
                        slug=f"{SLUG}topic-{number:06d}",
                        summary=f"{MARK} A generated article for performance tests.",
                        body=(
                            f"{MARK} This article was generated [@{keys[0][1]}].\n\n"
                            f"## Background\n\nSynthetic paragraph with *emphasis* and a "
                            f"list:\n\n- one\n- two [@{keys[1][1]}]\n\n"
                            f"### Details\n\nMore synthetic text.\n"
                        ),
                        last_reviewed=self.now.date(),
                    )
                )

        created = self.bulk(Topic, make(), progress="topics")
        content_type = ContentType.objects.get_for_model(Topic)
        links, citations, exercises, policies, countries = [], [], [], [], []
        for topic, number in zip(created, range(first, first + n), strict=True):
            for theme in self.random.sample(self.themes, 2):
                links.append(
                    ThemeLink(theme_id=theme, content_type=content_type, object_id=topic.pk)
                )
            for position, (source, _key) in enumerate(cited[number]):
                citations.append(
                    Citation(
                        source_id=source,
                        content_type=content_type,
                        object_id=topic.pk,
                        position=position,
                    )
                )
            for pk in self.random.sample(exercise_pks, min(3, len(exercise_pks))):
                exercises.append(Topic.exercises.through(topic_id=topic.pk, exercise_id=pk))
            for pk in self.random.sample(policy_pks, min(2, len(policy_pks))):
                policies.append(Topic.policies.through(topic_id=topic.pk, policy_id=pk))
            for country in self.random.sample(self.countries, 2):
                countries.append(TopicCountry(topic_id=topic.pk, country_id=country.pk))
        self.bulk(ThemeLink, links)
        self.bulk(Citation, citations)
        self.bulk(Topic.exercises.through, exercises)
        self.bulk(Topic.policies.through, policies)
        self.bulk(TopicCountry, countries)
        self.links += len(links)
        self.citations += len(citations)
        return len(created)

    # Clearing ----------------------------------------------------------------------

    def clear(self):
        """Delete every synthetic record (and their rows), nothing else; return counts.

        Plain DELETEs (`_raw_delete`): the collector would send a signal, and move
        the content version, per row; the version moves once, in handle().
        """

        def delete(queryset):
            return queryset._raw_delete(queryset.db)

        counts = {}
        records = {
            "topics": synthetic(Topic),
            "exercises": synthetic(Exercise),
            "policies": synthetic(Policy),
        }
        for model in (Topic, Exercise, Policy, ExerciseSeries, Theme, Country):
            content_type = ContentType.objects.get_for_model(model)
            pks = synthetic(model).values("pk")
            delete(ThemeLink.objects.filter(content_type=content_type, object_id__in=pks))
            delete(Citation.objects.filter(content_type=content_type, object_id__in=pks))
        topics, exercises, policies = (records[k].values("pk") for k in records)
        delete(TopicCountry.objects.filter(topic__in=topics))
        related = Topic.related_topics.through
        delete(related.objects.filter(from_topic__in=topics))
        delete(related.objects.filter(to_topic__in=topics))
        delete(Topic.exercises.through.objects.filter(exercise__in=exercises))
        delete(Topic.exercises.through.objects.filter(topic__in=topics))
        delete(Topic.policies.through.objects.filter(policy__in=policies))
        delete(Topic.policies.through.objects.filter(topic__in=topics))
        delete(Exercise.domains.through.objects.filter(exercise__in=exercises))
        delete(Exercise.meetings.through.objects.filter(exercise__in=exercises))
        delete(Policy.meetings.through.objects.filter(policy__in=policies))
        delete(Participation.objects.filter(exercise__in=exercises))
        delete(PolicyParty.objects.filter(policy__in=policies))
        delete(PolicyRelation.objects.filter(from_policy__in=policies))
        delete(PolicyRelation.objects.filter(to_policy__in=policies))
        for name, queryset in records.items():
            counts[name] = delete(queryset)
        countries = synthetic(Country).values("pk")
        # Links from other records to the synthetic vocabulary, should an editor have made one.
        delete(ThemeLink.objects.filter(theme__in=synthetic(Theme).values("pk")))
        delete(Participation.objects.filter(country__in=countries))
        delete(PolicyParty.objects.filter(country__in=countries))
        delete(TopicCountry.objects.filter(country__in=countries))
        Exercise.objects.filter(series__in=synthetic(ExerciseSeries).values("pk")).update(
            series=None
        )
        membership_type = ContentType.objects.get_for_model(Membership)
        memberships = Membership.objects.filter(country__in=countries).values("pk")
        delete(Citation.objects.filter(content_type=membership_type, object_id__in=memberships))
        delete(Membership.objects.filter(country__in=countries))
        for model in (ExerciseSeries, Theme, Country):
            delete(synthetic(model))
        delete(Citation.objects.filter(source__in=synthetic(Source).values("pk")))
        delete(synthetic(Source))
        self.say(
            f"  cleared {counts['exercises']} exercises, {counts['policies']} policies, "
            f"{counts['topics']} topics"
        )
        return counts
