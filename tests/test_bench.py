"""bench/run.py, run tiny: it measures every page against both floors and says so in a table."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import run as bench

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt-get install -y wrk)"
)

ROW = re.compile(
    r"^\| (?P<size>[\d,]+) \| (?P<page>[\w-]+) \| (?P<mode>cached|uncached) \| (?P<bytes>[\d,]+) "
    r"\| (?P<rps>[\d.]+) \| (?P<p50>[\d.]+) \| (?P<p99>[\d.]+) \| (?P<errors>\d+) "
    r"\| (?P<bare>[\d.]+) \| (?P<x_bare>[\d.]+) \| (?P<django>[\d.]+) \| (?P<x_django>[\d.]+) \|$"
)


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("bench")
    # SQLite and each worker's memory, whatever this test run uses: the bench empties
    # the Redis database it is given, and makes databases of its own.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    result = subprocess.run(
        [sys.executable, "bench/run.py", "--sizes", "20", "--duration", "1"]
        + ["--connections", "2", "--data-dir", str(data_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_a_row_per_page_and_mode_with_numeric_ratios(output):
    rows = [m.groupdict() for line in output.splitlines() if (m := ROW.match(line))]
    assert sorted((r["page"], r["mode"]) for r in rows) == sorted(
        (page, mode) for page in bench.PAGES for mode in ("cached", "uncached")
    )
    for row in rows:
        assert row["size"] == "20"
        assert int(row["bytes"].replace(",", "")) > 500
        assert row["errors"] == "0"
        for name in ("rps", "bare", "x_bare", "django", "x_django"):
            assert float(row[name]) > 0, (row, name)
        # The ratio is the page's rate over the floor's, as printed (to rounding).
        assert float(row["x_bare"]) == pytest.approx(
            float(row["rps"]) / float(row["bare"]), rel=0.02, abs=0.0002
        )


def test_targets_and_one_line_summary(output):
    lines = output.splitlines()
    verdicts = [line.split()[0] for line in lines if re.match(r"^(PASS|MISS|n/a) ", line)]
    # At 20 exercises only the cached target applies; the others say why they do not.
    assert verdicts.count("n/a") == 4
    assert len(verdicts) == 5
    assert re.match(
        r"^bench: 8 page measurements at 1 size\(s\) in \d+ s; targets \d PASS, \d MISS, 4 n/a; "
        r"0 errors$",
        lines[-1],
    )
    assert any("size 20: exercises:" in line for line in lines)  # progress


def test_bad_options_are_refused():
    for argv in (["--sizes", "many"], ["--pages", "nope"], ["--duration", "0"]):
        with pytest.raises(SystemExit) as raised:
            bench.parse_args(argv)
        assert raised.value.code == 2
