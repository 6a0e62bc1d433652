"""The site's settings: manage.py, gunicorn (wsgi.py) and asgi.py use them.

Everything but the secret key is in base.py. With DEBUG off (the default) the key
must come from DJANGO_SECRET_KEY and nothing starts without it: not gunicorn, not
runserver, not a management command (`make serve` gives its commands a throwaway
key). DJANGO_DEBUG=1, for a developer's machine, falls back to a public key.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEBUG

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value in "
            "production, or set DJANGO_DEBUG=1 for local development "
            "(`make run` does this for you)."
        )
    SECRET_KEY = "django-insecure-local-development-only"
