"""Print the SQL of reader pages with PostgreSQL's EXPLAIN ANALYZE plans.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sco_scale \
        .venv/bin/python bench/explain_pages.py /exercises/ "/exercises/?theme=x"

Each URL is requested once (with a junk parameter, so the page cache neither
answers nor stores it); every SELECT it ran is explained with ANALYZE, in
order, with the time each took. For docs/performance.md.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sco_site.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

SKIP = ("topics_contentversion", "django_content_type", "django_session")


def main(urls):
    client = Client(HTTP_HOST="localhost")
    for url in urls:
        junk = f"{'&' if '?' in url else '?'}explain={time.time_ns()}"
        client.get(url + junk)  # warm the process-wide memos
        with CaptureQueriesContext(connection) as queries:
            started = time.monotonic()
            response = client.get(url + junk)
            elapsed = (time.monotonic() - started) * 1000
        print(f"## {url}  status {response.status_code}, {len(queries)} queries, {elapsed:.0f} ms")
        for query in queries:
            sql = query["sql"]
            if not sql.startswith("SELECT") or any(name in sql for name in SKIP):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql)
                plan = [row[0] for row in cursor.fetchall()]
            print(f"\n{sql[:400]}{'…' if len(sql) > 400 else ''}")
            print("\n".join(f"    {line}" for line in plan))
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
