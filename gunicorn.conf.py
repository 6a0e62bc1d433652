"""gunicorn settings; every value can be overridden with GUNICORN_* environment variables."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers suit this CPU-light, database-bound site: about two per core, plus one.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Load Django once in the master: workers fork ready to serve, and a recycled
# worker is back in milliseconds instead of re-importing everything.
preload_app = True
# Recycle workers now and then so a slow leak can never grow unbounded.
max_requests = 2000
max_requests_jitter = 200
# Refuse absurd request lines and headers before they reach Django.
limit_request_line = 8190
limit_request_fields = 100
# One line per request on stdout, with the request id the app adds to every response.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s "%(a)s"'
# Trust X-Forwarded-* only from the local proxy (nginx) unless told otherwise.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
