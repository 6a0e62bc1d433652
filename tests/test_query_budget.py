"""Query budgets: every reader page runs the same, fixed queries at 100 and 100,000 exercises.

The data are generate_scale_data's (10 policies and 1 topic per 100 exercises),
written once per module outside the tests' transactions and cleared after. Each
URL is requested once to fill the process-wide memos (filter menus, addresses,
publication marker), then measured with the page cache emptied, so the page is
rendered from the database. The large size is skipped with SCALE_TEST_SIZE=0, or
another size given (e.g. SCALE_TEST_SIZE=20000).
"""

import json
import os
import time

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from topics.downloads import DOWNLOAD_LIMIT

SMALL = 100
LARGE = int(os.environ.get("SCALE_TEST_SIZE", "100000"))

# URL: the exact number of queries it runs at any size (the content version is one).
BUDGETS = {
    "/": 6,
    "/topics/": 3,
    "/topics/synthetic-topic-000001/": 9,
    "/exercises/": 5,
    "/exercises/?theme=synthetic-theme-1": 6,
    "/exercises/?country=XA&country=XB": 6,
    "/exercises/?host=XC": 6,
    "/exercises/?country=XA&membership=then": 6,
    "/exercises/?membership=today": 5,
    "/exercises/?series=synthetic-series-1": 6,
    "/exercises/?year_from=2010&year_to=2012&scope=sco": 5,
    "/exercises/?sort=name": 5,
    "/exercises/?sort=-personnel&page=2": 5,
    "/exercises/synthetic-exercise-000002/": 15,
    "/policies/": 3,
    "/policies/?party=XA&sort=name": 4,
    "/policies/?party=XA&party_role=signatory": 4,
    "/policies/synthetic-policy-000001/": 14,
    "/countries/": 3,
    "/countries/synthetic-country-xa/": 13,
    "/themes/": 2,
    "/themes/synthetic-theme-1/": 13,
    "/series/": 2,
    "/series/synthetic-series-1/": 10,
    "/bodies/": 2,
    "/meetings/": 2,
    "/timeline/": 3,
    "/timeline/?from=2010&show=exercises": 2,
    "/search/?q=Exercise+000042": 4,
    "/exercises/export.csv": 8,
    "/exercises/export.json": 8,
    "/exercises/export.csv?theme=synthetic-theme-2": 9,
    "/policies/export.csv": 5,
    "/policies/export.json": 5,
    "/meetings/export.json": 2,
}


def generate(**counts):
    call_command("generate_scale_data", verbosity=0, **counts)


@pytest.fixture(scope="module")
def small_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        generate(exercises=SMALL, policies=SMALL // 10, topics=SMALL // 100, clear=True)
    yield SMALL
    with django_db_blocker.unblock():
        generate(clear=True)


@pytest.fixture(scope="module")
def large_data(small_data, django_db_blocker):
    if LARGE <= SMALL:
        pytest.skip("SCALE_TEST_SIZE=0: the large size is skipped")
    with django_db_blocker.unblock():
        started = time.monotonic()
        more = LARGE - SMALL
        generate(exercises=more, policies=more // 10, topics=more // 100)
        print(f"\n{LARGE} exercises generated in {time.monotonic() - started:.0f} s")
    return LARGE


def measure(client, url):
    """Return (queries, response, body) for `url` rendered from the database."""
    assert client.get(url).status_code == 200  # fills the process-wide memos
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200
    return queries, response, body


def check(client, url, size):
    queries, response, body = measure(client, url)
    sql = "\n".join(query["sql"][:200] for query in queries)
    assert len(queries) == BUDGETS[url], f"{url} at {size}: {len(queries)} queries\n{sql}"
    if "export.json" in url:
        data = json.loads(body)
        assert data["count"] == len(data["results"]) <= DOWNLOAD_LIMIT
    return body


@pytest.mark.django_db
@pytest.mark.parametrize("url", BUDGETS)
def test_small(client, small_data, url):
    check(client, url, small_data)


@pytest.mark.django_db
@pytest.mark.parametrize("url", BUDGETS)
def test_large(client, large_data, url):
    body = check(client, url, large_data)
    listed = {"/exercises/export.json": large_data, "/policies/export.json": large_data // 10}
    if listed.get(url, 0) > DOWNLOAD_LIMIT:
        # Cut at the limit, and said so.
        data = json.loads(body)
        assert data["count"] == DOWNLOAD_LIMIT
        assert f"first {DOWNLOAD_LIMIT:,} records" in data["notices"][-1]
