"""A cache that is down or hung slows a page by one short timeout at most, and only once."""

import logging
import socket
import threading
import time

import pytest
from django.test import override_settings

from sco_site.settings.base import redis_cache
from topics import page_cache

pytestmark = pytest.mark.django_db

LOCAL_MEMORY = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


class HungServer:
    """A TCP server on 127.0.0.1 that accepts connections and never answers.

    It reads and drops whatever it is sent, counts the connections, and stops by
    itself after `lifetime` seconds should a test forget to stop it.
    """

    def __init__(self, lifetime=60):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self.deadline = time.monotonic() + lifetime
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopped.is_set() and time.monotonic() < self.deadline:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            conn.setblocking(False)
            self.connections.append(conn)
            for other in self.connections:  # drain, never reply
                try:
                    other.recv(65536)
                except OSError:
                    pass
        for conn in self.connections:
            conn.close()
        self.sock.close()

    def stop(self):
        self.stopped.set()
        self.thread.join(timeout=5)


@pytest.fixture
def hung_cache():
    # Imported once per process in production too (~150 ms): not part of a page's time.
    import django_redis.cache  # noqa: F401
    import django_redis.client  # noqa: F401

    server = HungServer()
    with override_settings(CACHES={"default": redis_cache(f"redis://127.0.0.1:{server.port}/0")}):
        yield server
    server.stop()


def timed_get(client, url):
    start = time.perf_counter()
    response = client.get(url)
    return response, time.perf_counter() - start


def test_a_hung_cache_costs_one_page_one_short_timeout(client, world, hung_cache, caplog):
    with override_settings(CACHES={"default": LOCAL_MEMORY}):
        client.get("/about/")  # warm up templates and this process's publication memo
    assert hung_cache.connections == []

    first, first_time = timed_get(client, "/about/")
    assert first.status_code == 200 and "About" in first.content.decode()
    assert len(hung_cache.connections) == 1  # tried once, timed out after ~50 ms
    # The floor: the same page rendered again, the cache now bypassed. Compared with
    # it rather than with a fixed time, so a busy machine does not fail the test.
    floor = min(timed_get(client, "/about/")[1] for _ in range(3))
    assert first_time - floor < 0.2, f"{first_time * 1000:.0f} ms vs {floor * 1000:.0f} ms"

    for _ in range(10):
        response = client.get("/exercises/peace-mission-2007/")
        assert "Peace Mission 2007" in response.content.decode()
    assert len(hung_cache.connections) == 1  # bypassed: nobody waited on the cache again
    warnings = [r for r in caplog.records if r.name == "topics.page_cache"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "page cache unreachable (TimeoutError" in warnings[0].getMessage()


def test_the_cache_is_tried_again_once_the_bypass_time_is_over(client, world, hung_cache):
    client.get("/about/")
    assert len(hung_cache.connections) == 1
    client.get("/about/")
    assert len(hung_cache.connections) == 1
    page_cache.bypass.until = time.monotonic()  # BYPASS_SECONDS later
    client.get("/about/")
    assert len(hung_cache.connections) == 2


def test_health_check_reports_a_hung_cache_as_degraded_without_failing(client, hung_cache):
    start = time.perf_counter()
    response = client.get("/healthz")
    assert time.perf_counter() - start < 0.15
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "degraded"}


def test_health_check_reports_a_working_cache_as_ok(client):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "cache": "ok"}


@override_settings(CACHES={"default": redis_cache("redis://127.0.0.1:1/0")})  # nothing there
def test_pages_are_served_when_redis_is_down(client, world, caplog):
    for url in ("/", "/exercises/", "/exercises/peace-mission-2007/"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Peace Mission 2007" in response.content.decode()
    assert client.get("/healthz").json()["cache"] == "degraded"
    warnings = [r.getMessage() for r in caplog.records if r.name == "topics.page_cache"]
    assert len(warnings) == 1 and "ConnectionError" in warnings[0]
