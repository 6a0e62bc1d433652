import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from topics.models import Citation, Exercise, Participation, Theme

from .admin_forms import form_data
from .factories import StaffFactory, SuperuserFactory

pytestmark = pytest.mark.django_db

REGISTERED = [model for model in admin.site._registry if model._meta.app_label == "topics"]


@pytest.fixture
def superuser_client(client, world):
    client.force_login(SuperuserFactory())
    return client


def admin_url(model, view, *args):
    return reverse(f"admin:topics_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_changelist_add_and_change_pages_load(superuser_client, model):
    changelist = superuser_client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    assert superuser_client.get(admin_url(model, "changelist"), {"q": "peace"}).status_code == 200
    assert superuser_client.get(admin_url(model, "add")).status_code == 200
    obj = model.objects.first()
    assert obj is not None, f"world fixture has no {model.__name__}"
    change = superuser_client.get(admin_url(model, "change", obj.pk))
    assert change.status_code == 200


def test_every_content_model_is_registered():
    names = {m.__name__ for m in REGISTERED}
    assert {
        "Topic",
        "Exercise",
        "Policy",
        "Country",
        "Theme",
        "ExerciseSeries",
        "Source",
        "Membership",
        "Domain",
    } <= names


def test_changelist_filters_show_facet_counts(superuser_client):
    page = superuser_client.get(admin_url(Exercise, "changelist")).content.decode()
    assert "Outside the SCO (1)" in page


def test_edit_in_admin_appears_on_the_site(superuser_client, world):
    exercise = world["pm2007"]
    url = admin_url(Exercise, "change", exercise.pk)
    form = superuser_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        name="Peace Mission 2007 (corrected)",
        slug=exercise.slug,
        start_date="2007-08-09",
        end_date="2007-08-17",
        personnel="6000",
        domains=[d.pk for d in exercise.domains.all()],
        series=exercise.series_id,
        latitude="",
        longitude="",
        published_at_0="2020-01-01",
        published_at_1="00:00:00",
    )
    ct_prefix = "topics-citation-content_type-object_id"
    participations = list(exercise.participations.all())
    data.update(
        {
            "participations-TOTAL_FORMS": str(len(participations) + 1),
            "participations-INITIAL_FORMS": str(len(participations)),
            "participations-MIN_NUM_FORMS": "0",
            "participations-MAX_NUM_FORMS": "1000",
            "topics-themelink-content_type-object_id-TOTAL_FORMS": "0",
            "topics-themelink-content_type-object_id-INITIAL_FORMS": "0",
            "topics-themelink-content_type-object_id-MIN_NUM_FORMS": "0",
            "topics-themelink-content_type-object_id-MAX_NUM_FORMS": "1000",
            f"{ct_prefix}-TOTAL_FORMS": "1",
            f"{ct_prefix}-INITIAL_FORMS": "0",
            f"{ct_prefix}-MIN_NUM_FORMS": "0",
            f"{ct_prefix}-MAX_NUM_FORMS": "1000",
            f"{ct_prefix}-0-source": str(world["s2"].pk),
            f"{ct_prefix}-0-position": "2",
            f"{ct_prefix}-0-note": "gives 6,000 troops",
        }
    )
    for i, p in enumerate(participations):
        data.update(
            {
                f"participations-{i}-id": p.pk,
                f"participations-{i}-exercise": exercise.pk,
                f"participations-{i}-country": p.country_id,
                f"participations-{i}-role": p.role,
            }
        )
    data.update(
        {
            f"participations-{len(participations)}-country": world["india"].pk,
            f"participations-{len(participations)}-role": "observer",
        }
    )
    response = superuser_client.post(url, data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else ""
    )
    page = superuser_client.get("/exercises/peace-mission-2007/").content.decode()
    assert "Peace Mission 2007 (corrected)" in page
    assert "about 6,000" in page
    assert "gives 6,000 troops" in page
    assert Participation.objects.get(exercise=exercise, country=world["india"]).role == "observer"


def test_deleting_a_theme_in_use_is_refused_with_a_clear_message(superuser_client, world):
    theme = world["ct"]
    response = superuser_client.get(admin_url(Theme, "delete", theme.pk))
    page = response.content.decode()
    assert "would require deleting the following protected related objects" in page
    superuser_client.post(admin_url(Theme, "delete", theme.pk), {"post": "yes"})
    assert Theme.objects.filter(pk=theme.pk).exists()


def test_view_on_site_link(superuser_client, world):
    page = superuser_client.get(admin_url(Exercise, "change", world["pm2007"].pk)).content.decode()
    assert "View on site" in page


def test_editor_group_is_least_privilege(client, world):
    user = StaffFactory(groups=["Editor"])
    user = User.objects.get(pk=user.pk)  # with no permission cache
    assert user.has_perm("topics.change_exercise") and user.has_perm("topics.add_topic")
    assert user.has_perm("topics.delete_citation")
    assert not user.has_perm("topics.delete_exercise")
    assert not user.has_perm("topics.delete_country")
    assert not user.has_perm("auth.change_user")
    client.force_login(user)
    assert client.get(admin_url(Exercise, "changelist")).status_code == 200
    forbidden = client.get(reverse("admin:auth_user_changelist"))
    assert forbidden.status_code == 403
    assert "Access denied" in forbidden.content.decode()  # the site's styled 403 page
    assert client.get(admin_url(Exercise, "delete", world["pm2007"].pk)).status_code == 403


def test_topic_citation_in_body_is_attached_on_save(superuser_client, world):
    topic = world["article"]
    Citation.objects.filter(object_id=topic.pk, content_type__model="topic").delete()
    url = admin_url(type(topic), "change", topic.pk)
    response = superuser_client.post(url, form_data(superuser_client.get(url)))
    assert response.status_code == 302
    keys = sorted(c.source.key for c in topic.citations.all())
    assert keys == sorted([world["s1"].key, world["s2"].key])
