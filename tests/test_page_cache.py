"""The reader page cache (topics/page_cache.py): what is stored, under which key and for
whom, what a cached page keeps, and what happens when the cache fails. (That a cached
page is never stale is tested with the content version, test_content_version.py.)"""

import datetime
import logging
import re
from contextlib import nullcontext

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory, override_settings
from django.utils.http import parse_http_date

from topics import content_version, page_cache

from .factories import StaffFactory

pytestmark = pytest.mark.django_db


def text(client, url):
    return client.get(url).content.decode()


# Served from the cache, and never stale ------------------------------------------


def test_a_cached_page_costs_one_query_for_the_content_version(
    client, world, django_assert_num_queries
):
    first = client.get("/exercises/?framework=rats")
    with django_assert_num_queries(1) as queries:
        second = client.get("/exercises/?framework=rats")
    assert "topics_contentversion" in queries.captured_queries[0]["sql"]
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert "Content-Security-Policy" in second  # headers are still added on the way out


# When the cache fails ----------------------------------------------------------------


class SwitchableCache(LocMemCache):
    """Local memory that can be made to fail, as Redis does when it is down."""

    down = False

    def get(self, *args, **kwargs):
        if self.down:
            raise ConnectionError("cache is down")
        return super().get(*args, **kwargs)

    def set(self, *args, **kwargs):
        if self.down:
            raise ConnectionError("cache is down")
        return super().set(*args, **kwargs)


@override_settings(CACHES={"default": {"BACKEND": "tests.test_page_cache.SwitchableCache"}})
def test_an_edit_made_while_the_cache_is_down_is_seen_once_it_is_back(client, world, caplog):
    page_cache.bypass.reset()
    assert "Peace Mission 2018" in text(client, "/exercises/")  # cached
    SwitchableCache.down = True
    try:
        exercise = world["pm2018"]
        exercise.name = "Peace Mission 2018 (edited during the outage)"
        exercise.save()
        assert "(edited during the outage)" in text(client, "/exercises/")
    finally:
        SwitchableCache.down = False
    assert "(edited during the outage)" in text(client, "/exercises/")  # still bypassing
    page_cache.bypass.reset()  # the bypass time is over: the cache is used again
    assert "(edited during the outage)" in text(client, "/exercises/")
    assert "(edited during the outage)" in text(client, "/exercises/")
    assert [r.getMessage() for r in caplog.records if r.name == "topics.page_cache"] == [
        "page cache unreachable (ConnectionError: cache is down); "
        f"serving pages without it for {page_cache.BYPASS_SECONDS} s"
    ]


# What is stored, and for whom ------------------------------------------------------


def test_a_staff_preview_of_a_draft_is_never_served_to_readers(client, world):
    client.force_login(StaffFactory())
    preview = text(client, "/exercises/secret-drill-2019/")
    assert "Secret Drill 2019" in preview and "Draft preview" in preview
    client.logout()
    assert client.get("/exercises/secret-drill-2019/").status_code == 404


@pytest.mark.parametrize("cookie", ["sessionid", "messages"])
def test_anyone_with_a_session_is_never_served_a_readers_cached_page(world, cookie):
    def view(request):
        return reader_page(HttpResponse(f"page for {request.COOKIES.get(cookie, 'readers')}"))

    cached = page_cache.PageCacheMiddleware(view)
    assert cached(reader_request()).content == b"page for readers"  # stored
    staff = reader_request()
    staff.COOKIES[cookie] = "ed"
    assert cached(staff).content == b"page for ed"
    assert cached(reader_request()).content == b"page for readers"


def test_a_page_varying_on_the_cookie_is_stored_for_readers_without_one():
    """Sessions add `Vary: Cookie`; the stored copy keeps it (for proxies) and is served."""
    view, calls = counting_view(with_header("Vary", "Accept-Encoding, Cookie"))
    view(reader_request())
    again = view(reader_request())
    assert calls == ["GET"]
    assert again["Vary"] == "Accept-Encoding, Cookie"


