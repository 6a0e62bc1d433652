import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


def test_reader_pages_are_served_from_the_cache(client, world, django_assert_num_queries):
    first = client.get("/exercises/?framework=rats")
    with django_assert_num_queries(0):
        second = client.get("/exercises/?framework=rats")
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert "Content-Security-Policy" in second  # headers are still added on the way out


def test_an_edit_is_visible_at_once(client, world):
    assert "Peace Mission 2007" in client.get("/exercises/").content.decode()
    exercise = world["pm2007"]
    exercise.name = "Peace Mission 2007 (renamed)"
    exercise.save()
    assert "Peace Mission 2007 (renamed)" in client.get("/exercises/").content.decode()


def test_a_relation_change_is_visible_at_once(client, world):
    link = '<a href="/topics/peace-mission-exercises/">'
    assert link in client.get("/exercises/peace-mission-2007/").content.decode()
    world["article"].exercises.remove(world["pm2007"])
    assert link not in client.get("/exercises/peace-mission-2007/").content.decode()


def test_bulk_publish_in_the_admin_is_visible_at_once(client, world):
    assert client.get("/exercises/secret-drill-2019/").status_code == 404
    assert "Secret Drill" not in client.get("/exercises/").content.decode()
    admin = User.objects.create_superuser("boss", "boss@example.org", "pw")
    client.force_login(admin)
    client.post(
        "/admin/topics/exercise/",
        {"action": "publish", "_selected_action": [world["draft_exercise"].pk]},
    )
    client.logout()
    assert "Secret Drill" in client.get("/exercises/").content.decode()


def test_staff_are_never_served_from_the_cache(client, world):
    client.get("/exercises/secret-drill-2019/")  # 404 for readers, not cached
    client.get("/exercises/peace-mission-2007/")
    staff = User.objects.create_user("ed", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get("/exercises/secret-drill-2019/").status_code == 200


def test_only_successful_pages_are_cached(client, world):
    assert client.get("/exercises/no-such-drill/").status_code == 404
    from . import factories as f

    f.exercise("No such drill", world["pm2007"].start_date, slug="no-such-drill")
    assert client.get("/exercises/no-such-drill/").status_code == 200
