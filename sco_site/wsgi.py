"""
WSGI config for sco_site project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sco_site.settings.production")

application = get_wsgi_application()

from sco_site.checks import require_secret_key  # noqa: E402  (needs the settings loaded)

require_secret_key()
