"""Bodies and their meetings: models, QuerySets, MeetingFilter, pages, admin, content files.

Self-contained: the records are built by the factories below, not by the shared
`world`, so the pages' contents are known exactly.
"""

import datetime

import factory
import pytest
import yaml
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from factory.django import DjangoModelFactory
from reversion.models import Version

from topics.bundle.exporting import export_content
from topics.bundle.loading import load_content
from topics.bundle.reading import ContentError, read_bundle
from topics.filters import MeetingFilter
from topics.history import save_version
from topics.models import (
    Body,
    Citation,
    Country,
    Exercise,
    Meeting,
    Membership,
    Policy,
    Source,
)

from .admin_forms import form_data, one
from .content_files import MINIMAL, write

pytestmark = pytest.mark.django_db


# Factories ------------------------------------------------------------------------------


class SourceFactory(DjangoModelFactory):
    key = factory.Sequence(lambda n: f"body-source-{n}")
    title = factory.Sequence(lambda n: f"Body source {n}")
    url = factory.Sequence(lambda n: f"https://example.org/bodies/{n}")

    class Meta:
        model = Source


def cite(record, create, sources, **kwargs):
    if create:
        for position, source in enumerate(sources or (), start=1):
            Citation.objects.create(record=record, source=source, position=position)


class Published(DjangoModelFactory):
    status = "published"

    class Meta:
        abstract = True
        skip_postgeneration_save = True


class CountryFactory(Published):
    name = factory.Sequence(lambda n: f"Country {n}")
    slug = factory.LazyAttribute(lambda c: slugify(c.name))
    iso_code = factory.Sequence(lambda n: f"X{chr(ord('A') + n % 26)}")
    membership = factory.RelatedFactory(
        "tests.test_bodies.MembershipFactory", factory_related_name="country"
    )

    class Meta:
        model = Country
        django_get_or_create = ["iso_code"]


class MembershipFactory(DjangoModelFactory):
    status = "member"
    start_date = datetime.date(2001, 6, 15)

    class Meta:
        model = Membership


class PolicyFactory(Published):
    short_name = factory.Sequence(lambda n: f"Document {n}")
    title = factory.LazyAttribute(lambda p: f"The {p.short_name}")
    slug = factory.LazyAttribute(lambda p: slugify(p.short_name))
    kind = "agreement"
    signed_date = datetime.date(2007, 6, 27)
    summary = "A summary."

    class Meta:
        model = Policy


class ExerciseFactory(Published):
    name = factory.Sequence(lambda n: f"Drill {n}")
    slug = factory.LazyAttribute(lambda e: slugify(e.name))
    start_date = datetime.date(2007, 8, 9)
    framework = "sco-multilateral"

    class Meta:
        model = Exercise


class BodyFactory(Published):
    short_name = factory.Sequence(lambda n: f"Council {n}")
    name = factory.LazyAttribute(lambda b: f"The {b.short_name} of the SCO Member States")
    slug = factory.LazyAttribute(lambda b: slugify(b.short_name))
    sources = factory.PostGeneration(cite)

    class Meta:
        model = Body


class MeetingFactory(Published):
    body = factory.SubFactory(BodyFactory)
    name = factory.Sequence(lambda n: f"Meeting {n}")
    slug = factory.LazyAttribute(lambda m: slugify(m.name))
    date = datetime.date(2018, 4, 24)
    sources = factory.PostGeneration(cite)

    class Meta:
        model = Meeting

    @factory.post_generation
    def policies(self, create, items, **kwargs):
        if create and items:
            self.policies.set(items)

    @factory.post_generation
    def exercises(self, create, items, **kwargs):
        if create and items:
            self.exercises.set(items)


