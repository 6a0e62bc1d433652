"""Request ids, refusing NUL bytes, and the client address behind trusted proxies.

Every request gets an id (the proxy's `X-Request-ID` when it sends a sane one,
else a new one). It is returned in the `X-Request-ID` response header, added
to every log line written while the request is handled (logs.py), and shown on
the 500 page, so a reader's report can be matched to the log.
"""

import ipaddress
import logging
import re
import uuid

from django.conf import settings
from django.core.exceptions import SuspiciousOperation

from .logs import request_id_var

logger = logging.getLogger(__name__)
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIDMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset afterwards: Django logs 4xx/5xx responses after the middleware
        # chain returns, and those lines should carry the id too.
        request_id_var.set(request_id)
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


def _parse_ip(value):
    """Return the address in one X-Forwarded-For entry (a port or brackets allowed), or None."""
    value = value.strip()
    if value.startswith("["):  # "[2001:db8::1]:443"
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket ("::ffff:10.0.0.1") is that IPv4 client.
    return getattr(address, "ipv4_mapped", None) or address


def _is_trusted(address):
    return any(address in network for network in settings.TRUSTED_PROXIES)


_untrusted_proxy_warned = False


def client_ip(request):
    """Return the address of the client, for login throttling.

    X-Forwarded-For is believed only as far as the proxies that wrote it are
    trusted (settings.TRUSTED_PROXIES): walk it from the right, past trusted
    proxies, and stop at the first address that is not one, as nginx's
    `real_ip_recursive` does. Entries left of that were written by the client
    and prove nothing. So a reader on a public address cannot choose the address
    they are throttled by, and behind a trusted proxy every reader keeps their own.
    """
    global _untrusted_proxy_warned
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.headers.get("X-Forwarded-For", "")
    address = _parse_ip(remote)
    if address is None or not _is_trusted(address):
        if forwarded and not _untrusted_proxy_warned:
            # Once per process: either a proxy that is not in the list (every reader
            # then shares its address, and five bad logins lock the admin out for all),
            # or a client that sends the header itself (ignored, rightly).
            _untrusted_proxy_warned = True
            logger.warning(
                "X-Forwarded-For ignored: it came from %s, which is not in "
                "DJANGO_TRUSTED_PROXIES. If that address is your proxy or load balancer, "
                "add it, or login throttling will treat all readers as one client.",
                remote or "an unknown address",
            )
        return remote or None
    client = address
    for entry in reversed(forwarded.split(",")):
        hop = _parse_ip(entry)
        if hop is None:
            # Not an address: no trusted proxy wrote it, so stop at the last one that did.
            break
        client = hop
        if not _is_trusted(hop):
            break
    return str(client)
