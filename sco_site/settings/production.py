"""The site's settings: manage.py, gunicorn (wsgi.py) and asgi.py use them.

Everything but the secret key is in base.py. With DEBUG off (the default) the key
must come from DJANGO_SECRET_KEY: without it nothing that serves the site starts
(wsgi.py and asgi.py, which gunicorn and runserver load, refuse), while commands
that serve nothing, such as migrate, makemigrations or collectstatic, still run.
DJANGO_DEBUG=1, for a developer's machine, falls back to a public key.
"""

import os

from .base import *  # noqa: F403
from .base import DEBUG

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "django-insecure-local-development-only"
