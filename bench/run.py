#!/usr/bin/env python
"""The benchmark: reader pages' throughput against two floors, at several data sizes.

    .venv/bin/python bench/run.py [--sizes 1000,100000] [--duration 10] [--pages home,search]

For each size it makes (once; reused on later runs unless --fresh) a database of its
own holding the bundled content (load_content) plus `generate_scale_data --exercises N
--policies N/10 --topics N/100`:
PostgreSQL database sco_bench_<N> on the server of DATABASE_URL when that is set, else a
SQLite file under --data-dir (default: <tmp>/sco-bench). It then serves, each with the
project's gunicorn.conf.py and 2 sync workers on 127.0.0.1, DEBUG off, DJANGO_HTTPS=0,
a generated secret key and static files collected for whitenoise:

- the site, cached: the production settings as they are (the page cache on, in Redis
  when REDIS_URL is set, else each worker's memory);
- the site, uncached: bench.settings with BENCH_UNCACHED=1, the same but with a
  DummyCache, so every request is rendered from the database;
- the bare floor: bench/bare.py, a framework-less WSGI app returning as many bytes as
  the page;
- the Django floor: bench.settings' /bench-floor/<n>, a minimal view returning as many
  bytes, behind the site's full middleware.

Measurements are interleaved page by page (cached page, uncached page, bare floor,
Django floor) with wrk (1 thread, --connections, --duration seconds each), after a
warm-up. Every page's requests per second are printed as a ratio to both floors, in a
table, followed by the targets (PASS/MISS) and a one-line summary.

When REDIS_URL is set, its database is emptied before each size: two benchmark
databases can share a content version number, and the page cache keys on it.
Give the benchmark a Redis database of its own (e.g. redis://127.0.0.1:6379/12).
"""

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
REPORT_LUA = str(ROOT / "bench" / "report.lua")

# name: (kind, address template). Kinds decide the targets a page is held to.
PAGES = {
    "home": ("list", "/"),
    "topic": ("detail", "/topics/{topic}/"),
    "exercises": ("list", "/exercises/"),
    "exercises-filtered": ("list", "/exercises/?country={country}&year_from={year_from}"),
    "exercise": ("detail", "/exercises/{exercise}/"),
    "policies": ("list", "/policies/"),
    "search": ("list", "/search/?q=peace"),
    # The filtered list as CSV: the whole unfiltered list at 100,000 exercises would
    # be a download of tens of megabytes, which measures the network, not the site.
    "csv": ("list", "/exercises/export.csv?country={country}&year_from={year_from}"),
}

# Ratios of a page's requests per second to the bare floor's.
TARGETS_UNCACHED = [
    # (size, kind, minimum ratio)
    (1000, "list", 0.035),
    (1000, "detail", 0.09),
    (100000, "list", 0.02),
]
TARGET_CACHED = 0.6
SEARCH_SIZE, SEARCH_P50_MS = 100000, 50.0

# Run once per database to pick the records the pages show.
FIXTURE_CODE = """
import json
from django.db.models import Count
from topics.models import Country, Exercise, Topic
exercises = Exercise.objects.published().order_by("slug")
total = exercises.count()
middle = exercises[total // 2]
topic = Topic.objects.published().order_by("slug").first()
country = (
    Country.objects.published().annotate(n=Count("participations"))
    .order_by("-n", "iso_code").first()
)
dates = exercises.exclude(start_date=None).values_list("start_date", flat=True)[:2000]
years = sorted(d.year for d in dates)
print("BENCH_FIXTURE " + json.dumps({
    "exercises_total": total,
    "exercise": middle.slug,
    "topic": topic.slug,
    "country": country.iso_code,
    "year_from": years[len(years) // 2] if years else 2000,
}))
"""

COUNT_CODE = """
from topics.models import Exercise
print("BENCH_COUNT", Exercise.objects.count())
"""