def test_a_cached_page_is_answered_before_sessions_auth_and_csrf_run(client, world, monkeypatch):
    """No session, CSRF or auth work for a hit: the view's request never reaches them."""
    from django.contrib.sessions.middleware import SessionMiddleware

    client.get("/exercises/")  # stored
    calls = []
    original = SessionMiddleware.process_request

    def spy(self, request):
        calls.append(request.path)
        return original(self, request)

    monkeypatch.setattr(SessionMiddleware, "process_request", spy)
    assert client.get("/exercises/").status_code == 200
    assert calls == []
    client.force_login(StaffFactory())  # staff: the full stack
    assert client.get("/exercises/").status_code == 200
    assert calls == ["/exercises/"]


def test_an_error_page_is_not_cached(world, monkeypatch):
    from django.test import Client

    from topics.views import ExerciseDetailView

    original = ExerciseDetailView.get_context_data
    failures = ["database blip"]

    def fails_once(self, **kwargs):
        if failures:
            raise RuntimeError(failures.pop())
        return original(self, **kwargs)

    monkeypatch.setattr(ExerciseDetailView, "get_context_data", fails_once)
    client = Client(raise_request_exception=False)
    assert client.get("/exercises/peace-mission-2007/").status_code == 500
    again = client.get("/exercises/peace-mission-2007/")
    assert again.status_code == 200 and "Peace Mission 2007" in again.content.decode()


def counting_view(make_response):
    calls = []

    def view(request):
        calls.append(request.method)
        return reader_page(make_response())

    return page_cache.PageCacheMiddleware(view), calls


def reader_page(response, query="x=1"):
    """Mark `response` as a reader page answering `query`, as the site's views do."""
    response.page_query = query
    return response


def reader_request(method="GET"):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().generic(method, "/somewhere/?x=1")
    request.user = AnonymousUser()
    return request


def with_header(name, value):
    def make():
        response = HttpResponse("page")
        response[name] = value
        return response

    return make


def with_cookie():
    response = HttpResponse("page")
    response.set_cookie("reader", "1")
    return response


@pytest.mark.parametrize(
    "make_response",
    [
        lambda: HttpResponse("moved", status=302),
        lambda: HttpResponse("not found", status=404),
        lambda: HttpResponse("broken", status=500),
        lambda: HttpResponse("partial", status=206),
        lambda: StreamingHttpResponse(iter([b"a", b"b"])),
        with_cookie,
        with_header("Vary", "*"),
        with_header("Cache-Control", "private, max-age=60"),
        with_header("Cache-Control", "no-store"),
    ],
    ids=[
        "302",
        "404",
        "500",
        "206",
        "streaming",
        "set-cookie",
        "vary-star",
        "private",
        "no-store",
    ],
)
def test_only_complete_shareable_200_responses_are_stored(make_response):
    view, calls = counting_view(make_response)
    view(reader_request())
    view(reader_request())
    assert calls == ["GET", "GET"]


def test_a_complete_200_response_is_stored_and_served_again():
    view, calls = counting_view(lambda: HttpResponse("page", content_type="text/csv"))
    view(reader_request())
    again = view(reader_request())
    head = view(reader_request("HEAD"))
    assert calls == ["GET"]
    assert again.content == b"page" and again["Content-Type"] == "text/csv"
    assert head.content == b"page"


def test_a_page_that_hands_out_a_csrf_token_is_not_stored():
    def make():
        return HttpResponse("form")

    calls = []

    def view(request):
        calls.append(get_token(request))
        return reader_page(make())

    cached = page_cache.PageCacheMiddleware(view)
    cached(reader_request())
    cached(reader_request())
    assert len(calls) == 2


def test_a_response_that_is_not_a_reader_page_is_never_stored():
    calls = []

    def view(request):
        calls.append(request.method)
        return HttpResponse("healthz-like")  # no page_query: not a reader page

    cached = page_cache.PageCacheMiddleware(view)
    cached(reader_request())
    cached(reader_request())
    assert calls == ["GET", "GET"]