@pytest.fixture
def council(db):
    """Two bodies, their meetings (one a draft) and what they adopted (one a draft)."""
    src = SourceFactory(title="SCO Secretariat report")
    cn = CountryFactory(name="China", iso_code="CN")
    kg = CountryFactory(name="Kyrgyzstan", iso_code="KG")
    ru = CountryFactory(name="Russia", iso_code="RU")
    ruritania = CountryFactory(name="Ruritania", iso_code="RT", status="draft")
    agreement = PolicyFactory(
        short_name="Joint Exercises Agreement", signed_date=datetime.date(2007, 6, 27)
    )
    protocol = PolicyFactory(short_name="Amending Protocol", signed_date=datetime.date(2019, 4, 29))
    secret = PolicyFactory(short_name="Secret Annex", status="draft")
    pm2007 = ExerciseFactory(name="Peace Mission 2007")
    hidden_drill = ExerciseFactory(name="Hidden Drill", status="draft")
    dmm = BodyFactory(
        short_name="Defence Ministers' Meeting",
        name="Meeting of Defence Ministers of the SCO Member States",
        slug="defence-ministers-meeting",
        description="Meets yearly [@body-source-x].",
        founded_date=datetime.date(2002, 5, 1),
        founded_precision="month",
        seat="Rotates",
        sources=[src],
    )
    rats = BodyFactory(short_name="RATS Council", slug="rats-council", sources=[src])
    draft_body = BodyFactory(short_name="Secret Council", slug="secret-council", status="draft")
    bishkek = MeetingFactory(
        body=dmm,
        name="Defence Ministers' Meeting, Bishkek 2007",
        slug="dmm-2007-bishkek",
        date=datetime.date(2007, 6, 27),
        place="Bishkek",
        host=kg,
        chair=kg,
        outcome="Signed the **joint exercises agreement**.",
        policies=[agreement, secret],
        exercises=[pm2007, hidden_drill],
        sources=[src],
    )
    beijing = MeetingFactory(
        body=dmm,
        name="Defence Ministers' Meeting, Beijing 2018",
        slug="dmm-2018-beijing",
        number=15,
        date=datetime.date(2018, 4, 24),
        place="Beijing",
        host=cn,
        chair=cn,
        outcome="The first after India and Pakistan joined.",
        disputed="One source lists an ambassador.",
        sources=[src],
    )
    bishkek_2019 = MeetingFactory(
        body=dmm,
        name="Defence Ministers' Meeting, Bishkek 2019",
        slug="dmm-2019-bishkek",
        date=datetime.date(2019, 4, 1),
        date_precision="month",
        place="Bishkek",
        host=ruritania,  # a draft country: never named to readers
        policies=[protocol, agreement],
        sources=[src],
    )
    rats_2016 = MeetingFactory(
        body=rats,
        name="RATS Council meeting, Almaty 2016",
        slug="rats-council-29-2016",
        number=29,
        date=datetime.date(2016, 9, 13),
        place="Almaty",
        host=ru,
        sources=[src],
    )
    draft_meeting = MeetingFactory(
        body=dmm,
        name="Unannounced Meeting 2020",
        slug="unannounced-2020",
        date=datetime.date(2020, 9, 4),
        host=ru,
        status="draft",
        policies=[agreement],
        exercises=[pm2007],
    )
    secret_meeting = MeetingFactory(
        body=draft_body,
        name="Secret Council 2021",
        slug="secret-council-2021",
        date=datetime.date(2021, 3, 1),
        sources=[src],
    )
    return locals()


def text(response):
    return response.content.decode()


def names(meetings):
    return [meeting.name for meeting in meetings]


# Models ---------------------------------------------------------------------------------


def test_meeting_date_is_kept_at_its_precision(council):
    meeting = Meeting.objects.get(slug="dmm-2019-bishkek")
    assert meeting.date == datetime.date(2019, 4, 1)
    assert meeting.date_display == "April 2019"
    MeetingFactory(name="Year only", date=datetime.date(2004, 7, 9), date_precision="year")
    assert Meeting.objects.get(slug="year-only").date == datetime.date(2004, 1, 1)
    assert Meeting.objects.get(slug="year-only").date_display == "2004"
    assert council["dmm"].founded_display == "May 2002"


