#!/usr/bin/env bash
# Bounded load test on loopback: `make serve` (gunicorn, DEBUG off), then wrk with
# 32 concurrent connections for 60 s per scenario. Needs wrk (apt-get install wrk).
#   docs/loadtest/run.sh                       # SQLite, local-memory cache
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/sco_reference \
#   REDIS_URL=redis://127.0.0.1:6379/0 docs/loadtest/run.sh   # as in production
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${PORT:-8765}
DURATION=${DURATION:-60s}
CONNECTIONS=${CONNECTIONS:-32}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }

# Its own process group, so that make and every gunicorn process stop together.
GUNICORN_BIND="127.0.0.1:$PORT" setsid make serve > /tmp/loadtest-serve.log 2>&1 &
server=$!
trap 'kill -TERM -- -$server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 1
done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null

echo "== $(date -u +%FT%TZ) $(nproc) cores; workers: ${GUNICORN_WORKERS:-default}; DB: ${DATABASE_URL:-sqlite}; cache: ${REDIS_URL:-local memory}"
echo "== Scenario 1: mixed reader pages (26 URLs in rotation), cache starting cold"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 5s -s docs/loadtest/mixed.lua "http://127.0.0.1:$PORT" | tail -n 6
echo "== Scenario 2: the same pages, every request a cache miss (unique query string)"
NOCACHE=1 wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 5s -s docs/loadtest/mixed.lua "http://127.0.0.1:$PORT" | tail -n 6
