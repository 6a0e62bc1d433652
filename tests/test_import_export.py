"""Admin import and export of exercises, policies and sources, through the test client."""

import csv
import datetime
import html
import io
import os
import re
import tempfile

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from topics.models import (
    Citation,
    Exercise,
    Participation,
    Policy,
    RevisionNote,
    Source,
    Theme,
)

from .factories import (
    CitationFactory,
    StaffFactory,
    SuperuserFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

CSV, XLSX = "0", "1"  # the format choices, in the order of the mixin's `formats`
HEADER = (
    "slug,name,series,start,end,held,location,latitude,longitude,kind,framework,domains,"
    "hosts,participants,observers,personnel,personnel_approximate,description,disputed,"
    "themes,sources,status"
)


@pytest.fixture
def admin_user(world):
    return SuperuserFactory(username="admin")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def staff_in(group_name, username):
    return StaffFactory(username=username, groups=[group_name])


def url(model, view, *args):
    return reverse(f"admin:topics_{model._meta.model_name}_{view}", args=args)


def text(response):
    return html.unescape(response.content.decode())


def export(client, model, query="", fmt=CSV):
    target = url(model, "export") + (f"?{query}" if query else "")
    assert client.get(target).status_code == 200  # the export form, as the admin shows it
    return client.post(target, {"format": fmt, "resource": "0"})


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def make_xlsx(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def exercise_csv(*lines):
    return "\n".join([HEADER, *lines]) + "\n"


def preview(client, model, content, name="exercises.csv", fmt=CSV):
    if isinstance(content, str):
        content = content.encode()
    upload = SimpleUploadedFile(name, content)
    return client.post(
        url(model, "import"), {"import_file": upload, "format": fmt, "resource": "0"}
    )


def confirm(client, model, preview_response):
    form = preview_response.context.get("confirm_form")
    assert form is not None, preview_response.context.get("row_messages")
    return client.post(url(model, "process_import"), form.initial)


def import_file(client, model, content, **kwargs):
    response = preview(client, model, content, **kwargs)
    return confirm(client, model, response)


def upload_was_discarded(response):
    upload = response.context["form"].cleaned_data["import_file"]
    return not os.path.exists(os.path.join(tempfile.gettempdir(), upload.tmp_storage_name))


def counts():
    return {
        "exercises": Exercise.objects.count(),
        "policies": Policy.objects.count(),
        "sources": Source.objects.count(),
        "participations": Participation.objects.count(),
        "citations": Citation.objects.count(),
        "versions": Version.objects.count(),
    }


def roles(exercise):
    return sorted((p.country.iso_code, p.role) for p in exercise.participations.all())


# The file the import tests use: two new exercises and one change to Peace Mission 2018.
NEW_AND_CHANGED = exercise_csv(
    "peace-mission-2021,Peace Mission 2021,peace-mission,2021-09,2021-09-25,true,"
    "Orenburg,51.76,55.1,counterterrorism,sco-multilateral,land;air,RU,CN;KZ,IN,4000,true,"
    "Desc,,counterterrorism;border-security,source-1;source-2,published",
    "cyber-drill-2022,Cyber Drill 2022,,2022,,false,,,,cyber,rats,cyber,CN,,,,,,,,,",
    "peace-mission-2018,Peace Mission 2018 (corrected),peace-mission,2018-08-22,2018-08-29,"
    "true,,,,counterterrorism,sco-multilateral,land,RU,CN;KZ,,3500,false,,,border-security,"
    "source-2,draft",
)


@pytest.fixture
def sources(world):
    """Give the fixture's two sources the keys the import files use."""
    Source.objects.filter(pk=world["s1"].pk).update(key="source-1")
    Source.objects.filter(pk=world["s2"].pk).update(key="source-2")


# Export --------------------------------------------------------------------------------


def test_export_csv_holds_exactly_the_filtered_and_searched_rows(admin_client, world):
    response = export(admin_client, Exercise, "framework__exact=sco-multilateral&q=peace")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # so that Excel reads UTF-8
    assert re.match(r'attachment; filename="sco-exercises-\d{4}-\d\d-\d\d\.csv"',
                    response["Content-Disposition"])  # fmt: skip
    rows = csv_rows(response)
    assert [row["slug"] for row in rows] == ["peace-mission-2018", "peace-mission-2007"]
    assert list(rows[0]) == HEADER.split(",")
    pm2007 = rows[1]
    assert pm2007 == {
        **pm2007,
        "series": "peace-mission",
        "start": "2007-08-09",
        "end": "2007-08-17",
        "domains": "air;land",
        "hosts": "CN;RU",
        "participants": "KZ",
        "observers": "",
        "personnel": "6500",
        "held": "true",
        "themes": "counterterrorism",
        "sources": world["s1"].key,
        "status": "published",
    }


def test_export_by_framework_filter_leaves_out_the_other_frameworks(admin_client):
    rows = csv_rows(export(admin_client, Exercise, "framework__exact=rats"))
    assert [row["slug"] for row in rows] == ["tianshan-i"]
    assert rows[0]["start"] == "2006-08"  # month precision kept


def test_export_xlsx_holds_exactly_the_filtered_rows(admin_client, world):
    response = export(admin_client, Exercise, "framework__exact=outside-sco", fmt=XLSX)
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    rows = xlsx_rows(response.content)
    assert [row["slug"] for row in rows] == ["joint-sea-2012"]
    assert rows[0]["hosts"] == "CN" and rows[0]["participants"] == "RU"
    assert rows[0]["start"] == "2012-04-22" and rows[0]["domains"] == "naval"


def test_export_of_policies_and_sources(admin_client, world):
    rows = csv_rows(export(admin_client, Policy, "legal_status__exact=in-force"))
    assert [row["slug"] for row in rows] == ["shanghai-convention"]
    assert rows[0]["status"] == "in-force" and rows[0]["publication"] == "published"
    assert rows[0]["parties"] == "CN;KZ;RU" and rows[0]["in_force"] == "2003-03-29"
    sources = csv_rows(export(admin_client, Source, "q=xinhua"))
    assert [row["key"] for row in sources] == [world["s1"].key]


def test_export_with_unknown_filter_redirects_with_a_message(admin_client):
    response = export_post = admin_client.post(
        url(Exercise, "export") + "?nonsense__field=1", {"format": CSV, "resource": "0"}
    )
    assert export_post.status_code == 302
    assert response["Location"] == url(Exercise, "changelist")


def test_export_needs_view_permission(client, world):
    client.force_login(StaffFactory())
    assert client.get(url(Exercise, "export")).status_code == 403


# Import: preview and confirm ----------------------------------------------------------------


def test_preview_shows_new_and_updated_records_and_writes_nothing(admin_client, sources):
    before = counts()
    response = preview(admin_client, Exercise, NEW_AND_CHANGED)
    page = text(response)
    assert response.context["import_summary"] == "2 new, 1 update, 0 unchanged"
    assert "Preview: 2 new, 1 update, 0 unchanged." in page
    assert response.context["confirm_form"] is not None
    # The changes of the updated record: old values struck out, new ones inserted.
    body = response.content.decode()
    assert "<del>Peace Mission 2018</del><ins>Peace Mission 2018 (corrected)</ins>" in body
    assert "<del>CN;IN;KZ;PK</del><ins>CN;KZ</ins>" in body
    assert "<span>RU</span>" in body  # hosts unchanged
    assert counts() == before
    assert not Exercise.objects.filter(slug="peace-mission-2021").exists()


def test_confirmed_import_creates_drafts_with_their_rows_and_changes_the_update(
    admin_client, world, sources
):
    response = import_file(admin_client, Exercise, NEW_AND_CHANGED)
    assert response.status_code == 302
    new = Exercise.objects.get(slug="peace-mission-2021")
    assert new.status == "draft" and new.published_at is None  # "published" ignored
    assert (new.start_date, new.start_precision) == (datetime.date(2021, 9, 1), "month")
    assert new.end_date == datetime.date(2021, 9, 25)
    assert roles(new) == [("CN", "participant"), ("IN", "observer"), ("KZ", "participant"),
                          ("RU", "host")]  # fmt: skip
    assert sorted(d.slug for d in new.domains.all()) == ["air", "land"]
    assert [link.theme.slug for link in new.theme_links.all()] == [
        "counterterrorism",
        "border-security",
    ]
    assert [c.source.key for c in new.citations.all()] == ["source-1", "source-2"]
    assert str(new.latitude) == "51.76000" and new.personnel == 4000
    cyber = Exercise.objects.get(slug="cyber-drill-2022")
    assert (cyber.start_date, cyber.start_precision) == (datetime.date(2022, 1, 1), "year")
    assert cyber.held is False and cyber.series is None and roles(cyber) == [("CN", "host")]

    changed = Exercise.objects.get(slug="peace-mission-2018")
    assert changed.name == "Peace Mission 2018 (corrected)"
    assert changed.status == "published"  # an existing record keeps its state
    assert changed.personnel == 3500 and changed.personnel_approximate is False
    assert roles(changed) == [("CN", "participant"), ("KZ", "participant"), ("RU", "host")]
    assert [link.theme.slug for link in changed.theme_links.all()] == ["border-security"]
    assert [c.source.key for c in changed.citations.all()] == ["source-2"]

    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Imported exercises.csv: 2 new, 1 updated, 0 unchanged" in m for m in messages)
    assert any("Undo this import" in m for m in messages)


def test_xlsx_import_with_native_cells(admin_client, world, sources):
    content = make_xlsx(
        [
            HEADER.split(","),
            ["xlsx-drill", "XLSX Drill", None, 2019, datetime.datetime(2019, 5, 3), True,
             None, 40.5, 70, "other", "sco-bilateral", "land", "KZ", "CN", None, 1200, False,
             None, None, "counterterrorism", "source-1", None],
            [None] * 22,  # a blank line, as spreadsheets often end
        ]
    )  # fmt: skip
    response = preview(admin_client, Exercise, content, name="drills.xlsx", fmt=XLSX)
    assert response.context["import_summary"] == "1 new, 0 update, 0 unchanged"
    confirm(admin_client, Exercise, response)
    drill = Exercise.objects.get(slug="xlsx-drill")
    assert (drill.start_date, drill.start_precision) == (datetime.date(2019, 1, 1), "year")
    assert drill.end_date == datetime.date(2019, 5, 3) and drill.personnel == 1200
    assert drill.personnel_approximate is False and str(drill.longitude) == "70.00000"
    assert roles(drill) == [("CN", "participant"), ("KZ", "host")]


def test_file_with_some_columns_changes_only_those(admin_client, world):
    pm2007 = world["pm2007"]
    Citation.objects.filter(object_id=pm2007.pk, content_type__model="exercise").update(
        note="gives 6,500 troops"
    )
    keys = f"{world['s1'].key};{world['s2'].key}"
    import_file(admin_client, Exercise, f"slug,hosts,sources\npeace-mission-2007,KZ;CN,{keys}\n")
    pm2007.refresh_from_db()
    # CN stays a host, RU (no longer listed) goes, KZ moves from participant to host.
    assert roles(pm2007) == [("CN", "host"), ("KZ", "host")]
    assert pm2007.name == "Peace Mission 2007" and pm2007.personnel == 6500
    assert [link.theme.slug for link in pm2007.theme_links.all()] == ["counterterrorism"]
    citations = list(pm2007.citations.all())
    assert [(c.source.key, c.note) for c in citations] == [
        (world["s1"].key, "gives 6,500 troops"),  # a citation that stays keeps its note
        (world["s2"].key, ""),
    ]


def test_policy_import_stores_in_force_month_as_its_last_day(admin_client, world):
    content = (
        "slug,short_name,title,kind,signed,in_force,status,parties,themes,summary,publication\n"
        "new-accord,New Accord,The New Accord,agreement,2020-06-15,2020-06,in-force,CN;RU,"
        "counterterrorism,A summary.,published\n"
    )
    import_file(admin_client, Policy, content, name="policies.csv")
    accord = Policy.objects.get(slug="new-accord")
    assert accord.in_force_date == datetime.date(2020, 6, 30)
    assert (accord.in_force_precision, accord.legal_status, accord.status) == (
        "month", "in-force", "draft"
    )  # fmt: skip
    assert sorted(link.country.iso_code for link in accord.party_links.all()) == ["CN", "RU"]


def test_source_import_creates_and_updates_by_key(admin_client, world):
    key = world["s1"].key
    content = (
        "key,title,url,publisher,author,published,accessed\n"
        f"{key},Xinhua report (updated),https://example.org/1,Xinhua,,2007-08,2024-01-02\n"
        "new-source,A new source,https://example.org/new,TASS,,2019,\n"
    )
    import_file(admin_client, Source, content, name="sources.csv")
    updated = Source.objects.get(key=key)
    assert updated.title == "Xinhua report (updated)"
    assert (updated.published_date, updated.published_precision) == (
        datetime.date(2007, 8, 1), "month"
    )  # fmt: skip
    assert updated.accessed_date == datetime.date(2024, 1, 2)
    assert Source.objects.get(key="new-source").publisher == "TASS"


# Import: errors ---------------------------------------------------------------------------

GOOD_ROW = (
    "fine-drill,Fine Drill,,2020-05-01,,true,,,,counterterrorism,sco-multilateral,,CN,,,,,,,,,"
)


def bad_row(**changes):
    values = dict(zip(HEADER.split(","), GOOD_ROW.split(","), strict=True))
    values.update({"slug": "bad-drill", "name": "Bad Drill", **changes})
    return ",".join(values.values())


@pytest.mark.parametrize(
    ("row", "message"),
    [
        pytest.param(
            bad_row(hosts="XX"), "Row 3, hosts: unknown country code 'XX'", id="unknown-country"
        ),
        pytest.param(
            bad_row(participants="KZ;YY;ZZ"),
            "Row 3, participants: unknown country codes 'YY', 'ZZ'",
            id="unknown-countries",
        ),
        pytest.param(
            bad_row(themes="no-such-theme"),
            "Row 3, themes: unknown theme 'no-such-theme'",
            id="unknown-theme",
        ),
        pytest.param(
            bad_row(series="no-such-series"),
            "Row 3, series: unknown series 'no-such-series'",
            id="unknown-series",
        ),
        pytest.param(
            bad_row(sources="no-such-source"),
            "Row 3, sources: unknown source 'no-such-source'",
            id="unknown-source",
        ),
        pytest.param(
            bad_row(domains="space"), "Row 3, domains: unknown domain 'space'", id="unknown-domain"
        ),
        pytest.param(
            bad_row(start="2007-13"), "Row 3, start: '2007-13' is not a valid date", id="bad-date"
        ),
        pytest.param(
            bad_row(end="soon"),
            "Row 3, end: 'soon' is not a date of the form YYYY, YYYY-MM or",
            id="not-a-date",
        ),
        pytest.param(
            bad_row(start="2020-05", end="2020-04"),
            "Row 3, end: The exercise cannot end before",
            id="end-before-start",
        ),
        pytest.param(
            bad_row(personnel="lots"),
            "Row 3, personnel: 'lots' is not a whole number",
            id="bad-number",
        ),
        pytest.param(
            bad_row(latitude="91"),
            "Row 3, latitude: Ensure this value is less than or equal to 90",
            id="latitude-range",
        ),
        pytest.param(
            bad_row(held="maybe"), "Row 3, held: 'maybe' is not true or false", id="bad-boolean"
        ),
        pytest.param(
            bad_row(kind="parade"),
            "Row 3, kind: Value 'parade' is not a valid choice.",
            id="bad-choice",
        ),
        pytest.param(bad_row(name=""), "Row 3, name: This field cannot be blank.", id="blank-name"),
        pytest.param(
            bad_row(hosts="CN", participants="CN"),
            "Row 3, participants: CN is listed in both",
            id="two-roles",
        ),
        pytest.param(
            GOOD_ROW, "Row 3: duplicate slug 'fine-drill' (also row 2)", id="duplicate-slug"
        ),
    ],
)
def test_row_error_is_reported_against_its_row_and_nothing_is_written(admin_client, row, message):
    before = counts()
    response = preview(admin_client, Exercise, exercise_csv(GOOD_ROW, row))
    assert response.status_code == 200
    assert any(m.startswith(message) for m in response.context["row_messages"]), response.context[
        "row_messages"
    ]
    assert message in text(response)
    assert response.context.get("confirm_form") is None  # nothing can be confirmed
    assert upload_was_discarded(response)
    assert counts() == before


@pytest.mark.parametrize(
    ("model", "content", "message"),
    [
        (Policy, "slug,parties\nshanghai-convention,CN;ZZ\n",
         "Row 2, parties: unknown country code 'ZZ'"),
        (Policy, "slug,in_force\nshanghai-convention,2001-05\n",
         "Row 2, in_force: A document cannot enter into force before it is signed."),
        (Source, "key,title,url,accessed\nnew,New,https://example.org/n,2024-05\n",
         "Row 2, accessed: '2024-05' is not a full date (use YYYY-MM-DD)"),
        (Source, "key,title,url\nnew,New,not a url\n", "Row 2, url: Enter a valid URL."),
        (Policy, "slug,summary\nshanghai-convention," + "x" * 501 + "\n",
         "Row 2, summary: Ensure this value has at most 500 characters (it has 501)."),
    ],
    ids=["unknown-party", "in-force-before-signed", "partial-accessed-date", "bad-url",
         "summary-too-long"],
)  # fmt: skip
def test_policy_and_source_row_errors(admin_client, model, content, message):
    before = counts()
    response = preview(admin_client, model, content, name="file.csv")
    assert response.context["row_messages"] == [message]
    assert counts() == before


def test_rows_failing_at_confirmation_roll_back_the_whole_import(admin_client, world):
    theme = ThemeFactory(name="Short-lived")
    content = exercise_csv(GOOD_ROW, bad_row(themes="short-lived"))
    response = preview(admin_client, Exercise, content)
    assert response.context["import_summary"] == "2 new, 0 update, 0 unchanged"
    theme.delete()  # the database changes between the preview and the confirmation
    before = counts()
    response = confirm(admin_client, Exercise, response)
    assert response.status_code == 200
    assert "Nothing was imported" in text(response)
    assert "Row 3, themes: unknown theme 'short-lived'" in text(response)
    assert counts() == before
    assert not Exercise.objects.filter(slug="fine-drill").exists()  # the valid row too


@pytest.mark.parametrize(
    ("content", "name", "fmt", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00garbage", "image.xlsx", XLSX, "This file could not be read"),
        (b"\xff\xfe\x00garbage\x00\xff", "garbage.csv", CSV, "This file could not be read"),
        (b"", "empty.csv", CSV, "The submitted file is empty."),
        (HEADER.encode() + b"\n", "header-only.csv", CSV, "No valid data to import"),
        (b"name,start\nA drill,2020\n", "no-slug.csv", CSV, "The file has no 'slug' column"),
        (b"slug,hosst\npeace-mission-2007,CN\n", "typo.csv", CSV, "Unknown column 'hosst'."),
        (b"slug;name\npm;Peace\n", "semicolons.csv", CSV, "seems to use another separator"),
        (b"slug,name,name\npm,A,B\n", "twice.csv", CSV, "The column 'name' appears more"),
        (b"slug,name\n", "exercises.xlsx", XLSX, "This file could not be read"),
    ],
    ids=lambda value: value if isinstance(value, str) and value.endswith(("csv", "xlsx")) else None,
)
def test_bad_file_gets_a_clear_message(admin_client, content, name, fmt, message):
    before = counts()
    response = preview(admin_client, Exercise, content, name=name, fmt=fmt)
    assert response.status_code == 200
    assert message in text(response)
    assert "Traceback" not in text(response)
    assert response.context.get("confirm_form") is None
    assert counts() == before


def test_confirming_the_same_preview_twice_imports_once(admin_client, sources):
    response = preview(admin_client, Exercise, NEW_AND_CHANGED)
    assert not upload_was_discarded(response)  # kept for the confirmation
    first = confirm(admin_client, Exercise, response)
    assert upload_was_discarded(response)
    assert first.status_code == 302 and first["Location"] == url(Exercise, "changelist")
    before = counts()
    second = confirm(admin_client, Exercise, response)
    assert second.status_code == 302 and second["Location"] == url(Exercise, "import")
    assert counts() == before
    assert RevisionNote.objects.filter(kind="import").exclude(batch="").values(
        "batch"
    ).distinct().count() == 1  # fmt: skip


def test_upload_previewed_in_another_session_cannot_be_confirmed(admin_client, sources):
    response = preview(admin_client, Exercise, NEW_AND_CHANGED)
    other = Client()
    other.force_login(SuperuserFactory())
    before = counts()
    refused = confirm(other, Exercise, response)
    assert refused.status_code == 302 and refused["Location"] == url(Exercise, "import")
    assert counts() == before
    assert confirm(admin_client, Exercise, response).status_code == 302  # its owner still can
    assert Exercise.objects.filter(slug="peace-mission-2021").exists()


def test_upload_kept_in_the_cache_between_preview_and_confirmation(admin_client, settings, sources):
    """With several app servers (REDIS_URL set) the upload waits in the shared cache."""
    from django.core.cache import cache

    settings.IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"
    response = preview(admin_client, Exercise, NEW_AND_CHANGED)
    cache.clear()  # expired, or the cache was restarted
    before = counts()
    expired = confirm(admin_client, Exercise, response)
    assert expired.status_code == 302 and expired["Location"] == url(Exercise, "import")
    assert counts() == before
    response = preview(admin_client, Exercise, NEW_AND_CHANGED)
    assert confirm(admin_client, Exercise, response).status_code == 302
    assert Exercise.objects.filter(slug="peace-mission-2021").exists()


def test_confirm_with_a_forged_file_name_is_refused(admin_client):
    before = counts()
    response = admin_client.post(
        url(Exercise, "process_import"),
        {"import_file_name": "../../etc/passwd", "original_file_name": "x.csv",
         "format": CSV, "resource": "0"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == url(Exercise, "import")
    assert counts() == before


def test_importing_needs_add_and_change_permissions(client, world):
    user = StaffFactory()
    user.user_permissions.add(*Group.objects.get(name="Editor").permissions.filter(
        codename__in=["view_exercise", "change_exercise"]))  # fmt: skip
    client.force_login(user)
    assert client.get(url(Exercise, "import")).status_code == 403
    assert client.get(url(Exercise, "export")).status_code == 200


# History and undo ---------------------------------------------------------------------------


def import_versions():
    return Version.objects.filter(revision__note__kind="import").exclude(revision__note__batch="")


def first_batch():
    return import_versions().order_by("pk").first().revision.note.batch


def test_each_imported_record_is_one_revision_of_one_batch_by_the_user(
    admin_client, admin_user, sources
):
    import_file(admin_client, Exercise, NEW_AND_CHANGED)
    record_versions = import_versions().filter(content_type__model="exercise")
    assert sorted(v.object_repr for v in record_versions) == [
        "Cyber Drill 2022", "Peace Mission 2018 (corrected)", "Peace Mission 2021"
    ]  # fmt: skip
    revisions = {v.revision for v in record_versions}
    assert len(revisions) == 3  # one revision per record
    assert {r.user for r in revisions} == {admin_user}
    assert len({r.note.batch for r in revisions}) == 1
    assert {r.note.reason for r in revisions} == {"Import of exercises.csv"}
    new = Exercise.objects.get(slug="peace-mission-2021")
    revision = import_versions().get(object_id=str(new.pk), content_type__model="exercise").revision
    # The record's rows are in its revision.
    models = sorted(v.content_type.model for v in revision.version_set.all())
    assert models == ["citation"] * 2 + ["exercise"] + ["participation"] * 4 + [
        "themelink"
    ] * 2  # fmt: skip


def test_undo_deletes_created_records_and_restores_changed_ones(admin_client, world, sources):
    pm2018 = world["pm2018"]
    roles_before, themes_before = (
        roles(pm2018),
        [link.theme.slug for link in pm2018.theme_links.all()],
    )
    citations_before = [c.source.key for c in pm2018.citations.all()]
    response = import_file(admin_client, Exercise, NEW_AND_CHANGED)
    batch = first_batch()
    undo = url(Exercise, "import_undo", batch)
    changelist = admin_client.get(response["Location"]).content.decode()
    assert f'<a href="{undo}">Undo this import</a>' in changelist  # a link, not escaped text

    page = admin_client.get(undo)
    assert page.status_code == 200
    listed = [record["name"] for record in page.context["records"]]
    assert sorted(listed) == ["Cyber Drill 2022", "Peace Mission 2018 (corrected)",
                              "Peace Mission 2021"]  # fmt: skip
    assert "created by the import; undoing deletes it" in text(page)
    assert "changed by the import; undoing restores it" in text(page)
    assert Exercise.objects.filter(slug="peace-mission-2021").exists()  # GET changes nothing

    response = admin_client.post(undo)
    assert response.status_code == 302
    assert not Exercise.objects.filter(slug__in=["peace-mission-2021", "cyber-drill-2022"])
    deleted = {v.object_repr for v in Version.objects.get_deleted(Exercise)}
    assert {"Peace Mission 2021", "Cyber Drill 2022"} <= deleted  # recoverable
    pm2018.refresh_from_db()
    assert pm2018.name == "Peace Mission 2018" and pm2018.personnel == 3000
    assert pm2018.status == "published"
    assert roles(pm2018) == roles_before
    assert [link.theme.slug for link in pm2018.theme_links.all()] == themes_before
    assert [c.source.key for c in pm2018.citations.all()] == citations_before


def test_undo_restores_a_record_that_had_no_history_before_the_import(admin_client, world):
    pm2007 = world["pm2007"]
    assert not Version.objects.get_for_object(pm2007).exists()
    import_file(admin_client, Exercise, "slug,name,hosts\npeace-mission-2007,Renamed,KZ\n")
    batch = first_batch()
    admin_client.post(url(Exercise, "import_undo", batch))
    pm2007 = Exercise.objects.get(pk=pm2007.pk)  # still there, not deleted
    assert pm2007.name == "Peace Mission 2007"
    assert roles(pm2007) == [("CN", "host"), ("KZ", "participant"), ("RU", "host")]


def test_an_import_cannot_be_undone_twice(admin_client, world):
    import_file(admin_client, Exercise, "slug,name\npeace-mission-2007,Renamed\n")
    batch = first_batch()
    admin_client.post(url(Exercise, "import_undo", batch))
    Exercise.objects.filter(slug="peace-mission-2007").update(name="Edited after the undo")
    page = admin_client.get(url(Exercise, "import_undo", batch))
    assert page.context["undone_by"] is not None
    assert "This import was undone on" in text(page)
    admin_client.post(url(Exercise, "import_undo", batch))
    assert Exercise.objects.get(slug="peace-mission-2007").name == "Edited after the undo"


def test_undo_page_warns_about_changes_made_since_the_import(admin_client, world):
    import_file(admin_client, Exercise, "slug,name\npeace-mission-2007,Renamed\n")
    batch = first_batch()
    import_file(admin_client, Exercise, "slug,name\npeace-mission-2007,Renamed again\n",
                name="second.csv")  # fmt: skip
    page = admin_client.get(url(Exercise, "import_undo", batch))
    assert "Changed since the import (Import" in text(page)


def test_recent_imports_list_links_to_undo(admin_client, sources):
    import_file(admin_client, Exercise, NEW_AND_CHANGED)
    page = admin_client.get(url(Exercise, "import_batches"))
    batch = first_batch()
    assert [b["records"] for b in page.context["batches"]] == [3]
    assert url(Exercise, "import_undo", batch) in page.content.decode()
    assert url(Exercise, "import_batches") in admin_client.get(
        url(Exercise, "changelist")
    ).content.decode()  # fmt: skip


def test_editor_may_import_but_not_undo(client, world, sources):
    editor = staff_in("Editor", "ed")
    client.force_login(editor)
    response = import_file(client, Exercise, NEW_AND_CHANGED)
    assert Exercise.objects.filter(slug="peace-mission-2021").exists()
    assert "A Publisher can undo it" in str(list(response.wsgi_request._messages)[0])
    batch = first_batch()
    assert client.get(url(Exercise, "import_undo", batch)).status_code == 403
    assert client.post(url(Exercise, "import_undo", batch)).status_code == 403
    assert Exercise.objects.filter(slug="peace-mission-2021").exists()

    client.force_login(staff_in("Publisher", "pub"))
    assert client.get(url(Exercise, "import_undo", batch)).status_code == 200
    client.post(url(Exercise, "import_undo", batch))
    assert not Exercise.objects.filter(slug="peace-mission-2021").exists()


# Round trip and the pages themselves -----------------------------------------------------------


@pytest.mark.parametrize("fmt", [CSV, XLSX], ids=["csv", "xlsx"])
def test_filtered_export_reimported_unchanged_changes_nothing(admin_client, world, fmt):
    CitationFactory(record=world["pm2007"], source=world["s2"], position=2, note="a note")
    Exercise.objects.filter(pk=world["pm2007"].pk).update(
        latitude="54.98", longitude="60.37", personnel_approximate=False,
        description="Line one, with “quotes”; and a comma.\n\nЧебаркуль, =1+1\n",
    )  # fmt: skip
    exported = export(admin_client, Exercise, "framework__exact=sco-multilateral", fmt=fmt)
    before = counts()
    name = "exercises.xlsx" if fmt == XLSX else "exercises.csv"
    response = preview(admin_client, Exercise, exported.content, name=name, fmt=fmt)
    assert response.context["import_summary"] == "0 new, 0 update, 3 unchanged"
    assert "0 new, 0 update" in text(response)
    assert response.context.get("confirm_form") is None  # nothing to confirm
    assert upload_was_discarded(response)
    assert counts() == before


def test_text_starting_with_equals_stays_text_in_xlsx(admin_client, world):
    Exercise.objects.filter(pk=world["pm2007"].pk).update(description="=SUM(1,2) is not a sum")
    exported = export(admin_client, Exercise, "q=peace+mission+2007", fmt=XLSX)
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).active
    cell = sheet.cell(row=2, column=HEADER.split(",").index("description") + 1)
    assert (cell.value, cell.data_type) == ("=SUM(1,2) is not a sum", "s")
    response = preview(admin_client, Exercise, exported.content, name="x.xlsx", fmt=XLSX)
    assert response.context["import_summary"] == "0 new, 0 update, 1 unchanged"


def test_policies_and_sources_round_trip_unchanged(admin_client, world):
    for model, name in ((Policy, "policies.csv"), (Source, "sources.csv")):
        exported = export(admin_client, model)
        response = preview(admin_client, model, exported.content, name=name)
        total = model.objects.count()
        assert response.context["import_summary"] == f"0 new, 0 update, {total} unchanged"


def test_import_export_pages_have_no_inline_script_or_style(admin_client, sources):
    """The admin's Content Security Policy blocks inline scripts, styles and handlers."""
    pages = [
        admin_client.get(url(Exercise, "changelist")),
        admin_client.get(url(Exercise, "export")),
        admin_client.get(url(Exercise, "import")),
        preview(admin_client, Exercise, NEW_AND_CHANGED),
        preview(admin_client, Exercise, exercise_csv(bad_row(hosts="XX"))),
    ]
    import_file(admin_client, Exercise, NEW_AND_CHANGED)
    batch = first_batch()
    pages += [
        admin_client.get(url(Exercise, "import_batches")),
        admin_client.get(url(Exercise, "import_undo", batch)),
    ]
    for page in pages:
        body = page.content.decode()
        assert page.status_code == 200
        assert "Content-Security-Policy" in page.headers
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), page.request["PATH_INFO"]
        assert "<style" not in body
        assert not re.search(r"\sstyle=", body), page.request["PATH_INFO"]
        assert not re.search(r"\son[a-z]+=", body), page.request["PATH_INFO"]


def test_values_from_the_file_are_escaped_on_the_page(admin_client):
    response = preview(admin_client, Exercise, exercise_csv(bad_row(hosts="<script>x</script>")))
    assert "<script>x" not in response.content.decode()
    assert "&lt;SCRIPT&gt;X&lt;/SCRIPT&gt;" in response.content.decode()


def test_theme_used_only_by_import_file_is_checked_against_all_themes(admin_client, world):
    """Draft themes count: the import links records to any existing theme."""
    Theme.objects.filter(slug="border-security").update(status="draft")
    response = preview(admin_client, Exercise, exercise_csv(bad_row(themes="border-security")))
    assert response.context["row_messages"] == []
