"""Whole-page caching for anonymous readers, safe with any number of app servers.

`PageCacheMiddleware` is the one place it happens. It sits high in MIDDLEWARE,
above sessions, CSRF, authentication, messages and django-axes: a reader
without a session (no session or messages cookie, which is every anonymous
reader) is answered from the cache before any of them runs. Anyone with a
session (staff previewing drafts, editors) gets the full stack and is never
served from the cache nor fills it.

A page is stored under its address, the content version and the publication
marker (topics/content_version.py), so no app server can serve a page older
than the last committed edit or miss a record whose scheduled time has come. The
address is the *cleaned* request: the path and the query parameters the page
understands, sorted, without blanks. A view says which query string its page
answers by setting `response.page_query` (`topics.views.ReaderPageMixin` does it
for every reader page), and a page is stored only when the request asked exactly
that: a junk parameter, an invalid value or a blank one is answered (with a
notice where the page has one) but never creates a cache entry of its own. A
response without `page_query` (the admin, /healthz) is never stored.

Only complete 200 responses to GET/HEAD requests are stored, with their headers,
and never one that sets a cookie or asks not to be cached. A stored page carries
an `ETag` (a digest of its bytes) and `Last-Modified` (when the content last
changed), with `Cache-Control: no-cache`: browsers and proxies keep it but ask
again each time, and a conditional request for an unchanged page is answered
`304 Not Modified` with no body.

When the cache fails (Redis down or hung), pages are rendered as usual: the
error is logged once, and the cache is bypassed in this process for
`BYPASS_SECONDS`, so not every request pays the socket timeout.
"""

import hashlib
import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, QueryDict
from django.utils.cache import cc_delim_re, get_conditional_response
from django.utils.http import http_date, parse_http_date_safe

from .content_version import content_state, publication_marker

logger = logging.getLogger(__name__)

# A cached page is kept this long; any edit or due publication replaces it sooner.
PAGE_TIMEOUT = 300
# After a cache error, this process renders every page for this long without the cache.
BYPASS_SECONDS = 10
# Added again on the way out by the middleware above this one, per request.
NOT_STORED_HEADERS = {"set-cookie", "x-request-id"}
# What a reader's browser or a proxy may do with a page: keep it, but ask each time
# (answered by a 304 when it has not changed), so no one reads a page older than an edit.
READER_CACHE_CONTROL = "no-cache"


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


def clean_query(params):
    """Return `params` (a QueryDict) as one canonical query string: sorted, no blanks."""
    pairs = sorted(
        (key, value) for key, values in params.lists() for value in values if value.strip()
    )
    query = QueryDict(mutable=True)
    for key, value in pairs:
        query.appendlist(key, value)
    return query.urlencode()


def page_key(request, version, marker):
    # The host is part of the key: pages contain absolute links (canonical, feed).
    address = f"{request.scheme}://{request.get_host()}{request.path}?{clean_query(request.GET)}"
    digest = hashlib.sha256(address.encode()).hexdigest()
    stamp = marker.isoformat() if marker else "-"
    return f"topics:page:{version}:{stamp}:{digest}"


def storable(request, response):
    """Return whether a reader's response may be served to every other reader."""
    if response.status_code != 200 or response.streaming:
        return False
    if getattr(response, "page_query", None) != clean_query(request.GET):
        # Not a reader page (no `page_query`), or the request asked for more (or
        # other) than the page answers.
        return False
    if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    # `Vary: Cookie` (sessions add it) is fine: only requests without a session are
    # answered from the cache, and the stored copy keeps the header for proxies.
    vary = {field.strip().lower() for field in cc_delim_re.split(response.get("Vary", ""))}
    if "*" in vary:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    return not any(word in cache_control for word in ("private", "no-store", "no-cache"))


def has_session(request):
    """Whether the request carries a session or pending messages: it then gets the full stack."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES


def last_modified(changed_at, marker):
    """When the content a page shows last changed: the later of the last edit and publication."""
    moments = [moment for moment in (changed_at, marker) if moment is not None]
    return max(moments) if moments else None


def validators(content, modified):
    """The headers that let a reader's browser ask "has it changed?" (ETag, Last-Modified)."""
    headers = [("ETag", f'"{hashlib.sha256(content).hexdigest()[:32]}"')]
    if modified is not None:
        headers.append(("Last-Modified", http_date(modified.timestamp())))
    headers.append(("Cache-Control", READER_CACHE_CONTROL))
    return headers


def conditional(request, response):
    """Answer 304 when the request's validators match the page's, else the page itself."""
    modified = response.get("Last-Modified")
    return get_conditional_response(
        request,
        etag=response.get("ETag"),
        last_modified=int(parse_http_date_safe(modified)) if modified else None,
        response=response,
    )


class PageCacheMiddleware:
    """Serve anonymous readers' pages from the cache, and store the ones that may be."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or has_session(request):
            return self.get_response(request)
        # Read the version before rendering: the page is then at least as new as its key.
        try:
            version, changed_at = content_state()
            marker = publication_marker(version)
            key = page_key(request, version, marker)
            # What the page shows is fixed by these: what is precomputed per content
            # state (the filter menus' choices) is kept under them. The change time
            # too, so a version number seen again (a restored backup, a rolled-back
            # test) never brings back what was kept for other content.
            request.content_key = (version, changed_at, marker)
        except Exception:  # noqa: BLE001 - whatever the driver raises
            # No database, no way to tell a fresh page: let the view answer (/healthz
            # says 503, a page the error page).
            return self.get_response(request)
        cached = _cache_call(cache.get, key)
        if cached is not None:
            content, headers = cached
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            return conditional(request, response)
        response = self.get_response(request)
        if storable(request, response):
            for name, value in validators(response.content, last_modified(changed_at, marker)):
                response[name] = value
            headers = [
                (name, value)
                for name, value in response.items()
                if name.lower() not in NOT_STORED_HEADERS
            ]
            _cache_call(cache.set, key, (response.content, headers), PAGE_TIMEOUT)
            return conditional(request, response)
        return response