def test_meeting_number_starts_at_one(council):
    meeting = council["beijing"]
    meeting.number = 0
    with pytest.raises(ValidationError) as error:
        meeting.full_clean()
    assert "The first meeting is number 1." in error.value.message_dict["number"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(number=0)


def test_a_body_numbers_each_meeting_once(council):
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingFactory(body=council["dmm"], name="Another 15th", number=15)
    MeetingFactory(body=council["rats"], name="RATS 15th", number=15)  # another body's 15th


@pytest.mark.parametrize(
    ("number", "shown"),
    [(None, ""), (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
     (13, "13th"), (21, "21st"), (22, "22nd"), (40, "40th"), (111, "111th")],
)  # fmt: skip
def test_number_display(number, shown):
    assert Meeting(number=number).number_display == shown


def test_names_and_addresses(council):
    assert str(council["dmm"]) == "Defence Ministers' Meeting"
    assert council["dmm"].get_absolute_url() == "/bodies/defence-ministers-meeting/"
    assert str(council["beijing"]) == "Defence Ministers' Meeting, Beijing 2018"
    assert council["beijing"].get_absolute_url() == "/meetings/dmm-2018-beijing/"


def test_a_body_in_use_cannot_be_deleted(council):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        council["rats"].delete()


# QuerySets ------------------------------------------------------------------------------


def test_published_meetings_leave_out_drafts_and_scheduled_ones(council):
    MeetingFactory(name="Scheduled", published_at=timezone.now() + datetime.timedelta(days=3))
    published = names(Meeting.objects.published())
    assert "Unannounced Meeting 2020" not in published and "Scheduled" not in published
    assert "Defence Ministers' Meeting, Beijing 2018" in published


def test_cards_name_only_published_bodies_and_countries(council):
    meetings = {m.slug: m for m in Meeting.objects.published().for_cards()}
    assert meetings["dmm-2019-bishkek"].host is None  # Ruritania is a draft
    assert meetings["dmm-2018-beijing"].host.name == "China"
    assert meetings["dmm-2018-beijing"].body == council["dmm"]
    assert "secret-council-2021" not in meetings  # a meeting of a draft body is not public


def test_detail_lists_only_published_policies_and_exercises(council):
    meeting = Meeting.objects.published().for_detail().get(slug="dmm-2007-bishkek")
    assert names(meeting.exercises.all()) == ["Peace Mission 2007"]
    assert [p.short_name for p in meeting.policies.all()] == ["Joint Exercises Agreement"]


def test_of_body_is_the_bodys_published_meetings_oldest_first(council):
    meetings = Meeting.objects.published().of_body(council["dmm"])
    assert names(meetings) == [
        "Defence Ministers' Meeting, Bishkek 2007",
        "Defence Ministers' Meeting, Beijing 2018",
        "Defence Ministers' Meeting, Bishkek 2019",
    ]


def test_body_cards_count_published_meetings(council):
    bodies = {b.slug: b for b in Body.objects.published().for_cards()}
    assert bodies["defence-ministers-meeting"].meeting_count == 3
    assert bodies["rats-council"].meeting_count == 1
    assert "secret-council" not in bodies


def test_search_looks_in_names_places_and_outcomes(council):
    assert names(Meeting.objects.published().search("ALMATY")) == [
        "RATS Council meeting, Almaty 2016"
    ]
    assert names(Meeting.objects.published().search("joint exercises agreement")) == [
        "Defence Ministers' Meeting, Bishkek 2007"
    ]
    assert [str(b) for b in Body.objects.published().search("meets yearly")] == [
        "Defence Ministers' Meeting"
    ]


def test_policy_and_exercise_detail_prefetch_their_published_meetings(council):
    agreement = Policy.objects.published().for_detail().get(pk=council["agreement"].pk)
    assert names(agreement.meetings.all()) == [
        "Defence Ministers' Meeting, Bishkek 2007",
        "Defence Ministers' Meeting, Bishkek 2019",
    ]
    drill = Exercise.objects.published().for_detail().get(pk=council["pm2007"].pk)
    assert names(drill.meetings.all()) == ["Defence Ministers' Meeting, Bishkek 2007"]


# MeetingFilter ----------------------------------------------------------------------------


def filtered(data):
    return MeetingFilter(data, queryset=Meeting.objects.published())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["dmm-2007-bishkek", "dmm-2018-beijing", "dmm-2019-bishkek", "rats-council-29-2016"]),
        ({"body": "rats-council"}, ["rats-council-29-2016"]),
        ({"year_from": "2016", "year_to": "2018"}, ["dmm-2018-beijing", "rats-council-29-2016"]),
        ({"year_from": "2019"}, ["dmm-2019-bishkek"]),
        ({"host": "kg"}, ["dmm-2007-bishkek"]),
        ({"host": "CN", "body": "defence-ministers-meeting"}, ["dmm-2018-beijing"]),
        ({"q": "bishkek", "year_to": "2010"}, ["dmm-2007-bishkek"]),
    ],
)  # fmt: skip
def test_meeting_filter_returns_exactly_the_expected_meetings(council, query, expected):
    assert sorted(m.slug for m in filtered(query).qs) == expected


