"""Whole-page caching for readers, safe with any number of app servers.

A reader's page is cached under its full URL, the *content version* and the
*publication marker*:

- The content version is `ContentVersion.number` in the database. Every change
  to content moves it on inside the change's own transaction (the signal
  receivers below, and `bump_content_version()` for bulk writes that send no
  signals), and every request reads it (one query by primary key). So a page
  cached before the last committed edit is never looked up again, whichever app
  server or cache (Redis, or each process's own memory) holds it; readers never
  see a version whose transaction has not committed; and an edit made while the
  cache was down is seen as soon as it is back. Old entries simply expire.
- The publication marker is the latest `published_at` that has passed: a record
  scheduled for a future time changes it when its time comes, so every page
  shows the record from then on, with no scheduler process.

Only complete 200 responses to anonymous GET/HEAD requests are stored, and
never one that sets a cookie, varies on the cookie or asks not to be cached.
Signed-in users (staff previewing drafts) are never served from the cache and
never fill it.

When the cache fails (Redis down or hung), pages are rendered as usual: the
error is logged once, and the cache is bypassed in this process for
`BYPASS_SECONDS`, so not every request pays the socket timeout.
"""

import hashlib
import logging
import secrets
import threading
import time
from functools import wraps

from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Max, Min, Q
from django.db.models.signals import pre_delete, pre_save
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import cc_delim_re

from .models import BundleState, ContentVersion, LinkCheck, Publishable

logger = logging.getLogger(__name__)

# A cached page is kept this long; any edit or due publication replaces it sooner.
PAGE_TIMEOUT = 300
# After a cache error, this process renders every page for this long without the cache.
BYPASS_SECONDS = 10
# Records that no reader page shows: saving them leaves the content version alone.
NOT_CONTENT = (BundleState, ContentVersion, LinkCheck)
# Response headers kept with a cached page (the rest are added again on the way out).
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language")


# Content version ------------------------------------------------------------------


def content_version():
    """Return the committed content version (or the caller's own, inside its transaction)."""
    try:
        return ContentVersion.objects.values_list("number", flat=True).get(pk=1)
    except ContentVersion.DoesNotExist:  # a flushed test database; migration 0003 creates it
        return 0


def bump_content_version():
    """Move the content version on, in the caller's transaction.

    Call it in the transaction of writes that send no signals (`QuerySet.update()`,
    bulk loads), best before them: every writer then takes the version's row lock
    before any record's, so two writers never deadlock on it. Saves, deletes and
    relinks of content records call it themselves. It becomes visible to readers
    exactly when the change does, at commit, and vanishes with a rollback.
    """
    if not ContentVersion.objects.filter(pk=1).update(number=F("number") + 1):
        ContentVersion.objects.get_or_create(pk=1, defaults={"number": 1})


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
    if not versions.filter(pk=1).update(number=F("number") + step):
        versions.get_or_create(pk=1, defaults={"number": step})


# Scheduled publication ------------------------------------------------------------

# (content version, latest passed publication time, next scheduled one), per process.
_schedule = (None, None, None)


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


# Talking to the cache ------------------------------------------------------------


class CacheBypass:
    """After a cache error, skip the cache in this process for a while, logging once."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.until = 0.0
        self.lock = threading.Lock()

    def active(self):
        return time.monotonic() < self.until

    def trip(self, error):
        with self.lock:
            if not self.active():
                logger.warning(
                    "page cache unreachable (%s: %s); serving pages without it for %s s",
                    type(error).__name__,
                    error,
                    self.seconds,
                )
            self.until = time.monotonic() + self.seconds

    def reset(self):
        self.until = 0.0


bypass = CacheBypass(BYPASS_SECONDS)


def _cache_call(method, *args):
    if bypass.active():
        return None
    try:
        return method(*args)
    except Exception as error:  # any backend: redis errors, timeouts, refused connections
        bypass.trip(error)
        return None


def cache_status():
    """Return "ok" when the page cache answers, "degraded" when it is being bypassed."""
    if bypass.active():
        return "degraded"
    try:
        cache.get("topics:health-probe")
    except Exception as error:
        bypass.trip(error)
        return "degraded"
    return "ok"


# The page cache -------------------------------------------------------------------


def page_key(request, version, marker):
    # The host is part of the key: pages contain absolute links (canonical, feed).
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(address.encode()).hexdigest()
    stamp = marker.isoformat() if marker else "-"
    return f"topics:page:{version}:{stamp}:{digest}"


def storable(request, response):
    """Return whether a reader's response may be served to every other reader."""
    if response.status_code != 200 or response.streaming:
        return False
    if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    vary = {field.strip().lower() for field in cc_delim_re.split(response.get("Vary", ""))}
    if "cookie" in vary or "*" in vary:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    return not any(word in cache_control for word in ("private", "no-store", "no-cache"))


def cached_for_readers(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        # Read the version before rendering: the page is then at least as new as its key.
        version = content_version()
        key = page_key(request, version, publication_marker(version))
        cached = _cache_call(cache.get, key)
        if cached is not None:
            content, headers = cached
            response = HttpResponse(content)
            for name, value in headers.items():
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if storable(request, response):
            headers = {name: response[name] for name in KEPT_HEADERS if name in response}
            _cache_call(cache.set, key, (response.content, headers), PAGE_TIMEOUT)
        return response

    return wrapper