def test_a_page_is_stored_only_for_the_query_it_answers():
    """Junk parameters are answered but never create entries; order and blanks do not matter."""
    calls = []

    def view(request):
        calls.append(request.get_full_path())
        return reader_page(HttpResponse("list"), query="a=1&b=2")

    cached = page_cache.PageCacheMiddleware(view)

    def get(path):
        request = RequestFactory().get(path)
        request.user = AnonymousUser()
        return cached(request)

    get("/list/?a=1&b=2")  # stored
    get("/list/?b=2&a=1")  # the same page: served from the cache
    get("/list/?a=1&b=2&c=")  # a blank parameter: the same page
    assert calls == ["/list/?a=1&b=2"]
    for _ in range(3):
        get("/list/?a=1&b=2&junk=1")  # answered every time, never stored
    assert calls == ["/list/?a=1&b=2"] + ["/list/?a=1&b=2&junk=1"] * 3


def test_a_cached_page_keeps_its_headers(client, world):
    first = client.get("/exercises/")
    again = client.get("/exercises/")
    for name in ("Content-Type", "Content-Security-Policy", "X-Frame-Options"):
        assert again[name] == first[name], name
    assert again["X-Request-ID"] != first["X-Request-ID"]  # added per request, not stored


def test_posts_are_neither_served_from_nor_stored_in_the_cache():
    view, calls = counting_view(lambda: HttpResponse("page"))
    view(reader_request())
    view(reader_request("POST"))
    view(reader_request("POST"))
    assert calls == ["GET", "POST", "POST"]


# Through the site: what is stored -------------------------------------------------------


class CacheSpy:
    """The page cache's own cache, with a record of what it read and wrote."""

    def __init__(self, cache):
        self.cache = cache
        self.reads, self.writes = [], []

    def get(self, key, *args):
        self.reads.append(key)
        return self.cache.get(key, *args)

    def set(self, key, value, timeout):
        self.writes.append(key)
        return self.cache.set(key, value, timeout)


@pytest.fixture
def spy(monkeypatch):
    spy = CacheSpy(page_cache.cache)
    monkeypatch.setattr(page_cache, "cache", spy)
    return spy


def key_for(path, **request):
    """The key the middleware stores the page for `path` under, now."""
    version = content_version.content_version()
    marker = content_version.publication_marker(version)
    return page_cache.page_key(RequestFactory().get(path, **request), version, marker)


def test_a_junk_parameter_is_answered_with_a_notice_but_never_stored(client, world, spy):
    for _ in range(2):
        response = client.get("/exercises/?kind=naval&colour=red")
        assert [e.slug for e in response.context["exercises"]] == ["joint-sea-2012"]
        assert "“colour” is not a filter of this list" in response.content.decode()
    detail = client.get("/exercises/peace-mission-2007/?utm_source=feed")
    assert detail.status_code == 200
    assert spy.writes == []
    assert page_cache.cache.get(key_for("/exercises/?kind=naval&colour=red")) is None
    client.get("/exercises/?kind=naval")
    assert spy.writes == [key_for("/exercises/?kind=naval")]


def test_an_ignored_value_is_answered_but_never_stored(client, world, spy):
    for query in ("year_from=abc", "year_from=2012&year_to=2007", "show=everything"):
        path = "/timeline/" if query.startswith("show") else "/exercises/"
        assert client.get(f"{path}?{query}").status_code == 200
    assert spy.writes == []


def test_a_reordered_query_is_served_from_the_same_entry(
    client, world, spy, django_assert_num_queries
):
    first = client.get("/exercises/?kind=naval&framework=outside-sco")
    with django_assert_num_queries(1):  # the content version, then the cached page
        again = client.get("/exercises/?framework=outside-sco&kind=naval")
    assert again.content == first.content
    assert spy.writes == [key_for("/exercises/?framework=outside-sco&kind=naval")]
    assert spy.reads == spy.writes * 2