def test_meeting_filter_explains_what_it_ignores(council):
    unknown = filtered({"body": "secret-council", "host": "RT", "theme": "x"})
    assert len(unknown.qs) == 4
    notices = " ".join(unknown.notices)
    assert "Body:" in notices and "Host country:" in notices  # draft body, draft host
    assert "“theme” is not a filter of this list" in notices
    reversed_range = filtered({"year_from": "2018", "year_to": "2016"})
    assert sorted(m.slug for m in reversed_range.qs) == ["dmm-2018-beijing", "rats-council-29-2016"]
    assert reversed_range.notices == ["The year range was reversed; showing 2016 to 2018."]


def test_meeting_filter_offers_only_bodies_and_hosts_of_published_meetings(council):
    form = MeetingFilter({}, queryset=Meeting.objects.published()).form
    assert [str(b) for b in form.fields["body"].queryset] == [
        "Defence Ministers' Meeting",
        "RATS Council",
    ]
    assert sorted(c.iso_code for c in form.fields["host"].queryset) == ["CN", "KG", "RU"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"body": "defence-ministers-meeting", "year_from": "2018"},
         ["Defence Ministers' Meeting, Beijing 2018", "Defence Ministers' Meeting, Bishkek 2019"]),
        ({"host": "kg"}, ["Defence Ministers' Meeting, Bishkek 2007"]),
        ({"year_to": "2016"},
         ["Defence Ministers' Meeting, Bishkek 2007", "RATS Council meeting, Almaty 2016"]),
    ],
)  # fmt: skip
def test_meeting_list_filters_through_the_client(client, council, query, expected):
    response = client.get("/meetings/", query)
    assert response.status_code == 200
    assert sorted(names(response.context["meetings"])) == expected
    assert f"<strong>{len(expected)}</strong> meeting" in text(response)


def test_meeting_list_sorts_newest_first_by_default(client, council):
    default = names(client.get("/meetings/").context["meetings"])
    assert default == [
        "Defence Ministers' Meeting, Bishkek 2019",
        "Defence Ministers' Meeting, Beijing 2018",
        "RATS Council meeting, Almaty 2016",
        "Defence Ministers' Meeting, Bishkek 2007",
    ]
    oldest = names(client.get("/meetings/", {"sort": "date"}).context["meetings"])
    assert oldest == list(reversed(default))


def test_meeting_download_is_the_filtered_list(client, council):
    response = client.get("/meetings/export.csv", {"host": "kg"})
    assert response["Content-Disposition"] == 'attachment; filename="sco-meetings.csv"'
    lines = text(response).splitlines()
    assert lines[0].startswith("slug,name,body,number,date,place,host,chair,outcome")
    assert len(lines) == 2 and lines[1].startswith("dmm-2007-bishkek,")
    assert "joint-exercises-agreement" in lines[1] and "secret-annex" not in lines[1]
    rows = client.get("/meetings/export.json").json()["results"]
    by_slug = {row["slug"]: row for row in rows}
    assert by_slug["dmm-2019-bishkek"]["host"] == ""  # a draft host is not named
    assert by_slug["dmm-2019-bishkek"]["date"] == "2019-04"
    assert by_slug["rats-council-29-2016"]["body"] == "rats-council"
    assert "secret-council-2021" not in by_slug


# Pages ----------------------------------------------------------------------------------


def test_body_list_shows_published_bodies_with_their_meeting_counts(client, council):
    page = text(client.get("/bodies/"))
    assert 'href="/bodies/defence-ministers-meeting/"' in page and "3 meetings recorded" in page
    assert 'href="/bodies/rats-council/"' in page and "1 meeting recorded" in page
    assert "Founded May 2002" in page
    assert "Secret Council" not in page
    assert 'href="/meetings/"' in page


