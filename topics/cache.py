"""Whole-page caching for readers, shared by every app server through the cache.

A reader's page is cached under its full URL plus a *content version*. Any
change to content (a save or delete, a bulk publish, a content load) sets a
new version, so readers never see a stale page after an edit; old entries just
expire. Staff are never served from the cache, so a preview is always live.
When the cache (Redis) is down, every lookup is a miss: pages are rendered
as usual and the error is logged by the cache backend.
"""

import hashlib
import uuid
from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse

VERSION_KEY = "topics:content-version"
# A scheduled publication (published_at in the future) appears within this time.
PAGE_TIMEOUT = 300


def content_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        # First use (or the cache is down): start a version. If another process
        # raced us, its value wins from the next request on.
        version = uuid.uuid4().hex
        cache.add(VERSION_KEY, version, None)
    return version


def bump_content_version():
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def content_changed(sender, **kwargs):
    """Signal receiver: a record of this app was saved, deleted or relinked."""
    if sender._meta.app_label == "topics":
        bump_content_version()


def cached_for_readers(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        # The host is part of the key: pages contain absolute links (canonical, feed).
        address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        digest = hashlib.sha256(address.encode()).hexdigest()
        key = f"topics:page:{content_version()}:{digest}"
        cached = cache.get(key)
        if cached is not None:
            content, headers = cached
            response = HttpResponse(content)
            for name, value in headers.items():
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if response.status_code == 200 and not response.streaming:
            headers = {
                name: value
                for name, value in response.items()
                if name in ("Content-Type", "Content-Disposition")
            }
            cache.set(key, (response.content, headers), PAGE_TIMEOUT)
        return response

    return wrapper