def test_staff_are_never_served_cached_pages_nor_fill_the_cache(client, world, spy):
    client.get("/exercises/")
    client.get("/exercises/peace-mission-2007/")
    assert len(spy.writes) == 2 and len(spy.reads) == 2
    client.force_login(StaffFactory())
    for url in ("/exercises/", "/exercises/peace-mission-2007/", "/exercises/secret-drill-2019/"):
        assert client.get(url).status_code == 200
    assert "Draft preview" in client.get("/exercises/secret-drill-2019/").content.decode()
    assert len(spy.writes) == 2 and len(spy.reads) == 2  # the cache was not even asked


def test_a_response_without_a_page_query_is_never_stored(client, world, spy):
    for url in ("/healthz", "/admin/login/", "/healthz"):
        assert client.get(url).status_code == 200
    assert spy.writes == []


def test_a_page_is_stored_under_its_own_address(client, world, spy, settings):
    settings.ALLOWED_HOSTS = ["testserver", "mirror.example.org"]
    client.get("/exercises/")
    client.get("/exercises/", HTTP_HOST="mirror.example.org")
    client.get("/exercises/", secure=True)
    assert spy.writes == [
        key_for("/exercises/"),
        key_for("/exercises/", HTTP_HOST="mirror.example.org"),
        key_for("/exercises/", secure=True),
    ]
    assert len(set(spy.writes)) == 3


# Through the site: what a cached page keeps --------------------------------------------------


def test_a_cached_page_keeps_its_headers_and_gets_a_request_id_of_its_own(
    client, world, django_assert_num_queries
):
    first = client.get("/exercises/")
    with django_assert_num_queries(1):
        again = client.get("/exercises/", HTTP_X_REQUEST_ID="reader-report-42")
    for name in (
        "Content-Type",
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
    ):
        assert again[name] == first[name], name
    assert again.content == first.content
    assert re.fullmatch("[0-9a-f]{32}", first["X-Request-ID"])
    assert again["X-Request-ID"] == "reader-report-42"  # this request's id, not the stored one


def test_a_cached_download_keeps_its_type_and_file_name(client, world, django_assert_num_queries):
    first = client.get("/exercises/export.csv?host=RU")
    with django_assert_num_queries(1):
        again = client.get("/exercises/export.csv?host=RU")
    assert again.content == first.content
    assert again["Content-Type"] == "text/csv; charset=utf-8"
    assert again["Content-Disposition"] == 'attachment; filename="sco-exercises.csv"'


# The key and what may be stored ---------------------------------------------------------------


def test_clean_query_sorts_and_drops_blanks():
    assert page_cache.clean_query(QueryDict("b=2&a=1&c=&a=0&d=%20")) == "a=0&a=1&b=2"
    assert page_cache.clean_query(QueryDict("")) == ""
    assert page_cache.clean_query(QueryDict("q=peace+mission")) == "q=peace+mission"


def test_the_key_is_the_cleaned_address_the_version_and_the_marker(settings):
    settings.ALLOWED_HOSTS = ["testserver", "mirror.example.org"]
    get = RequestFactory().get
    marker = datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)
    key = page_cache.page_key(get("/exercises/?b=2&a=1&c="), 7, marker)
    assert key == page_cache.page_key(get("/exercises/?a=1&b=2"), 7, marker)
    assert key.startswith("topics:page:7:2026-03-01T12:00:00+00:00:")
    assert page_cache.page_key(get("/exercises/"), 7, None).startswith("topics:page:7:-:")
    others = {
        page_cache.page_key(get("/exercises/?a=1&b=2"), 8, marker),
        page_cache.page_key(get("/exercises/?a=1&b=2"), 7, marker + datetime.timedelta(1)),
        page_cache.page_key(get("/exercises/?a=1&b=3"), 7, marker),
        page_cache.page_key(get("/policies/?a=1&b=2"), 7, marker),
        page_cache.page_key(get("/exercises/?a=1&b=2", secure=True), 7, marker),
        page_cache.page_key(get("/exercises/?a=1&b=2", HTTP_HOST="mirror.example.org"), 7, marker),
    }
    assert len(others) == 6 and key not in others


