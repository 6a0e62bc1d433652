"""Settings common to the site and the test suite.

The few values that differ between a laptop and production come from the
environment (see `.env.example` and the README's Configuration table). The
secret key does not: production.py reads it, test.py fixes one.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_networks(name, default):
    """Return the IP networks listed in `name`; refuse to start on a malformed entry."""
    networks = []
    for item in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not an IP address or network. Use a comma-separated "
                "list such as 127.0.0.1,10.0.0.0/8,::1 (empty trusts no proxy)."
            ) from None
    return networks


DEBUG = env_bool("DJANGO_DEBUG", default=False)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# The admin lives at /admin/ unless moved, e.g. DJANGO_ADMIN_URL=editors-7f3a/
ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "reversion",
    "reversion_compare",
    "import_export",
    "csp",
    "axes",
    "topics",
]

MIDDLEWARE = [
    "sco_site.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sco_site.middleware.RejectNullBytesMiddleware",
    # Anonymous readers' pages (topics/page_cache.py): a reader without a session is
    # answered from the cache before sessions, CSRF, auth and axes run; below it is
    # everything whose headers a stored page keeps.
    "topics.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "sco_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "topics.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "sco_site.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Search (topics/search.py): a word of a name counts as spelt nearly from this word
    # similarity on ("misson" of "Peace Mission" is 0.57; pg_trgm's default is 0.6),
    # so the names' trigram index can answer the `%>` test at any size.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", "-c pg_trgm.word_similarity_threshold=0.5"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Where readers report corrections: a mailto: or issue-tracker URL (About page, footer).
CORRECTIONS_URL = os.environ.get("DJANGO_CORRECTIONS_URL", "")

# Pages of a list view; the reader cannot ask for more than this.
TOPICS_PAGE_SIZE = 20


# Cache: Redis when REDIS_URL is set (shared by every app server), else each process's
# own memory. Either is safe: reader pages are keyed by the content version kept in
# the database (topics/content_version.py), so no server can serve a page older than the last
# committed edit. The page cache handles cache errors itself, so they are not ignored
# here: it logs one line and bypasses the cache for a few seconds.
def redis_cache(url):
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "TIMEOUT": 300,
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": False,
            # Fail fast: a Redis that is down or hung costs a page at most ~50 ms.
            "SOCKET_CONNECT_TIMEOUT": 0.05,
            "SOCKET_TIMEOUT": 0.05,
        },
    }


redis_url = os.environ.get("REDIS_URL", "")
if redis_url:
    CACHES = {"default": redis_cache(redis_url)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Request bodies: a form larger than this is refused (400). A file (only the admin's
# import takes one) is not counted; above the second limit it waits on disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MB, Django's default, stated on purpose
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# HTTPS. On by default whenever DEBUG is off; DJANGO_HTTPS=0 is for `make serve`
# on a laptop, which speaks plain HTTP on 127.0.0.1.
https = env_bool("DJANGO_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = https
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load-balancer probes may use plain HTTP
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000")) if https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
# "preload" only allows submission to the browsers' preload list, which is done by hand.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = https
CSRF_COOKIE_SECURE = https
SESSION_COOKIE_HTTPONLY = True
# Behind a proxy that terminates TLS, e.g. DJANGO_SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto
_proxy_header = os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): everything from this origin, nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The read-only JSON API at /api/v1/ (topics/api.py). JSON only: the browsable API
# needs scripts and styles the CSP does not allow, and its forms are of no use to a
# read-only API. No authentication: every reader sees the same published records
# (so the page cache may keep a response), and nothing can be written.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SCO Military Cooperation Reference API",
    "VERSION": "1",
    "DESCRIPTION": (
        "Read-only JSON over the published records of the SCO Military Cooperation "
        "Reference: exercises, policies, countries, series, topics, bodies, meetings and "
        "glossary terms. Lists take the same filters as the site's list pages and "
        "return the same records in the same order. Documentation: /api/."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema is of this API only; the site's own pages are not in it.
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ExerciseKindEnum": "topics.models.Exercise.Kind",
        "PolicyKindEnum": "topics.models.Policy.Kind",
        "PolicyStatusEnum": "topics.models.Policy.LegalStatus",
        "MembershipStatusEnum": "topics.models.Membership.Status",
    },
}

# Admin login throttling (django-axes): after 5 failures for one user name from one
# address, that pair is locked out for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DJANGO_AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes_lockout.html"
AXES_CLIENT_IP_CALLABLE = "sco_site.middleware.client_ip"
# Proxies whose X-Forwarded-For is believed (see sco_site.middleware.client_ip). The
# default covers a proxy on the same host or a private network; a reader's public
# address is never in it, so a reader cannot pick the address they are throttled by.
TRUSTED_PROXIES = env_networks(
    "DJANGO_TRUSTED_PROXIES",
    "127.0.0.0/8,::1,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7",
)

# One line per event on stdout, each tagged with the request id.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "sco_site.logs.RequestIDLogFilter"}},
    "formatters": {"line": {"()": "sco_site.logs.OneLineFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers would print a second, multi-line copy.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Serve static files straight from the source folders while developing.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Admin import and export of exercises, policies and sources (django-import-export;
# see topics/admin_import.py). An import runs in one transaction, rolled back whole
# on any error; blank spreadsheet lines are skipped. Between the preview and the
# confirmation the upload waits in a temporary file, or in Redis when several app
# servers share the work (a temporary file is only on the server that received it).
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True
IMPORT_EXPORT_TMP_STORAGE_CLASS = (
    "import_export.tmp_storages.CacheStorage"
    if redis_url
    else "import_export.tmp_storages.TempFolderStorage"
)

# History compare (django-reversion-compare): a foreign key has changed when it points
# at another record, not when anything else in the version changed.
REVERSION_COMPARE_FOREIGN_OBJECTS_AS_ID = True
