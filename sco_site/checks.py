"""System checks for settings that a deployment can get wrong silently.

Registered from `topics.apps.TopicsConfig.ready()` (this project package is not
an installed app).
"""

import ipaddress
import os

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

MISSING_SECRET_KEY = (
    "DJANGO_SECRET_KEY is not set. Set it to a long random value in production, or set "
    "DJANGO_DEBUG=1 for local development (`make run` does this for you)."
)


def has_secret_key():
    try:
        return bool(settings.SECRET_KEY)
    except ImproperlyConfigured:  # Django's own refusal of an empty key
        return False


def require_secret_key():
    """Refuse to serve the site without a secret key.

    Called by wsgi.py and asgi.py, which gunicorn and runserver load: commands that
    serve nothing (makemigrations, collectstatic, migrate) run without a key.
    """
    if not has_secret_key():
        raise ImproperlyConfigured(MISSING_SECRET_KEY)


@register(Tags.security)
def check_trusted_proxies(app_configs, **kwargs):
    """Flag the removed proxy-count setting and a TRUSTED_PROXIES that is not networks."""
    problems = []
    if "DJANGO_TRUSTED_PROXY_COUNT" in os.environ or hasattr(settings, "TRUSTED_PROXY_COUNT"):
        problems.append(
            Warning(
                "DJANGO_TRUSTED_PROXY_COUNT is no longer read.",
                hint="Remove it. The client address for login throttling now comes from "
                "DJANGO_TRUSTED_PROXIES, the addresses of your proxies (default: loopback "
                "and private networks, which covers nginx on the same host). See "
                "docs/deployment.md, 'Proxies and login throttling'.",
                id="sco_site.W001",
            )
        )
    proxies = getattr(settings, "TRUSTED_PROXIES", [])
    if not isinstance(proxies, list | tuple) or not all(
        isinstance(item, ipaddress.IPv4Network | ipaddress.IPv6Network) for item in proxies
    ):
        problems.append(
            Error(
                "TRUSTED_PROXIES must be a list of ipaddress networks.",
                hint="Set DJANGO_TRUSTED_PROXIES (comma-separated addresses or CIDR "
                "networks) rather than TRUSTED_PROXIES itself.",
                id="sco_site.E001",
            )
        )
    return problems
