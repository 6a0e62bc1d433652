"""The content version: one number that moves with every committed content change.

`ContentVersion.number` lives in the database. Every change to content moves it
on inside the change's own transaction (the signal receivers below, connected
in `TopicsConfig.ready()`, and `bump_content_version()` for bulk writes that
send no signals), so a reader page cached under it (topics/page_cache.py) is
never older than the last committed edit, whichever app server or cache holds
it; readers never see a version whose transaction has not committed; and an
edit made while the cache was down is seen as soon as it is back.

The *publication marker* is the latest `published_at` that has passed: a record
scheduled for a future time changes it when its time comes, so every page
shows the record from then on, with no scheduler process.
"""

import secrets

from django.apps import apps
from django.db import transaction
from django.db.models import F, Max, Min, Q
from django.db.models.signals import pre_delete, pre_save
from django.utils import timezone

from .models import BundleState, ContentVersion, LinkCheck, Publishable

# Records that no reader page shows: saving them leaves the content version alone.
NOT_CONTENT = (BundleState, ContentVersion, LinkCheck)


def content_version():
    """Return the committed content version (or the caller's own, inside its transaction)."""
    return content_state()[0]


def content_state():
    """Return (content version, when it last moved on), in one query.

    The time is when the content last changed (None before the first change that
    recorded it): reader pages send it as `Last-Modified`.
    """
    try:
        return ContentVersion.objects.values_list("number", "changed_at").get(pk=1)
    except ContentVersion.DoesNotExist:  # a flushed test database; migration 0003 creates it
        return 0, None


def bump_content_version():
    """Move the content version on, in the caller's transaction.

    Call it in the transaction of writes that send no signals (`QuerySet.update()`,
    bulk loads), best before them: every writer then takes the version's row lock
    before any record's, so two writers never deadlock on it. Saves, deletes and
    relinks of content records call it themselves. It becomes visible to readers
    exactly when the change does, at commit, and vanishes with a rollback.
    """
    now = timezone.now()
    if not ContentVersion.objects.filter(pk=1).update(number=F("number") + 1, changed_at=now):
        ContentVersion.objects.get_or_create(pk=1, defaults={"number": 1, "changed_at": now})


def content_changed(sender, signal, using, **kwargs):
    """Receive pre/post save and delete, and m2m_changed, for every model."""
    if sender._meta.app_label != "topics" or issubclass(sender, NOT_CONTENT):
        return
    if sender._meta.apps is not apps:  # a migration's historical model: see migrated()
        return
    before = signal in (pre_save, pre_delete) or kwargs.get("action", "").startswith("pre_")
    # Inside a transaction, bump before the write (the version's row lock is then
    # always taken before the record's: no deadlock between writers); outside one,
    # after it, so the version never moves before the change is there to be read.
    if transaction.get_connection(using).in_atomic_block == before:
        bump_content_version()


def migrated(sender, using, apps=apps, **kwargs):  # `flush` sends no `apps`
    """post_migrate receiver: move the version on by a random step.

    A release (new templates) or a data migration may change every page. The
    random step also means that a new or rebuilt database never hands out the
    numbers an earlier one did, so the pages it left in a shared Redis never match.
    """
    try:
        versions = apps.get_model("topics", "ContentVersion").objects.using(using)
    except LookupError:  # migrated back to before the table existed
        return
    step = secrets.randbelow(2**32) + 1
    changes = {"number": F("number") + step}
    if any(field.name == "changed_at" for field in versions.model._meta.fields):
        changes["changed_at"] = timezone.now()  # absent when migrated back before 0010
    if not versions.filter(pk=1).update(**changes):
        versions.get_or_create(pk=1, defaults={**changes, "number": step})


# Scheduled publication ------------------------------------------------------------

# (content version, latest passed publication time, next scheduled one), per process.
_schedule = (None, None, None)


class ContentStateMemo:
    """Values that change only when the content does, kept once per content state.

    Each process keeps them for the current content state (`request.content_key`:
    the content version, when it changed and the publication marker, which the page
    cache reads for every reader request anyway) and forgets them all when the
    state moves on. Without a key (staff, who have no page cache) every value is
    worked out each time. Used for the filter menus' choices and the home page's
    counts (at 100,000 exercises a count of them took 48 ms of every home page).
    """

    def __init__(self):
        self.key = None
        self.values = {}

    def get(self, content_key, name, compute):
        if content_key is None:
            return compute()
        if content_key != self.key:
            self.key, self.values = content_key, {}
        if name not in self.values:
            self.values[name] = compute()
        return self.values[name]


def publication_marker(version):
    """Return the latest `published_at` that has passed, among published records.

    Two moments with the same marker show readers the same records. Worked out
    once per content version and process (a few aggregate queries), and again
    only when the next scheduled publication comes due.
    """
    global _schedule
    now = timezone.now()
    known_version, latest, upcoming = _schedule
    if known_version != version or (upcoming is not None and upcoming <= now):
        latest, upcoming = _publication_times(now)
        _schedule = (version, latest, upcoming)
    return latest


def forget_schedule():
    """Drop this process's memo of publication times (tests roll versions back)."""
    global _schedule
    _schedule = (None, None, None)


def _publication_times(now):
    latest = upcoming = None
    for model in apps.get_app_config("topics").get_models():
        if not issubclass(model, Publishable):
            continue
        times = model.objects.filter(status=Publishable.Status.PUBLISHED).aggregate(
            latest=Max("published_at", filter=Q(published_at__lte=now)),
            upcoming=Min("published_at", filter=Q(published_at__gt=now)),
        )
        if times["latest"] and (latest is None or times["latest"] > latest):
            latest = times["latest"]
        if times["upcoming"] and (upcoming is None or times["upcoming"] < upcoming):
            upcoming = times["upcoming"]
    return latest, upcoming