def test_body_page_lists_its_meetings_in_order_with_what_came_out_of_them(client, council):
    page = text(client.get("/bodies/defence-ministers-meeting/"))
    order = [page.index(name) for name in ("Bishkek 2007", "Beijing 2018", "Bishkek 2019")]
    assert order == sorted(order)
    assert "<strong>joint exercises agreement</strong>" in page
    assert 'href="/policies/joint-exercises-agreement/"' in page
    assert 'href="/policies/amending-protocol/"' in page
    assert 'href="/exercises/peace-mission-2007/"' in page
    assert "15th meeting" in page and "Host: China" in page
    # Neither the draft meeting nor the draft records it or others adopted.
    for hidden in ("Unannounced", "Secret Annex", "Hidden Drill", "Ruritania", "/countries/rt"):
        assert hidden not in page
    assert "3 recorded" in page and 'href="/meetings/?body=defence-ministers-meeting"' in page


def test_body_description_numbers_its_citations(client, council):
    src = council["src"]
    Body.objects.filter(pk=council["dmm"].pk).update(description=f"Meets yearly [@{src.key}].")
    page = text(client.get("/bodies/defence-ministers-meeting/"))
    assert '<sup class="cite" id="cite-1"><a href="#ref-1"' in page
    assert 'id="ref-1">' in page and "SCO Secretariat report" in page


def test_meeting_page_shows_its_facts_records_sources_and_change_log(client, council):
    save_version(council["beijing"], reason="Checked against the communiqué")
    page = text(client.get("/meetings/dmm-2018-beijing/"))
    assert "15th meeting" in page and "24 April 2018" in page
    assert '<a href="/countries/china/">China</a>' in page
    assert '<a href="/bodies/defence-ministers-meeting/">' in page
    assert "Where sources disagree" in page and "One source lists an ambassador." in page
    assert "SCO Secretariat report" in page  # references
    assert "Checked against the communiqué" in page  # change log
    assert "Other meetings of this body" in page and 'href="/meetings/dmm-2007-bishkek/"' in page
    assert "Unannounced" not in page


def test_meeting_page_hides_draft_countries_and_records(client, council):
    page = text(client.get("/meetings/dmm-2019-bishkek/"))
    assert "April 2019" in page
    assert "Ruritania" not in page and "/countries/ruritania/" not in page
    bishkek = text(client.get("/meetings/dmm-2007-bishkek/"))
    assert 'href="/policies/joint-exercises-agreement/"' in bishkek
    assert "Secret Annex" not in bishkek and "Hidden Drill" not in bishkek


def test_meetings_of_a_draft_body_are_not_public(client, council):
    assert client.get("/meetings/secret-council-2021/").status_code == 404
    assert "Secret Council 2021" not in text(client.get("/meetings/"))
    assert "Secret Council 2021" not in text(client.get("/search/", {"q": "secret"}))


def test_meeting_list_hides_drafts(client, council):
    page = text(client.get("/meetings/"))
    assert "Unannounced Meeting 2020" not in page
    assert "Ruritania" not in page and 'value="RT"' not in page
    assert 'value="secret-council"' not in page


@pytest.mark.parametrize("url", ["/meetings/unannounced-2020/", "/bodies/secret-council/"])
def test_drafts_are_404_for_readers_and_previewable_by_staff(client, council, url):
    assert client.get(url).status_code == 404
    client.force_login(User.objects.create_user("ed", password="pw", is_staff=True))
    response = client.get(url)
    assert response.status_code == 200 and "Draft preview" in text(response)


def test_policy_page_links_the_meetings_that_adopted_it(client, council):
    page = text(client.get("/policies/joint-exercises-agreement/"))
    assert "Adopted, prepared or reviewed at" in page
    assert '<a href="/meetings/dmm-2007-bishkek/">' in page
    assert '<a href="/meetings/dmm-2019-bishkek/">' in page
    assert "Unannounced" not in page
    unlinked = PolicyFactory(short_name="Unlinked Treaty")
    assert "Adopted, prepared or reviewed at" not in text(client.get(unlinked.get_absolute_url()))


