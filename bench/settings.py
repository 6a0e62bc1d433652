"""The production settings plus what only the benchmark needs (never used to serve the site).

- ROOT_URLCONF adds the Django floor (bench/urls.py) in front of the site's own URLs.
- BENCH_UNCACHED=1 makes the cache a DummyCache: every reader request goes through the
  page cache middleware as usual (the content-version query, a lookup that always
  misses, a store that keeps nothing) and is rendered from the database. That is the
  honest uncached case; a unique junk query parameter would not be (the page cache
  answers such a request but never stores it, and its notice changes the page).
"""

import os

from sco_site.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

if os.environ.get("BENCH_UNCACHED", "") == "1":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
