import datetime
import re

import pytest
from django.utils import timezone

from .conftest import DRAFT_LINKS, DRAFT_NAMES, DRAFT_VALUES
from .factories import (
    ExerciseFactory,
    PolicyFactory,
    PolicyRelationFactory,
    StaffFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def test_home_shows_counts_and_entry_points(client, world):
    page = text(client.get("/"))
    # Four published SCO exercises; Joint Sea is outside the SCO and the draft is hidden.
    assert "<strong>3</strong> SCO exercises" in page
    assert "<strong>3</strong> treaties and agreements" in page
    assert "<strong>1</strong> articles" in page
    assert 'href="/exercises/"' in page and 'href="/policies/"' in page
    assert "Secret Drill" not in page and "Unfinished article" not in page


def test_topic_list_and_detail(client, world):
    listing = text(client.get("/topics/"))
    assert "Peace Mission exercises" in listing
    assert "Unfinished article" not in listing
    detail = client.get("/topics/peace-mission-exercises/")
    page = text(detail)
    assert detail.status_code == 200
    assert '<h2 id="origins">' in page
    # First cited source is number 1, and the list shows it first (after its backlinks).
    entry = r'id="ref-{}">\s*(?:<span class="backlinks">.*\n\s*)?<a href="https://example.org/\d+"'
    assert re.search(entry.format(1) + r"[^>]*>TASS report", page)
    assert re.search(entry.format(2) + r"[^>]*>Xinhua report", page)
    assert 'href="/exercises/peace-mission-2007/"' in page
    assert '<meta name="description" content="Summary of Peace Mission exercises.">' in page


def test_exercise_detail_shows_facts_sources_and_other_editions(client, world):
    page = text(client.get("/exercises/peace-mission-2007/"))
    assert "9–17 August 2007" in page
    assert "about 6,500" in page
    assert "Chebarkul, Russia" in page
    assert 'href="/countries/kazakhstan/"' in page
    assert "Xinhua report" in page
    assert "Other Peace Mission exercises" in page and "Peace Mission 2018" in page
    assert "Shanghai Convention" in page  # policy sharing the counterterrorism theme


def test_month_precision_is_shown_without_a_day(client, world):
    page = text(client.get("/exercises/tianshan-i/"))
    assert "August 2006" in page
    assert "1 August 2006" not in page


def test_outside_sco_exercise_is_marked(client, world):
    page = text(client.get("/exercises/joint-sea-2012/"))
    assert "held outside the SCO framework" in page


def test_policy_detail_shows_parties_dates_and_sources(client, world):
    page = text(client.get("/policies/shanghai-convention/"))
    assert "15 June 2001" in page and "29 March 2003" in page
    assert 'href="/countries/china/"' in page
    assert "TASS report" in page and "Xinhua report" in page


def test_policy_relations_show_in_both_directions(client, world):
    PolicyRelationFactory(
        from_policy=world["extremism"], to_policy=world["convention"], kind="supplements"
    )
    newer = text(client.get("/policies/extremism-convention/"))
    older = text(client.get("/policies/shanghai-convention/"))
    assert "Supplements" in newer and 'href="/policies/shanghai-convention/"' in newer
    assert "Supplemented by" in older and 'href="/policies/extremism-convention/"' in older


def test_country_pages(client, world):
    listing = text(client.get("/countries/"))
    assert "Founding members" in listing and "Member states" in listing
    page = text(client.get("/countries/india/"))
    assert "Member state" in page
    assert 'Since <time datetime="2017-06-09">9 June 2017</time>' in page
    assert "Peace Mission 2018" in page and "Extremism Convention" in page
    assert "Peace Mission 2007" not in page


def test_theme_and_series_pages(client, world):
    assert "Counterterrorism" in text(client.get("/themes/"))
    theme = text(client.get("/themes/border-security/"))
    assert "Tianshan-I" in theme and "Border Agreement" in theme
    assert "Peace Mission 2007" not in theme
    series = text(client.get("/series/peace-mission/"))
    assert "Peace Mission 2007" in series and "Peace Mission 2018" in series
    assert "2 exercises" in text(client.get("/series/"))


def test_search_labels_results_by_type(client, world):
    page = text(client.get("/search/", {"q": "peace mission"}))
    assert "Topics (1)" in page and "Exercises (2)" in page and "Exercise series (1)" in page
    assert "Secret Drill" not in text(client.get("/search/", {"q": "secret"}))
    assert "Nothing matched" in text(client.get("/search/", {"q": "zzzz"}))
    assert client.get("/search/").status_code == 200


def test_timeline_orders_exercises_and_policies_by_date(client, world):
    page = text(client.get("/timeline/"))
    order = [
        page.index(name)
        for name in (
            "Shanghai Convention",
            "Tianshan-I",
            "Peace Mission 2007",
            "Joint Sea 2012",
            "Border Agreement",
        )
    ]
    assert order == sorted(order)
    assert "Secret Drill" not in page
    only = text(client.get("/timeline/", {"show": "policies"}))
    assert "Shanghai Convention" in only and "Peace Mission 2007" not in only
    assert client.get("/timeline/", {"show": "<bad>"}).status_code == 200


def test_about_page(client, world):
    page = text(client.get("/about/"))
    assert "What it covers, and what it leaves out" in page
    assert 'id="corrections"' in page


@pytest.mark.parametrize(
    "url",
    ["/exercises/secret-drill-2019/", "/policies/draft-protocol/", "/topics/unfinished-article/"],
)
def test_drafts_are_404_for_readers_and_previewable_by_staff(client, world, url):
    assert client.get(url).status_code == 404
    client.force_login(StaffFactory())
    response = client.get(url)
    assert response.status_code == 200
    assert "Draft preview" in text(response)


def test_drafts_are_hidden_from_lists(client, world):
    assert "Secret Drill" not in text(client.get("/exercises/"))
    assert "Draft Protocol" not in text(client.get("/policies/"))
    assert "Unfinished article" not in text(client.get("/topics/"))


def test_unknown_pages_are_404(client, world):
    assert client.get("/exercises/no-such-drill/").status_code == 404
    assert client.get("/countries/atlantis/").status_code == 404


def test_pages_have_landmarks_and_skip_link(client, world):
    page = text(client.get("/exercises/"))
    assert '<a class="skip-link" href="#content">' in page
    assert '<main id="content"' in page and '<nav class="site-nav" aria-label="Main">' in page
    assert "<legend>Filter</legend>" in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


def grow(world, n, prefix):
    """Add n more published exercises, policies and topics sharing the world's vocabulary.

    With the `drafts` fixture, every other record also links to draft vocabulary,
    so the prefetches that leave it out are measured too.
    """
    draft = "ruritania" in world
    for i in range(n):
        with_drafts = draft and i % 2
        ExerciseFactory(
            name=f"{prefix} drill {i}",
            start_date=datetime.date(2000 + i % 20, 1 + i % 12, 1),
            series=world["sea_guardian"] if with_drafts else world["pm"],
            hosts=[world["cn"]],
            participants=[world["ru"], world["kz"], *([world["ruritania"]] if with_drafts else [])],
            themes=[world["ct"], *([world["space"]] if with_drafts else [])],
            domains=["land"],
            sources=[world["s1"], world["s2"]],
        )
        PolicyFactory(
            short_name=f"{prefix} policy {i}",
            signed_date=datetime.date(2000 + i % 20, 1, 1),
            parties=[world["cn"], world["ru"], *([world["freedonia"]] if with_drafts else [])],
            themes=[world["ct"], *([world["arctic"]] if with_drafts else [])],
            sources=[world["s1"]],
        )
        TopicFactory(title=f"{prefix} topic {i}", themes=[world["ct"]])


# Every list and detail page, with filters and relations that fan out.
QUERY_COUNT_URLS = [
    "/",
    "/topics/",
    "/exercises/",
    "/exercises/?country=CN&country=RU&theme=counterterrorism&sort=-personnel",
    "/policies/",
    "/policies/?party=CN&party=RU",
    "/countries/",
    "/themes/",
    "/series/",
    "/timeline/",
    "/search/?q=drill",
    "/themes/counterterrorism/",
    "/series/peace-mission/",
    "/countries/china/",
    "/exercises/peace-mission-2007/",
    "/policies/shanghai-convention/",
    "/topics/peace-mission-exercises/",
]


@pytest.mark.parametrize("url", QUERY_COUNT_URLS)
def test_query_count_is_the_same_at_two_sizes(client, drafts, url, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # A first request fills process-wide caches (content types), so both sizes start alike.
    assert client.get(url).status_code == 200
    grow(drafts, 2, "Small")
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(drafts, 15, "Large")
    with django_assert_num_queries(len(small)):
        assert client.get(url).status_code == 200


def test_announced_exercise_is_marked_and_not_counted(client, world):
    ExerciseFactory(
        name="Peace Mission 2023",
        start_date=datetime.date(2023, 8, 1),
        start_precision="month",
        held=False,
        hosts=[world["ru"]],
    )
    assert "<strong>3</strong> SCO exercises" in text(client.get("/"))
    page = text(client.get("/exercises/peace-mission-2023/"))
    assert "no source we have found confirms that it took place" in page
    assert "Announced; not confirmed as held" in text(client.get("/exercises/"))


def test_favicon_redirects_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("img/favicon.svg")


def test_sitemap_lists_published_records_only(client, world):
    xml = text(client.get("/sitemap.xml"))
    assert "/exercises/peace-mission-2007/</loc>" in xml
    assert "/topics/peace-mission-exercises/</loc>" in xml
    assert "secret-drill" not in xml and "unfinished-article" not in xml
    robots = text(client.get("/robots.txt"))
    assert "Sitemap: http://testserver/sitemap.xml" in robots


def test_corrections_link_comes_from_settings(client, world, settings):
    from django.core.cache import cache

    assert "contact the editors of this site" in text(client.get("/about/"))
    settings.CORRECTIONS_URL = "mailto:fixes@example.org"
    cache.clear()  # a settings change comes with a restart in real life
    assert '<a href="mailto:fixes@example.org">send a correction</a>' in text(client.get("/about/"))


def test_feed_lists_recent_published_records(client, world):
    response = client.get("/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    xml = text(response)
    assert "<title>Exercise: Peace Mission 2007</title>" in xml
    assert "<title>Topic: Peace Mission exercises</title>" in xml
    assert "Secret Drill" not in xml and "Draft Protocol" not in xml


def test_detail_pages_can_be_cited_and_shared(client, world):
    page = text(client.get("/topics/peace-mission-exercises/"))
    assert "Cite this page" in page
    assert "http://testserver/topics/peace-mission-exercises/" in page
    assert '<meta property="og:title" content="Peace Mission exercises">' in page
    assert '<meta property="og:type" content="article">' in page


def test_policy_without_a_published_text_says_so(client, world):
    page = text(client.get("/policies/border-agreement/"))
    assert "No official text found; see the sources below" in page


# Draft and scheduled vocabulary (the `drafts` fixture) -----------------------------

# Each reader door, with what it must still show of the published vocabulary.
DOORS = [
    ("/", ['href="/themes/counterterrorism/"', "<strong>5</strong> countries"]),
    ("/topics/", ["Peace Mission exercises"]),
    (
        "/topics/peace-mission-exercises/",
        ['href="/countries/china/">China</a>', 'href="/themes/counterterrorism/"'],
    ),
    ("/exercises/", ["<span>Host: China, Russia</span>", 'value="peace-mission"']),
    (
        "/exercises/peace-mission-2007/",
        [
            '<dd><a href="/countries/china/">China</a>, '
            '<a href="/countries/russia/">Russia</a></dd>',
            '<a href="/series/peace-mission/">Peace Mission</a>',
            'href="/themes/counterterrorism/"',
            "Other Peace Mission exercises",
        ],
    ),
    ("/exercises/peace-mission-2018/", ['href="/countries/pakistan/">Pakistan</a>']),
    ("/exercises/joint-sea-2012/", ['href="/countries/china/">China</a>']),
    ("/exercises/tianshan-i/", ['href="/themes/border-security/"']),
    ("/policies/", ["Shanghai Convention", 'value="KZ"']),
    (
        "/policies/shanghai-convention/",
        [
            '<dd><a href="/countries/china/">China</a>, <a href="/countries/kazakhstan/">'
            'Kazakhstan</a>, <a href="/countries/russia/">Russia</a></dd>',
            'href="/themes/counterterrorism/"',
        ],
    ),
    ("/policies/border-agreement/", ['href="/themes/border-security/"']),
    ("/countries/", ['href="/countries/india/"']),
    ("/countries/china/", ["Peace Mission 2007", "Shanghai Convention"]),
    ("/themes/", ['href="/themes/border-security/"']),
    ("/themes/counterterrorism/", ['href="/series/peace-mission/"', "Host: China, Russia"]),
    ("/series/", ['href="/series/peace-mission/"']),
    ("/series/peace-mission/", ['href="/themes/counterterrorism/"', "<td>China, Russia</td>"]),
    ("/timeline/", ["Joint Sea 2012", "Tianshan-I"]),
    ("/search/?q=security", ["Themes (1)", 'href="/themes/border-security/"']),
    ("/search/?q=ia", ["Countries (2)", 'href="/countries/russia/"']),
    ("/search/?q=a", ['href="/series/peace-mission/"']),
    ("/feed/", ["<title>Exercise: Peace Mission 2007</title>"]),
    ("/sitemap.xml", ["/countries/china/</loc>", "/series/peace-mission/</loc>"]),
]


def assert_no_drafts(page):
    for needle in [*DRAFT_NAMES, *DRAFT_LINKS, *DRAFT_VALUES]:
        assert needle not in page


@pytest.mark.parametrize(("url", "shown"), DOORS)
def test_draft_vocabulary_never_reaches_a_reader_page(client, drafts, url, shown):
    response = client.get(url)
    assert response.status_code == 200
    page = text(response)
    assert_no_drafts(page)
    for needle in shown:
        assert needle in page


def test_exercise_with_a_draft_series_has_no_series_and_no_other_editions(client, drafts):
    ExerciseFactory(
        name="Cyber Drill 2020", start_date=datetime.date(2020, 6, 1), kind="cyber"
    )  # in no series
    page = text(client.get("/exercises/joint-sea-2012/"))
    assert "Cyber Drill 2020" not in page
    assert '<p class="kicker"><a href="/exercises/">Exercises</a></p>' in page
    # Only its draft (scheduled) theme was shared with Border Agreement.
    assert "Treaties and agreements on the same themes" not in page
    assert "Other  exercises" not in page and "Other exercises" not in page


def test_staff_preview_shows_draft_vocabulary_as_readers_see_it(client, drafts):
    client.force_login(StaffFactory())
    page = text(client.get("/exercises/peace-mission-2007/"))
    assert_no_drafts(page)


@pytest.mark.parametrize("url", DRAFT_LINKS)
def test_draft_and_scheduled_vocabulary_pages_are_404_for_readers(client, drafts, url):
    assert client.get(url).status_code == 404


def test_scheduled_vocabulary_appears_once_due(client, drafts):
    from topics.models import Country, ExerciseSeries, Theme

    past = timezone.now() - datetime.timedelta(minutes=1)
    for model in (Country, Theme, ExerciseSeries):
        model.objects.filter(published_at__gt=timezone.now()).update(published_at=past)
    page = text(client.get("/exercises/peace-mission-2007/"))
    assert '<a href="/countries/freedonia/">Freedonia</a>' in page
    assert "Ruritania" not in page  # still a draft
    assert '<a href="/series/mountain-watch/">Mountain Watch</a>' in text(
        client.get("/exercises/tianshan-i/")
    )
    assert 'href="/themes/arctic-security/"' in text(client.get("/topics/peace-mission-exercises/"))


def test_the_home_pages_counts_follow_every_edit_and_are_read_once_per_content_state(client, world):
    """The counts are kept per content state (at 100,000 exercises one took 48 ms of
    every home page); the next edit shows at once."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from topics.models import Topic

    from .factories import TopicFactory

    def articles(**query):
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/", query).content.decode()
        counts = [q for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
        return int(re.search(r"<strong>(\d+)</strong> articles", html)[1]), len(counts)

    shown, _ = articles(junk=1)
    assert shown == Topic.objects.published().count()
    assert articles(junk=2) == (shown, 0)  # kept: no count read again
    TopicFactory(title="A new article")
    assert articles(junk=3) == (shown + 1, 4)  # the content moved on: read again