def test_exercise_page_links_the_meeting_that_ordered_it(client, council):
    page = text(client.get("/exercises/peace-mission-2007/"))
    assert "Ordered or reviewed at" in page
    assert '<a href="/meetings/dmm-2007-bishkek/">' in page and "27 June 2007" in page
    assert "Unannounced" not in page


def test_search_finds_bodies_and_meetings(client, council):
    page = text(client.get("/search/", {"q": "defence ministers"}))
    assert "Bodies (1)" in page and 'href="/bodies/defence-ministers-meeting/"' in page
    assert "Meetings (3)" in page and 'href="/meetings/dmm-2018-beijing/"' in page
    assert "Unannounced" not in page and "Secret Council" not in page
    almaty = text(client.get("/search/", {"q": "almaty"}))
    assert "Meetings (1)" in almaty and "RATS Council meeting, Almaty 2016" in almaty


def test_navigation_sitemap_and_sections(client, council):
    page = text(client.get("/meetings/"))
    assert '<a href="/bodies/" aria-current="page">Bodies</a>' in page
    xml = text(client.get("/sitemap.xml"))
    assert "/bodies/defence-ministers-meeting/</loc>" in xml
    assert "/meetings/dmm-2018-beijing/</loc>" in xml and "/meetings/</loc>" in xml
    assert "unannounced-2020" not in xml and "/bodies/secret-council/" not in xml


def grow(council, n, prefix):
    """Add n published meetings of the defence ministers, each with a host, a chair, a
    published and a draft policy and exercise, and a source; and n bodies."""
    c = council
    for i in range(n):
        MeetingFactory(
            body=c["dmm"],
            name=f"{prefix} meeting {i}",
            date=datetime.date(2000 + i, 1, 1),
            host=c["ruritania"] if i % 2 else c["cn"],
            chair=c["kg"],
            outcome="Adopted *something*.",
            policies=[c["agreement"], c["secret"]],
            exercises=[c["pm2007"], c["hidden_drill"]],
            sources=[c["src"]],
        )
        BodyFactory(short_name=f"{prefix} body {i}", sources=[c["src"]])


@pytest.mark.parametrize(
    "url",
    [
        "/bodies/",
        "/bodies/defence-ministers-meeting/",
        "/meetings/",
        "/meetings/?body=defence-ministers-meeting&host=cn&year_from=2000&sort=name",
        "/meetings/dmm-2007-bishkek/",
        "/meetings/export.json",
        "/policies/joint-exercises-agreement/",
        "/exercises/peace-mission-2007/",
        "/search/?q=meeting",
    ],
)
def test_query_count_is_the_same_at_two_sizes(client, council, url, django_assert_num_queries):
    assert client.get(url).status_code == 200  # fills process-wide caches
    grow(council, 2, "Small")
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(council, 12, "Large")
    with django_assert_num_queries(len(small)):
        assert client.get(url).status_code == 200


# History ----------------------------------------------------------------------------------


def test_a_meetings_version_holds_its_policies_and_exercises(council):
    meeting = council["bishkek"]
    save_version(meeting)
    meeting.policies.set([council["protocol"]])
    meeting.exercises.clear()
    Version.objects.get_for_object(meeting).get().revision.revert(delete=True)
    assert sorted(p.short_name for p in meeting.policies.all()) == [
        "Joint Exercises Agreement",
        "Secret Annex",
    ]
    assert sorted(names(meeting.exercises.all())) == ["Hidden Drill", "Peace Mission 2007"]
    assert [c.source.title for c in meeting.citations.all()] == ["SCO Secretariat report"]


# Admin ------------------------------------------------------------------------------------


