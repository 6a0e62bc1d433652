"""Request ids and one-line logging.

Every request gets an id (the proxy's `X-Request-ID` when it sends a sane one,
else a new one). It is returned in the `X-Request-ID` response header, added
to every log line written while the request is handled, and shown on the
500 page, so a reader's report can be matched to the log.
"""

import contextvars
import logging
import re
import uuid

from django.conf import settings
from django.core.exceptions import SuspiciousOperation

_request_id = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id():
    return _request_id.get()


class RequestIDMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset afterwards: Django logs 4xx/5xx responses after the middleware
        # chain returns, and those lines should carry the id too.
        _request_id.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class RejectNullBytesMiddleware:
    """Answer 400 to query strings holding NUL bytes, which no real link contains.

    PostgreSQL cannot store or compare text with NUL, so such a value would
    otherwise fail deep inside a query instead of being refused up front.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                raise SuspiciousOperation("NUL byte in the query string")
        return self.get_response(request)


class RequestIDLogFilter(logging.Filter):
    def filter(self, record):
        if not hasattr(record, "request_id"):
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or current_request_id()
        return True


class OneLineFormatter(logging.Formatter):
    """`time level logger request_id=… message`, with tracebacks folded onto the line."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s")

    def format(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return super().format(record).replace("\r", "").replace("\n", " ⏎ ")


def client_ip(request):
    """Return the client address, skipping the trusted proxies in front of the app."""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if count and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
