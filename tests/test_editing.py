"""Editors never lose work in the admin: history, reasons, stale forms, roles, sources."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from topics.history import save_version
from topics.models import Exercise, Participation, Policy, RevisionNote, Theme

from .admin_forms import form_data, one
from .factories import CitationFactory, StaffFactory

pytestmark = pytest.mark.django_db


def admin_url(model, view, *args):
    return reverse(f"admin:topics_{model._meta.model_name}_{view}", args=args)


def member_of(group, name):
    client = Client()
    client.force_login(StaffFactory(username=name, groups=[group]))
    return client


@pytest.fixture
def editor(world):
    return member_of("Editor", "edith")


@pytest.fixture
def publisher(world):
    return member_of("Publisher", "paul")


@pytest.fixture
def publisher2(world):
    return member_of("Publisher", "petra")


def open_form(client, record):
    response = client.get(admin_url(type(record), "change", record.pk))
    assert response.status_code == 200
    return form_data(response)


def save(client, record, data):
    return client.post(admin_url(type(record), "change", record.pk), data)


def errors(response):
    return " ".join(str(e) for e in response.context["adminform"].form.non_field_errors())


def all_errors(response):
    form = response.context["adminform"].form
    inlines = [
        [*inline.formset.errors, *inline.formset.non_form_errors()]
        for inline in response.context["inline_admin_formsets"]
    ]
    return form.errors, inlines


# History and reasons ------------------------------------------------------------------


def test_every_admin_save_is_a_version_with_editor_and_reason(publisher, world):
    exercise = world["pm2007"]
    data = open_form(publisher, exercise)
    one(data, "personnel", "6200")
    one(data, "change_reason", "Figure from the Russian MoD release")
    assert save(publisher, exercise, data).status_code == 302
    version = Version.objects.get_for_object(exercise).order_by("-pk").first()
    assert version.field_dict["personnel"] == 6200
    assert version.revision.user.username == "paul"
    assert version.revision.note.reason == "Figure from the Russian MoD release"
    assert version.revision.note.kind == RevisionNote.Kind.EDIT
    # Its rows are in the same revision: the participants and the citation.
    kept = {v.content_type.model for v in version.revision.version_set.all()}
    assert {"exercise", "participation", "citation"} <= kept
    history = publisher.get(admin_url(Exercise, "history", exercise.pk)).content.decode()
    assert "Changed Personnel" in history and "paul" in history


def test_compare_two_versions_field_by_field(publisher, world):
    exercise = world["pm2007"]
    save_version(exercise, reason="before")
    data = open_form(publisher, exercise)
    one(data, "location", "Chelyabinsk region")
    save(publisher, exercise, data)
    first, second = Version.objects.get_for_object(exercise).order_by("pk")
    page = publisher.get(
        admin_url(Exercise, "compare", exercise.pk),
        {"version_id1": first.pk, "version_id2": second.pk},
    ).content.decode()
    assert "Chebarkul, Russia" in page and "Chelyabinsk region" in page


def test_publisher_reverts_to_an_earlier_version_with_its_rows(publisher, world):
    exercise = world["pm2007"]
    save_version(exercise)
    old = Version.objects.get_for_object(exercise).get()
    Participation.objects.filter(exercise=exercise).delete()
    Exercise.objects.filter(pk=exercise.pk).update(personnel=1)
    url = admin_url(Exercise, "revision", exercise.pk, old.pk)
    data = form_data(publisher.get(url))
    assert publisher.post(url, data).status_code == 302
    exercise.refresh_from_db()
    assert exercise.personnel == 6500
    assert sorted(p.country.iso_code for p in exercise.participations.all()) == ["CN", "KZ", "RU"]
    latest = Version.objects.get_for_object(exercise).order_by("-pk").first()
    assert latest.revision.note.kind == RevisionNote.Kind.REVERT


def test_deleted_exercise_is_recovered_with_participants_and_citations(publisher, world):
    exercise = world["pm2007"]
    pk = exercise.pk
    assert list(world["article"].exercises.all()) == [exercise]
    response = publisher.post(admin_url(Exercise, "delete", pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Exercise.objects.filter(pk=pk).exists()
    assert not Participation.objects.filter(exercise_id=pk).exists()
    listing = publisher.get(admin_url(Exercise, "recoverlist")).content.decode()
    assert "Peace Mission 2007" in listing
    deleted = Version.objects.get_deleted(Exercise).get(object_id=str(pk))
    assert deleted.revision.note.kind == RevisionNote.Kind.DELETE
    url = admin_url(Exercise, "recover", deleted.pk)
    assert publisher.post(url, form_data(publisher.get(url))).status_code == 302
    exercise = Exercise.objects.get(pk=pk)
    assert sorted(p.country.iso_code for p in exercise.participations.all()) == ["CN", "KZ", "RU"]
    assert [c.source.title for c in exercise.citations.all()] == ["Xinhua report"]
    # The topic's link to it, held on the topic's side, is back too.
    assert list(world["article"].exercises.all()) == [exercise]
    assert Client().get("/exercises/peace-mission-2007/").status_code == 200


def test_bulk_delete_keeps_a_snapshot_of_each_record(publisher, world):
    ids = [world["pm2007"].pk, world["pm2018"].pk]
    publisher.post(
        admin_url(Exercise, "changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert not Exercise.objects.filter(pk__in=ids).exists()
    deleted = Version.objects.get_deleted(Exercise)
    assert sorted(int(v.object_id) for v in deleted) == sorted(ids)
    # One record per revision, so each can be recovered on its own.
    assert len({v.revision_id for v in deleted}) == 2


# No silent overwrite --------------------------------------------------------------------


def test_stale_save_is_refused_and_both_edits_survive(publisher, publisher2, world):
    exercise = world["pm2007"]
    form_a = open_form(publisher, exercise)
    form_b = open_form(publisher2, exercise)
    one(form_a, "personnel", "2000")
    assert save(publisher, exercise, form_a).status_code == 302

    one(form_b, "location", "Chelyabinsk")
    refused = save(publisher2, exercise, form_b)
    assert refused.status_code == 200
    message = errors(refused)
    assert "Not saved: someone else saved this record" in message
    assert "paul" in message and "Personnel: now 2000 (taken into the form)" in message
    exercise.refresh_from_db()
    assert (exercise.personnel, exercise.location) == (2000, "Chebarkul, Russia")

    # The re-shown form keeps B's location and has A's figure; saving it keeps both.
    again = form_data(refused)
    assert again["location"] == ["Chelyabinsk"] and again["personnel"] == ["2000"]
    assert save(publisher2, exercise, again).status_code == 302
    exercise.refresh_from_db()
    assert (exercise.personnel, exercise.location) == (2000, "Chelyabinsk")


def test_a_real_conflict_keeps_the_second_editors_value_and_says_so(publisher, publisher2, world):
    exercise = world["pm2007"]
    form_a, form_b = open_form(publisher, exercise), open_form(publisher2, exercise)
    one(form_a, "personnel", "2000")
    save(publisher, exercise, form_a)
    one(form_b, "personnel", "1500")
    refused = save(publisher2, exercise, form_b)
    assert "Personnel: now 2000; your form has 1500" in errors(refused)
    assert Exercise.objects.get(pk=exercise.pk).personnel == 2000


def test_stale_save_after_an_inline_only_change_is_refused(publisher, publisher2, world):
    exercise = world["pm2018"]
    form_a, form_b = open_form(publisher, exercise), open_form(publisher2, exercise)
    assert form_a["participations-0-role"] == ["host"]
    one(form_a, "participations-0-role", "observer")
    assert save(publisher, exercise, form_a).status_code == 302
    one(form_b, "name", "Peace Mission 2018 (renamed)")
    assert save(publisher2, exercise, form_b).status_code == 200
    assert Exercise.objects.get(pk=exercise.pk).name == "Peace Mission 2018"
    assert exercise.participations.get(country__iso_code="RU").role == "observer"


def test_form_without_edit_token_is_refused(publisher, world):
    exercise = world["pm2007"]
    data = open_form(publisher, exercise)
    data.pop("edit_token")
    one(data, "personnel", "1")
    assert save(publisher, exercise, data).status_code == 200
    assert Exercise.objects.get(pk=exercise.pk).personnel == 6500


# Roles ------------------------------------------------------------------------------------


def test_groups_give_editors_and_publishers_their_rights(world):
    editor = StaffFactory(groups=["Editor"])
    publisher = StaffFactory(groups=["Publisher"])
    editor, publisher = User.objects.get(pk=editor.pk), User.objects.get(pk=publisher.pk)
    assert editor.has_perm("topics.change_exercise") and editor.has_perm("topics.add_topic")
    assert editor.has_perm("topics.delete_citation")
    for perm in ("publish_exercise", "delete_exercise", "delete_country", "publish_topic"):
        assert not editor.has_perm(f"topics.{perm}")
        assert publisher.has_perm(f"topics.{perm}")
    assert not publisher.has_perm("auth.change_user") and not editor.has_perm("auth.add_user")


def test_editor_cannot_publish_even_with_a_crafted_post(editor, world):
    draft = world["draft_exercise"]
    CitationFactory(record=draft, source=world["s1"])  # so only the role is missing
    changelist = admin_url(Exercise, "changelist")
    editor.post(changelist, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == "draft"
    data = open_form(editor, draft)
    assert "status" not in data  # read-only for Editors
    data.update(status=["published"], published_at_0=["2020-01-01"], published_at_1=["00:00"])
    one(data, "name", "Secret Drill 2019 (edited)")
    assert save(editor, draft, data).status_code == 302
    draft.refresh_from_db()
    assert draft.name == "Secret Drill 2019 (edited)" and draft.status == "draft"
    assert draft.published_at is None


def test_editor_cannot_delete_revert_or_recover(editor, world):
    exercise = world["pm2007"]
    save_version(exercise)
    version = Version.objects.get_for_object(exercise).get()
    assert editor.get(admin_url(Exercise, "delete", exercise.pk)).status_code == 403
    assert (
        editor.post(admin_url(Exercise, "delete", exercise.pk), {"post": "yes"}).status_code == 403
    )
    editor.post(
        admin_url(Exercise, "changelist"),
        {"action": "delete_selected", "_selected_action": [exercise.pk], "post": "yes"},
    )
    assert Exercise.objects.filter(pk=exercise.pk).exists()
    assert editor.get(admin_url(Exercise, "revision", exercise.pk, version.pk)).status_code == 403
    assert editor.get(admin_url(Exercise, "recoverlist")).status_code == 403
    assert editor.get(admin_url(Exercise, "recover", version.pk)).status_code == 403
    # History and compare stay open to Editors.
    assert editor.get(admin_url(Exercise, "history", exercise.pk)).status_code == 200


def test_editor_creates_a_draft(editor, world):
    response = editor.get(admin_url(Theme, "add"))
    data = form_data(response)
    data.update(name=["Arms control"], slug=["arms-control"], status=["published"])
    assert editor.post(admin_url(Theme, "add"), data).status_code == 302
    assert Theme.objects.get(slug="arms-control").status == "draft"


# A source before publication ------------------------------------------------------------


def test_bulk_publish_refuses_records_without_a_source(publisher, world):
    draft = world["draft_exercise"]
    response = publisher.post(
        admin_url(Exercise, "changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "Not published, because they cite no source yet: Secret Drill 2019" in (
        response.content.decode()
    )
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_bulk_publish_and_unpublish_are_recorded(publisher, world):
    draft = world["draft_exercise"]
    CitationFactory(record=draft, source=world["s1"])
    url = admin_url(Exercise, "changelist")
    publisher.post(url, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published_at is not None
    assert Client().get("/exercises/secret-drill-2019/").status_code == 200
    publisher.post(url, {"action": "unpublish", "_selected_action": [draft.pk]})
    assert Client().get("/exercises/secret-drill-2019/").status_code == 404
    versions = Version.objects.get_for_object(draft).order_by("pk")
    assert [(v.field_dict["status"], v.revision.note.kind) for v in versions] == [
        ("published", "bulk"),
        ("draft", "bulk"),
    ]
    assert versions[0].revision.user.username == "paul"


def test_published_policy_cannot_lose_its_last_source(publisher, world):
    policy = world["convention"]
    data = open_form(publisher, policy)
    prefix = "topics-citation-content_type-object_id"
    one(data, f"{prefix}-0-DELETE", "on")
    one(data, f"{prefix}-1-DELETE", "on")
    response = save(publisher, policy, data)
    assert response.status_code == 200
    assert "must cite at least one source" in response.content.decode()
    assert Policy.objects.get(pk=policy.pk).citations.count() == 2


def test_country_with_an_unsourced_status_is_kept_as_a_draft(publisher, world):
    country = world["india"]
    country.status = "draft"
    country.save()
    data = open_form(publisher, country)
    one(data, "status", "published")
    response = save(publisher, country, data)
    assert response.status_code == 302
    country.refresh_from_db()
    assert country.status == "draft"


# Bad input from staff gets a message, not a 500 -------------------------------------------


def test_non_numeric_selected_action_gets_a_message(publisher, world):
    response = publisher.post(
        admin_url(Exercise, "changelist"),
        {"action": "publish", "_selected_action": ["1abc"]},
        follow=True,
    )
    assert response.status_code == 200
    assert "That selection is not valid" in response.content.decode()


def test_non_numeric_autocomplete_value_gets_a_form_error(publisher, world):
    exercise = world["pm2007"]
    data = open_form(publisher, exercise)
    one(data, "series", "not-a-number")
    response = save(publisher, exercise, data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_in_force_month_after_a_signing_day_in_that_month_saves(publisher, world):
    policy = world["convention"]
    data = open_form(publisher, policy)
    data.update(
        signed_date=["2020-06-15"],
        signed_precision=["day"],
        in_force_date=["2020-06-01"],
        in_force_precision=["month"],
    )
    response = save(publisher, policy, data)
    assert response.status_code == 302, all_errors(response)
    policy.refresh_from_db()
    assert policy.in_force_display == "June 2020"


@pytest.mark.parametrize("group", ["Editor", "Publisher"])
def test_editors_and_publishers_edit_a_records_themes(world, group):
    """The theme rows are edited inline on every record's page, by both roles."""
    client = member_of(group, f"themer-{group.lower()}")
    exercise = world["pm2018"]
    data = open_form(client, exercise)
    prefix = "topics-themelink-content_type-object_id"
    assert f"{prefix}-TOTAL_FORMS" in data  # the inline is on the page
    total = int(data[f"{prefix}-TOTAL_FORMS"][0])
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(total + 1),
            f"{prefix}-{total}-theme": str(world["border"].pk),
        }
    )
    response = save(client, exercise, data)
    assert response.status_code == 302, all_errors(response)
    themes = [link.theme.slug for link in exercise.theme_links.all()]
    assert "border-security" in themes
