"""The reader page cache: never a stale page, never a staff page for readers."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory, override_settings
from django.utils import timezone

from topics import content_version, page_cache
from topics.models import ContentVersion, Exercise

from .factories import (
    CitationFactory,
    ExerciseFactory,
    StaffFactory,
    SuperuserFactory,
)

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


def test_an_edit_is_visible_at_once(client, world):
    assert "Peace Mission 2007" in text(client, "/exercises/")
    exercise = world["pm2007"]
    exercise.name = "Peace Mission 2007 (renamed)"
    exercise.save()
    assert "Peace Mission 2007 (renamed)" in text(client, "/exercises/")


def test_a_relation_change_is_visible_at_once(client, world):
    link = '<a href="/topics/peace-mission-exercises/">'
    assert link in text(client, "/exercises/peace-mission-2007/")
    world["article"].exercises.remove(world["pm2007"])
    assert link not in text(client, "/exercises/peace-mission-2007/")


def test_a_deletion_is_visible_at_once(client, world):
    assert "Joint Sea 2012" in text(client, "/exercises/")
    world["joint_sea"].delete()
    assert "Joint Sea 2012" not in text(client, "/exercises/")


def test_bulk_publish_in_the_admin_is_visible_at_once(client, world):
    assert client.get("/exercises/secret-drill-2019/").status_code == 404
    assert "Secret Drill" not in text(client, "/exercises/")
    # A source, or it may not be published.
    CitationFactory(record=world["draft_exercise"], source=world["s1"])
    client.force_login(SuperuserFactory())
    client.post(
        "/admin/topics/exercise/",
        {"action": "publish", "_selected_action": [world["draft_exercise"].pk]},
    )
    client.logout()
    assert "Secret Drill" in text(client, "/exercises/")


def test_a_bulk_update_is_visible_once_the_version_is_bumped(client, world):
    assert "Tianshan-I" in text(client, "/exercises/")
    Exercise.objects.filter(pk=world["tianshan"].pk).update(status="draft")  # sends no signal
    content_version.bump_content_version()
    assert "Tianshan-I" not in text(client, "/exercises/")


def test_the_version_moves_in_the_edit_transaction_and_rolls_back_with_it(world):
    from django.db import transaction

    before = content_version.content_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        world["pm2007"].save()
        assert content_version.content_version() == before + 1  # same transaction: already moved
        raise RuntimeError("roll back")
    assert content_version.content_version() == before
    assert ContentVersion.objects.get(pk=1).number == before


def test_records_no_page_shows_leave_the_version_alone(world):
    from topics.models import BundleState

    before = content_version.content_version()
    BundleState.objects.create(kind="exercise", key="x", bundle_hash="a", loaded_hash="b")
    assert content_version.content_version() == before


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


@override_settings(CACHES={"default": {"BACKEND": "tests.test_cache.SwitchableCache"}})
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


# Scheduled publication -----------------------------------------------------------


def test_a_scheduled_record_appears_on_every_page_when_its_time_comes(client, world, monkeypatch):
    now = timezone.now()
    ExerciseFactory(
        name="Scheduled Drill 2026",
        start_date=datetime.date(2026, 3, 1),
        hosts=[world["cn"]],
        published_at=now + datetime.timedelta(minutes=30),
    )
    pages = {
        "/exercises/": "Scheduled Drill 2026",
        "/": "<strong>4</strong> SCO exercises",
        "/sitemap.xml": "/exercises/scheduled-drill-2026/",
        "/feed/": "Scheduled Drill 2026",
        world["cn"].get_absolute_url(): "Scheduled Drill 2026",
    }
    assert "<strong>3</strong> SCO exercises" in text(client, "/")
    for url, shown in pages.items():
        assert shown not in text(client, url), url
    assert client.get("/exercises/scheduled-drill-2026/").status_code == 404

    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(minutes=29))
    assert "Scheduled Drill 2026" not in text(client, "/exercises/")

    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(minutes=30))
    for url, shown in pages.items():
        assert shown in text(client, url), url
    detail = client.get("/exercises/scheduled-drill-2026/")
    assert detail.status_code == 200 and "Draft preview" not in detail.content.decode()


def test_pages_stay_cached_until_a_scheduled_time_comes(
    client, world, monkeypatch, django_assert_num_queries
):
    now = timezone.now()
    ExerciseFactory(
        name="Scheduled Drill 2026",
        start_date=datetime.date(2026, 3, 1),
        published_at=now + datetime.timedelta(hours=2),
    )
    client.get("/exercises/")
    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(hours=1))
    with django_assert_num_queries(1):
        client.get("/exercises/")


# What is stored, and for whom ------------------------------------------------------


def test_a_staff_preview_of_a_draft_is_never_served_to_readers(client, world):
    client.force_login(StaffFactory())
    preview = text(client, "/exercises/secret-drill-2019/")
    assert "Secret Drill 2019" in preview and "Draft preview" in preview
    client.logout()
    assert client.get("/exercises/secret-drill-2019/").status_code == 404


def test_staff_are_never_served_a_readers_cached_page(world):
    def view(request):
        return reader_page(HttpResponse(f"page for {request.user.username or 'readers'}"))

    cached = page_cache.PageCacheMiddleware(view)
    assert cached(reader_request()).content == b"page for readers"  # stored
    staff = reader_request()
    staff.user = StaffFactory(username="ed")
    assert cached(staff).content == b"page for ed"
    assert cached(reader_request()).content == b"page for readers"


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
        with_header("Vary", "Accept-Encoding, Cookie"),
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
        "vary-cookie",
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


def test_a_migrate_run_moves_the_version_by_a_random_step(world):
    from django.core.management import call_command

    before = content_version.content_version()
    call_command("migrate", verbosity=0)
    after = content_version.content_version()
    call_command("migrate", verbosity=0)
    assert before < after < content_version.content_version()
    assert (after - before) != (content_version.content_version() - after)  # 1 in 2**32 to flake


@pytest.mark.django_db(transaction=True)
def test_a_save_moves_the_version_once_in_autocommit_and_in_a_transaction():
    from django.db import transaction

    exercise = ExerciseFactory(name="Lone Drill", start_date=datetime.date(2020, 1, 1))
    before = content_version.content_version()
    exercise.save()  # autocommit: bumped after the write
    assert content_version.content_version() == before + 1
    with transaction.atomic():
        exercise.save()  # bumped before the write, committed with it
    assert content_version.content_version() == before + 2
    exercise.delete()
    assert content_version.content_version() == before + 3


@pytest.mark.django_db(transaction=True)
def test_without_a_transaction_the_version_moves_only_after_the_write(client):
    from django.db.models.signals import pre_save

    exercise = ExerciseFactory(name="Lone Drill", start_date=datetime.date(2020, 1, 1))
    assert "Lone Drill" in text(client, "/exercises/")
    during = []

    def reader_meanwhile(sender, **kwargs):  # runs after the page cache's own receiver
        if sender is Exercise:
            during.append(text(client, "/exercises/"))

    pre_save.connect(reader_meanwhile, weak=False)
    try:
        exercise.name = "Lone Drill (renamed)"
        exercise.save()
    finally:
        pre_save.disconnect(reader_meanwhile)
    assert "Lone Drill (renamed)" not in during[0]  # cached, under the version before
    assert "Lone Drill (renamed)" in text(client, "/exercises/")


@pytest.mark.skipif(
    not __import__("os").environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row locks and deadlock detection: PostgreSQL only",
)
@pytest.mark.django_db(transaction=True)
def test_two_editors_saving_the_same_records_never_deadlock_on_the_version():
    import threading
    import time

    from django.db import connection, transaction

    first = ExerciseFactory(name="First Drill", start_date=datetime.date(2020, 1, 1))
    second = ExerciseFactory(name="Second Drill", start_date=datetime.date(2020, 2, 1))
    batch_started, editor_started = threading.Event(), threading.Event()
    errors = []

    def batch():  # e.g. a bulk edit or a revert: the first record, then the second
        try:
            with transaction.atomic():
                Exercise.objects.get(pk=first.pk).save()
                batch_started.set()
                editor_started.wait(5)
                time.sleep(0.5)  # the editor now holds (or waits for) its lock
                Exercise.objects.get(pk=second.pk).save()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    def editor():  # meanwhile, an editor saves the second record in the admin
        batch_started.wait(5)
        try:
            record = Exercise.objects.get(pk=second.pk)
            with transaction.atomic():
                editor_started.set()
                record.name = "Second Drill (edited)"
                record.save()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=batch), threading.Thread(target=editor)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert Exercise.objects.get(pk=second.pk).name == "Second Drill (edited)"