def test_storable_wants_the_exact_query_the_page_answers():
    def request(path):
        return RequestFactory().get(path)

    assert page_cache.storable(request("/list/"), reader_page(HttpResponse("x"), query=""))
    assert page_cache.storable(request("/list/?b=2&a=1"), reader_page(HttpResponse(), "a=1&b=2"))
    assert not page_cache.storable(request("/list/?a=1&b=2"), reader_page(HttpResponse(), "a=1"))
    assert not page_cache.storable(request("/list/"), reader_page(HttpResponse(), query=None))
    assert not page_cache.storable(request("/list/"), HttpResponse("no page_query"))


# The bypass -----------------------------------------------------------------------------------


def test_the_bypass_skips_the_cache_for_a_while_and_logs_once(caplog):
    bypass = page_cache.CacheBypass(10)
    assert not bypass.active()
    with caplog.at_level(logging.WARNING, logger="topics.page_cache"):
        bypass.trip(ConnectionError("refused"))
        bypass.trip(ConnectionError("refused again"))
    assert bypass.active()
    assert [r.getMessage() for r in caplog.records] == [
        "page cache unreachable (ConnectionError: refused); serving pages without it for 10 s"
    ]
    bypass.reset()
    assert not bypass.active()


def test_while_bypassed_the_cache_is_not_called_and_reported_degraded():
    calls = []
    assert page_cache.cache_status() == "ok"
    page_cache.bypass.trip(TimeoutError("hung"))
    assert page_cache._cache_call(lambda *args: calls.append(args)) is None
    assert calls == []
    assert page_cache.cache_status() == "degraded"


def test_a_failing_cache_call_trips_the_bypass():
    def fails(*args):
        raise ConnectionError("down")

    assert page_cache._cache_call(fails, "key") is None
    assert page_cache.bypass.active()


# Conditional requests: ETag, Last-Modified, 304 ------------------------------------------


def test_a_readers_page_carries_validators_and_asks_to_be_revalidated(client, world):
    from django.utils.http import http_date

    first = client.get("/exercises/")
    _, changed_at = content_version.content_state()
    assert re.fullmatch(r'"[0-9a-f]{32}"', first["ETag"])
    assert first["Last-Modified"] == http_date(changed_at.timestamp())
    assert first["Cache-Control"] == "no-cache"
    again = client.get("/exercises/")  # from the cache: the same validators
    assert (again["ETag"], again["Last-Modified"]) == (first["ETag"], first["Last-Modified"])


@pytest.mark.parametrize("stored_first", [True, False], ids=["cache-hit", "rendered"])
def test_an_unchanged_page_is_answered_304_without_a_body(
    client, world, django_assert_num_queries, stored_first
):
    etag = client.get("/exercises/")["ETag"]
    if not stored_first:
        page_cache.cache.clear()
    with django_assert_num_queries(1) if stored_first else nullcontext():
        response = client.get("/exercises/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_if_modified_since_answers_304_until_the_content_changes(client, world):
    from topics.models import Exercise

    first = client.get("/exercises/peace-mission-2007/")
    since = first["Last-Modified"]
    assert (
        client.get("/exercises/peace-mission-2007/", HTTP_IF_MODIFIED_SINCE=since).status_code
        == 304
    )
    exercise = Exercise.objects.get(slug="peace-mission-2007")
    exercise.description = "Rewritten after a correction."
    exercise.save()
    changed = client.get(
        "/exercises/peace-mission-2007/",
        HTTP_IF_MODIFIED_SINCE=since,
        HTTP_IF_NONE_MATCH=first["ETag"],
    )
    assert changed.status_code == 200
    assert "Rewritten after a correction." in changed.content.decode()
    assert changed["ETag"] != first["ETag"]
    assert parse_http_date(changed["Last-Modified"]) >= parse_http_date(since)


def test_a_page_that_is_not_stored_gets_no_validators_and_no_304(client, world):
    response = client.get("/exercises/?junk=1", HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 200
    assert "ETag" not in response and "Last-Modified" not in response


def test_staff_pages_carry_no_shared_validators(client, world):
    client.force_login(StaffFactory())
    response = client.get("/exercises/")
    assert response.status_code == 200
    assert "ETag" not in response
