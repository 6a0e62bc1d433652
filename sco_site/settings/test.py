"""Settings for the test suite (pyproject.toml points pytest-django here).

base.py plus what a test run needs and a developer's environment must not change:
a fixed secret key, static files straight from the source folders (no
collectstatic), plain HTTP, the local-memory cache (tests that need Redis set it
themselves, see tests/test_page_cache_outage.py) and a fast password hasher. The
database still comes from DATABASE_URL, so the suite runs on SQLite or PostgreSQL.
"""

from .base import *  # noqa: F403
from .base import STORAGES

SECRET_KEY = "django-insecure-test-suite-only"

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.TempFolderStorage"

# Hashing test users' passwords the slow, safe way only slows the suite down.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