def admin_url(model, view, *args):
    return reverse(f"admin:topics_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def publisher(council):
    user = User.objects.create_user("paul", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Publisher"))
    client = Client()
    client.force_login(user)
    return client


CITATIONS = "topics-citation-content_type-object_id"


def test_publisher_adds_a_meeting_in_the_admin(publisher, council):
    data = form_data(publisher.get(admin_url(Meeting, "add")))
    for name, value in {
        "body": council["rats"].pk,
        "name": "RATS Council meeting, Tashkent 2018",
        "slug": "rats-council-32-2018",
        "number": "32",
        "date": "2018-04-05",
        "date_precision": "day",
        "place": "Tashkent",
        "chair": council["kg"].pk,
        "outcome": "Approved the draft programme for 2019–2021.",
        "status": "published",
        f"{CITATIONS}-TOTAL_FORMS": "1",
        f"{CITATIONS}-0-source": council["src"].pk,
        f"{CITATIONS}-0-position": "1",
        "change_reason": "From the RATS press release",
    }.items():
        one(data, name, str(value))
    data["policies"] = [str(council["protocol"].pk)]
    data["exercises"] = [str(council["pm2007"].pk)]
    response = publisher.post(admin_url(Meeting, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    meeting = Meeting.objects.get(slug="rats-council-32-2018")
    assert meeting.body == council["rats"] and meeting.chair == council["kg"]
    assert [p.short_name for p in meeting.policies.all()] == ["Amending Protocol"]
    version = Version.objects.get_for_object(meeting).get()
    assert version.revision.note.reason == "From the RATS press release"
    page = text(Client().get("/bodies/rats-council/"))
    assert "RATS Council meeting, Tashkent 2018" in page and "32nd meeting" in page


def test_publisher_changes_a_meeting_in_the_admin(publisher, council):
    meeting = council["beijing"]
    url = admin_url(Meeting, "change", meeting.pk)
    data = form_data(publisher.get(url))
    one(data, "outcome", "A joint communiqué was signed.")
    one(data, "date", "2018-04-01")
    one(data, "date_precision", "month")
    data["policies"] = [str(council["agreement"].pk)]
    response = publisher.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    meeting.refresh_from_db()
    assert (
        meeting.outcome == "A joint communiqué was signed." and meeting.date_display == "April 2018"
    )
    page = text(Client().get("/policies/joint-exercises-agreement/"))
    assert '<a href="/meetings/dmm-2018-beijing/">' in page


def test_a_published_meeting_needs_a_source(publisher, council):
    data = form_data(publisher.get(admin_url(Meeting, "add")))
    for name, value in {
        "body": council["rats"].pk,
        "name": "Unsourced meeting",
        "slug": "unsourced",
        "date": "2019-01-01",
        "status": "published",
    }.items():
        one(data, name, str(value))
    response = publisher.post(admin_url(Meeting, "add"), data)
    assert response.status_code == 200
    assert "A published meeting must cite at least one source." in text(response)
    assert not Meeting.objects.filter(slug="unsourced").exists()


def test_body_admin_pages_load(publisher, council):
    assert publisher.get(admin_url(Body, "changelist")).status_code == 200
    assert publisher.get(admin_url(Body, "change", council["dmm"].pk)).status_code == 200
    found = publisher.get(
        reverse("admin:autocomplete"),
        {"app_label": "topics", "model_name": "meeting", "field_name": "body", "term": "RATS"},
    ).json()
    assert [item["text"] for item in found["results"]] == ["RATS Council"]


# Content files ------------------------------------------------------------------------------

BODIES = {
    "bodies.yaml": """
        bodies:
          - slug: rats-council
            name: Council of the Regional Anti-Terrorist Structure
            short_name: RATS Council
            founded: "2003-10"
            seat: Tashkent
            description: "Governs RATS [@src-a]."
            themes: [counterterrorism]
            sources: [src-a]
        meetings:
          - slug: rats-council-29-2016
            body: rats-council
            name: RATS Council meeting, Almaty 2016
            number: 29
            date: "2016-09"
            place: Almaty
            host: CN
            chair: IN
            outcome: Work plans approved.
            disputed: "Sources differ on the day."
            policies: [convention-2009, convention-2001]
            exercises: [peace-mission-2007]
            sources: [{key: src-b, note: "says September"}]
    """,
}


def test_bodies_and_meetings_load_and_export_as_they_were_written(tmp_path):
    files = write(tmp_path / "content", {**MINIMAL, **BODIES})
    load_content(path=files)
    meeting = Meeting.objects.get(slug="rats-council-29-2016")
    assert meeting.date == datetime.date(2016, 9, 1) and meeting.date_display == "September 2016"
    assert meeting.host.iso_code == "CN" and meeting.chair.iso_code == "IN"
    assert sorted(p.slug for p in meeting.policies.all()) == ["convention-2001", "convention-2009"]
    assert Body.objects.get(slug="rats-council").founded_display == "October 2003"

    export_content(tmp_path / "export")
    exported = yaml.safe_load((tmp_path / "export" / "meetings.yaml").read_text())["meetings"]
    written = yaml.safe_load(BODIES["bodies.yaml"].replace("\n        ", "\n"))["meetings"][0]
    entry = exported[0]
    assert entry.pop("published_at") and entry.pop("status") == "published"
    assert entry == {**written, "policies": ["convention-2001", "convention-2009"]}
    body = yaml.safe_load((tmp_path / "export" / "bodies.yaml").read_text())["bodies"][0]
    assert list(body) == [
        "slug", "name", "short_name", "founded", "seat", "description", "themes", "sources",
        "status", "published_at",
    ]  # fmt: skip
    # The export loads back; a second load of the files changes nothing.
    assert load_content(path=tmp_path / "export", check=True).valid.endswith(
        "1 bodies, 1 meetings, 1 topics, 0 terms"
    )
    report = load_content(path=files)
    assert report.total("create", "update") == 0


def test_an_editors_change_to_a_meeting_is_kept_by_the_next_load(tmp_path):
    files = write(tmp_path, {**MINIMAL, **BODIES})
    load_content(path=files)
    meeting = Meeting.objects.get(slug="rats-council-29-2016")
    meeting.exercises.clear()
    report = load_content(path=files)
    assert any("rats-council-29-2016" in line and "exercises" in line for line in report.kept)
    assert not meeting.exercises.exists()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("body: rats-council\n", "body: no-such-body\n"), "unknown body 'no-such-body'"),
        (("host: CN", "host: XX"), "unknown country code 'XX'"),
        (("exercises: [peace-mission-2007]", "exercises: [nope]"), "unknown exercise 'nope'"),
        (("number: 29", "number: 0"), "number: The first meeting is number 1."),
        (('    sources: [{key: src-b, note: "says September"}]\n', ""), "cites no source"),
        (('"Governs RATS [@src-a]."', '"Governs RATS [@src-b]."'),
         "description cites [@src-b] but it is not in sources"),
    ],
)  # fmt: skip
def test_bad_body_and_meeting_entries_are_refused(tmp_path, change, problem):
    old, new = change
    assert old in BODIES["bodies.yaml"]
    files = write(tmp_path, {**MINIMAL, "bodies.yaml": BODIES["bodies.yaml"].replace(old, new)})
    with pytest.raises(ContentError) as error:
        load_content(path=files, check=True)
    assert any(problem in line for line in error.value.problems), error.value.problems


def test_bundled_bodies_and_meetings_cover_the_issue():
    bundle = read_bundle()
    bodies = {entry.key: entry.data for entry in bundle.entries["bodies"]}
    meetings = [entry.data for entry in bundle.entries["meetings"]]
    assert {
        "council-of-heads-of-state", "defence-ministers-meeting",
        "security-council-secretaries-meeting", "rats-council", "rats-executive-committee",
        "universal-security-centre", "anti-drug-centre", "border-services-heads-meeting",
    } <= set(bodies)  # fmt: skip
    years = {m["date"][:4] for m in meetings if m["body"] == "defence-ministers-meeting"}
    assert {"2002", "2018", "2020", "2021", "2023", "2024", "2025"} <= years
    qingdao = next(m for m in meetings if m["slug"] == "dmm-2025-qingdao")
    assert "refused to sign" in qingdao["outcome"]
    secretaries = [m for m in meetings if m["body"] == "security-council-secretaries-meeting"]
    assert min(m["date"] for m in secretaries) == "2004"
    # The register's figures are dated, the 2019 ones among them.
    register = bodies["rats-executive-committee"]["description"]
    assert "**17 October 2019**" in register and "6,600" in register
    assert "res-urdupoint-2019-giyosov-register" in str(bodies["rats-executive-committee"])
    for meeting in meetings:
        assert meeting.get("sources"), meeting["slug"]
