"""Pages show a bounded number of related records, with a link to all of them in a list."""

import json
import re

from django.core.management import call_command

from topics.downloads import DownloadMixin
from topics.models import Country, Exercise, Participation, Policy
from topics.views import RELATED_LIMIT, TimelineView


def generate(**counts):
    call_command("generate_scale_data", verbosity=0, **counts)


def text(response):
    assert response.status_code == 200
    return response.content.decode()


def exercise_links(html):
    return re.findall(r'href="/exercises/(synthetic-exercise-\d+)/"', html)


def section(html, heading_id):
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_a_country_page_lists_its_latest_exercises_and_links_to_all(client, db):
    generate(exercises=300, policies=120)
    newest = Exercise.objects.published().with_country(Country.objects.get(iso_code="XA"))
    total = newest.count()
    assert total > RELATED_LIMIT
    html = text(client.get("/countries/synthetic-country-xa/"))
    exercises = section(html, "exercises-heading")
    assert exercise_links(exercises) == [e.slug for e in newest[:RELATED_LIMIT]]
    assert f"Exercises ({total})" in exercises
    roles = Participation.objects.filter(country__iso_code="XA")
    taking_part = roles.filter(role__in=["host", "participant"]).count()
    assert 0 < taking_part < total == roles.count()
    link = f'<a href="/exercises/?country=XA">All {taking_part} exercises as host or participant'
    assert link in exercises
    # The list it links to finds exactly as many.
    listed = text(client.get("/exercises/?country=XA"))
    assert f'<p class="result-count" role="status"><strong>{taking_part}</strong>' in listed
    parties = Policy.objects.published().filter(party_links__country__iso_code="XA")
    documents = section(html, "policies-heading")
    assert len(re.findall(r'href="/policies/synthetic-policy-', documents)) == RELATED_LIMIT
    assert f'<a href="/policies/?party=XA">All {parties.count()} treaties' in documents


def test_a_theme_page_lists_the_latest_and_links_to_the_filtered_lists(client, db):
    generate(exercises=200, policies=200)
    html = text(client.get("/themes/synthetic-theme-1/"))
    themed = Exercise.objects.published().filter(theme_links__theme__slug="synthetic-theme-1")
    shown = exercise_links(section(html, "t-exercises"))
    assert shown == [e.slug for e in themed[:RELATED_LIMIT]]
    assert f'<a href="/exercises/?theme=synthetic-theme-1">All {themed.count()} exercises' in html
    assert '<a href="/policies/?theme=synthetic-theme-1">All ' in html


def test_a_series_page_lists_its_latest_editions(client, db):
    generate(exercises=1500)
    editions = Exercise.objects.published().filter(series__slug="synthetic-series-1")
    assert editions.count() > RELATED_LIMIT
    html = text(client.get("/series/synthetic-series-1/"))
    assert (
        exercise_links(html)
        == [e.slug for e in editions.order_by("-start_date", "name")][:RELATED_LIMIT]
    )
    assert f'href="/exercises/?series=synthetic-series-1">All {editions.count()} exercises' in html
    # An edition's page: the other editions, bounded too.
    first = editions.order_by("start_date").first()
    page = text(client.get(first.get_absolute_url()))
    others = editions.exclude(pk=first.pk).count()
    assert f"All {others} other exercises in this series" in page


def test_few_related_records_have_no_link(client, world):
    html = text(client.get("/countries/china/"))
    assert "All " not in section(html, "exercises-heading")
    assert "Exercises (4)" in html


def test_the_timeline_pages_through_everything_once_by_whole_years(client, db):
    generate(exercises=500, policies=50)
    seen, url, pages = [], "/timeline/", 0
    while url:
        html = text(client.get(url))
        events = re.findall(r'href="/(?:exercises|policies)/(synthetic-[\w-]+)/"', html)
        assert len(events) <= TimelineView.page_size
        seen += events
        pages += 1
        later = re.search(r'<a href="\?from=(\d+)" rel="next">', html)
        url = f"/timeline/?from={later.group(1)}" if later else ""
    assert pages >= 3
    assert sorted(seen) == sorted(
        [
            *Exercise.objects.values_list("slug", flat=True),
            *Policy.objects.values_list("slug", flat=True),
        ]
    )
    assert len(seen) == len(set(seen)) == 550


def test_the_timeline_cuts_a_year_too_full_for_a_page(client, db, monkeypatch):
    monkeypatch.setattr(TimelineView, "page_size", 5)
    generate(exercises=200)
    year = Exercise.objects.order_by("start_date").first().start_date.year
    html = text(client.get(f"/timeline/?from={year}&show=exercises"))
    assert len(exercise_links(html)) == 5
    assert f"{year} has more than fit on one page" in html
    assert f"/exercises/?year_from={year}&amp;year_to={year}&amp;sort=date" in html
    assert f'href="?show=exercises&amp;from={year + 1}" rel="next"' in html
    assert client.get("/timeline/?from=abc").status_code == 200


def test_a_download_holds_at_most_the_limit_and_says_so(client, db, monkeypatch):
    monkeypatch.setattr(DownloadMixin, "limit", 7)
    generate(exercises=10)
    response = client.get("/exercises/export.json")
    data = json.loads(response.content)
    assert data["count"] == len(data["results"]) == 7
    newest = Exercise.objects.published()[:7]
    assert [row["slug"] for row in data["results"]] == [e.slug for e in newest]
    assert data["notices"] == [
        "This download holds the first 7 records of the list; narrow the filters "
        "(e.g. by year) to download the others."
    ]
    assert response["X-Download-Truncated"] == "first 7 records"
    csv = client.get("/exercises/export.csv")
    assert len(csv.content.decode().strip().splitlines()) == 8  # the header and 7 rows
    assert csv["X-Download-Truncated"] == "first 7 records"
    whole = client.get("/exercises/export.json?kind=naval")
    assert "X-Download-Truncated" not in whole