def say(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# Databases ----------------------------------------------------------------------


def database_url(base_url, size, data_dir):
    if base_url:
        parts = urllib.parse.urlsplit(base_url)
        return urllib.parse.urlunsplit(parts._replace(path=f"/sco_bench_{size}"))
    return f"sqlite:///{data_dir / f'sco_bench_{size}.sqlite3'}"


def pg_admin(url, statement):
    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        cursor = connection.execute(statement)
        return cursor.fetchall() if statement.startswith("SELECT") else None


def manage(env, *args, capture=False):
    command = [PYTHON, str(ROOT / "manage.py"), *args]
    if capture:
        result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
        return result
    subprocess.run(command, env=env, cwd=ROOT, check=True)


def populated(env, size):
    result = manage(env, "shell", "-c", COUNT_CODE, capture=True)
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_COUNT"):
            return int(line.split()[1]) >= size
    return False


def prepare_database(env, size, fresh):
    url = env["DATABASE_URL"]
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    if url.startswith("postgres"):
        exists = pg_admin(url, f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        if exists and fresh:
            pg_admin(url, f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            pg_admin(url, f'CREATE DATABASE "{name}"')
    else:
        path = Path(url.removeprefix("sqlite:///"))
        if fresh and path.exists():
            path.unlink()
    started = time.monotonic()
    # Always: a database kept from an earlier run gets this checkout's migrations
    # (quick when nothing changed). Not load_content: on a database of 100,000
    # synthetic records it first gives each one a first version in the history
    # (many minutes); --fresh reloads the bundled content.
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    if not fresh and populated(env, size):
        if url.startswith("postgres"):
            # The planner's statistics after migrations and loads: a kept database
            # must be measured as a freshly made one is (generate_scale_data does it).
            import psycopg

            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute("VACUUM ANALYZE")
        say(f"size {size}: reusing database {name} (--fresh to make it again)")
        return
    say(f"size {size}: making database {name}: load_content, generate_scale_data")
    manage(env, "load_content")
    manage(
        env,
        "generate_scale_data",
        "--clear",
        "--exercises",
        str(size),
        "--policies",
        str(max(1, size // 10)),
        "--topics",
        str(max(1, size // 100)),
    )
    say(f"size {size}: database ready in {time.monotonic() - started:.0f} s")


def fixture(env):
    result = manage(env, "shell", "-c", FIXTURE_CODE, capture=True)
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_FIXTURE "):
            return json.loads(line.removeprefix("BENCH_FIXTURE "))
    raise SystemExit(f"could not read the benchmark's records:\n{result.stdout}\n{result.stderr}")


def flush_redis(url):
    import redis

    redis.Redis.from_url(url).flushdb()


# Servers ------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One gunicorn (the project's gunicorn.conf.py, 2 sync workers) on a loopback port."""

    def __init__(self, name, app, env, log_dir):
        self.name = name
        self.port = free_port()
        env = dict(env, GUNICORN_BIND=f"127.0.0.1:{self.port}", GUNICORN_WORKERS="2")
        self.log = open(log_dir / f"{name}.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [GUNICORN, app, "--config", str(ROOT / "gunicorn.conf.py")],
            env=env,
            cwd=ROOT,
            # The access log (one line per request) is part of the configuration; it is
            # written, but to nowhere, so the disk does not fill.
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,
        )

    def wait_ready(self, path, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} server exited; see {self.log.name}")
            try:
                status, _ = fetch(self.port, path)
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name} server did not answer in {timeout} s; see {self.log.name}")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def fetch(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# Measuring ----------------------------------------------------------------------


def wrk(port, path, duration, connections):
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        REPORT_LUA,
        f"http://127.0.0.1:{port}{path}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line.removeprefix("BENCH_JSON "))
            seconds = data["duration_us"] / 1e6
            errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
            if data["requests"] == 0:
                # Not one answer within the duration: every connection timed out.
                errors = max(errors, connections)
            return {
                "rps": data["requests"] / seconds if seconds else 0.0,
                "p50_ms": data["p50_us"] / 1000,
                "p99_ms": data["p99_us"] / 1000,
                "requests": data["requests"],
                "errors": errors,
            }
    raise SystemExit(f"wrk printed no figures:\n{result.stdout}\n{result.stderr}")


def measure(port, path, args, warmup=3):
    for _ in range(warmup):
        status, body = fetch(port, path)
        if status != 200:
            raise SystemExit(f"GET {path} on port {port} answered {status}")
    return wrk(port, path, args.duration, args.connections)


def run_size(size, args, base_env, log_dir):
    env = dict(base_env, DATABASE_URL=database_url(args.database_url, size, args.data_dir))
    prepare_database(env, size, args.fresh)
    records = fixture(env)
    if base_env.get("REDIS_URL"):
        flush_redis(base_env["REDIS_URL"])
    servers = {
        "cached": Server(f"site-{size}", "sco_site.wsgi", env, log_dir),
        "uncached": Server(
            f"site-uncached-{size}",
            "sco_site.wsgi",
            dict(env, DJANGO_SETTINGS_MODULE="bench.settings", BENCH_UNCACHED="1"),
            log_dir,
        ),
        "django": Server(
            f"django-floor-{size}",
            "sco_site.wsgi",
            dict(env, DJANGO_SETTINGS_MODULE="bench.settings"),
            log_dir,
        ),
        "bare": Server(f"bare-{size}", "bench.bare:application", env, log_dir),
    }
    rows = []
    try:
        for name in ("cached", "uncached", "django"):
            servers[name].wait_ready("/healthz")
        servers["bare"].wait_ready("/0")
        say(f"size {size}: 4 servers up ({records['exercises_total']} published exercises)")
        for page in args.pages:
            kind, template = PAGES[page]
            path = template.format(**records)
            status, body = fetch(servers["cached"].port, path)
            if status != 200:
                raise SystemExit(f"GET {path} answered {status}")
            size_bytes = len(body)
            row = {"size": size, "page": page, "kind": kind, "path": path, "bytes": size_bytes}
            row["cached"] = measure(servers["cached"].port, path, args)
            row["uncached"] = measure(servers["uncached"].port, path, args)
            row["bare"] = measure(servers["bare"].port, f"/{size_bytes}", args)
            row["django"] = measure(servers["django"].port, f"/bench-floor/{size_bytes}", args)
            if page == "search":
                # What one reader waits for: the same uncached page with one connection,
                # so no request queues behind another (with --connections on 2 workers a
                # request's p50 also holds the time of the ones ahead of it).
                row["uncached_alone"] = wrk(
                    servers["uncached"].port, path, args.duration, connections=1
                )
            for mode in ("cached", "uncached"):
                row[mode]["x_bare"] = row[mode]["rps"] / row["bare"]["rps"]
                row[mode]["x_django"] = row[mode]["rps"] / row["django"]["rps"]
            say(
                f"size {size}: {page}: cached {row['cached']['rps']:.0f}/s, uncached "
                f"{row['uncached']['rps']:.1f}/s (p50 {row['uncached']['p50_ms']:.1f} ms), "
                f"bare {row['bare']['rps']:.0f}/s, django floor {row['django']['rps']:.0f}/s"
            )
            rows.append(row)
    finally:
        for server in servers.values():
            server.stop()
    return rows


# Reporting ----------------------------------------------------------------------

HEADER = (
    "| Size | Page | Mode | Bytes | Req/s | p50 ms | p99 ms | Errors "
    "| Bare req/s | × bare | Django floor req/s | × Django floor |"
)


def table(rows):
    lines = [HEADER, "|" + " --- |" * 12]
    for row in rows:
        for mode in ("cached", "uncached"):
            m = row[mode]
            # No latency to show when not one request was answered in the duration.
            p50, p99 = (f"{m[k]:.1f}" if m["requests"] else "–" for k in ("p50_ms", "p99_ms"))
            lines.append(
                f"| {row['size']:,} | {row['page']} | {mode} | {row['bytes']:,} "
                f"| {m['rps']:.1f} | {p50} | {p99} | {m['errors']} "
                f"| {row['bare']['rps']:.0f} | {m['x_bare']:.4f} "
                f"| {row['django']['rps']:.0f} | {m['x_django']:.4f} |"
            )
    return "\n".join(lines)


def targets(rows, on_postgres):
    """Yield (verdict, text) per target; verdict is PASS, MISS or n/a."""
    sizes = {row["size"] for row in rows}
    for size, kind, minimum in TARGETS_UNCACHED:
        chosen = [r for r in rows if r["size"] == size and r["kind"] == kind]
        label = f"uncached {kind} pages at {size:,} ≥ {minimum} × bare"
        if not chosen:
            yield "n/a", f"{label} (size or pages not measured)"
            continue
        worst = min(chosen, key=lambda r: r["uncached"]["x_bare"])
        verdict = "PASS" if worst["uncached"]["x_bare"] >= minimum else "MISS"
        yield verdict, f"{label}: lowest {worst['page']} {worst['uncached']['x_bare']:.4f}"
        for r in chosen:
            if r["uncached"]["x_bare"] < minimum:
                yield "MISS", f"  {r['page']} at {size:,}: {r['uncached']['x_bare']:.4f}"
    for size in sorted(sizes):
        chosen = [r for r in rows if r["size"] == size]
        worst = min(chosen, key=lambda r: r["cached"]["x_bare"])
        verdict = "PASS" if worst["cached"]["x_bare"] >= TARGET_CACHED else "MISS"
        yield (
            verdict,
            f"cached pages at {size:,} ≥ {TARGET_CACHED} × bare: "
            f"lowest {worst['page']} {worst['cached']['x_bare']:.4f}",
        )
    label = (
        f"search p50 (uncached, one reader at a time) at {SEARCH_SIZE:,} on PostgreSQL "
        f"< {SEARCH_P50_MS:.0f} ms"
    )
    search = [r for r in rows if r["size"] == SEARCH_SIZE and r["page"] == "search"]
    if not search or not on_postgres:
        yield "n/a", f"{label} (not measured: needs --sizes {SEARCH_SIZE} and DATABASE_URL)"
    else:
        alone, loaded = search[0]["uncached_alone"]["p50_ms"], search[0]["uncached"]["p50_ms"]
        yield (
            ("PASS" if alone < SEARCH_P50_MS else "MISS"),
            f"{label}: {alone:.1f} ms ({loaded:.1f} ms under --connections)",
        )


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="exercises per database")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--pages", default=",".join(PAGES), help="of " + ",".join(PAGES))
    parser.add_argument("--fresh", action="store_true", help="make the databases again")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "sco-bench")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes: comma-separated whole numbers, e.g. 1000,100000")
    args.pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = [p for p in args.pages if p not in PAGES]
    if unknown or not args.pages or not args.sizes or args.duration < 1:
        parser.error(f"--pages from {', '.join(PAGES)}; --sizes and --duration ≥ 1 required")
    args.database_url = os.environ.get("DATABASE_URL", "")
    return args


def main(argv=None):
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit(
            "bench: wrk is not installed. Install it with `apt-get install -y wrk` "
            "(Debian/Ubuntu; `make bench` does it when run as root), then run again."
        )
    started = time.monotonic()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    log_dir = Path(tempfile.mkdtemp(prefix="sco-bench-logs-"))
    base_env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="sco_site.settings.production",
        DJANGO_DEBUG="0",
        DJANGO_HTTPS="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        PYTHONPATH=str(ROOT),
    )
    cache = f"Redis {base_env['REDIS_URL']}" if base_env.get("REDIS_URL") else "local memory"
    say(
        f"bench: {os.cpu_count()} cores; sizes {args.sizes}; {len(args.pages)} pages; "
        f"{args.duration} s per measurement, {args.connections} connections; "
        f"database: {'PostgreSQL' if args.database_url else 'SQLite in ' + str(args.data_dir)}; "
        f"cache: {cache}; "
        f"server logs in {log_dir}"
    )
    manage(base_env, "collectstatic", "--noinput", "--verbosity", "0")
    rows = []
    for size in args.sizes:
        rows += run_size(size, args, base_env, log_dir)

    print()
    print(table(rows))
    print()
    verdicts = list(targets(rows, on_postgres=bool(args.database_url)))
    for verdict, text in verdicts:
        print(f"{verdict:4} {text}" if not text.startswith("  ") else f"     {text.strip()}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "targets": verdicts}, indent=2))
    modes = ("cached", "uncached", "bare", "django")
    errors = sum(row[mode]["errors"] for row in rows for mode in modes)
    top = [v for v, t in verdicts if not t.startswith("  ")]
    print(
        f"bench: {len(rows)} page measurements at {len(args.sizes)} size(s) "
        f"in {time.monotonic() - started:.0f} s; "
        f"targets {top.count('PASS')} PASS, {top.count('MISS')} MISS, {top.count('n/a')} n/a; "
        f"{errors} errors"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
