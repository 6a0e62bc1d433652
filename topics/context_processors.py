from django.conf import settings
from django.core.exceptions import DisallowedHost

from .models.publishing import page_url

# The main navigation: each section's list page (a URL name in topics/urls.py).
NAV_SECTIONS = [
    ("topic-list", "Topics"),
    ("exercise-list", "Exercises"),
    ("policy-list", "Policies"),
    ("body-list", "Bodies"),
    ("country-list", "Countries"),
    ("theme-list", "Themes"),
    ("series-list", "Series"),
    ("timeline", "Timeline"),
    ("glossary", "Glossary"),
    ("about", "About"),
]
# Pages with no tab of their own, and the section they belong to.
ALSO_IN_SECTION = {"meeting-list": "body-list"}


def site(request):
    """Site name, main navigation and this page's canonical address for base.html."""
    try:
        canonical_url = request.build_absolute_uri(request.path)
    except DisallowedHost:  # rendering the 400 page for a bad Host header
        canonical_url = ""
    nav_sections = [(name, page_url(f"topics:{name}"), label) for name, label in NAV_SECTIONS]
    # A page is in the section whose address its own starts with: an exercise's
    # page, a download of the list, or a 404 under /exercises/ are in Exercises.
    prefixes = [(name, url) for name, url, _ in nav_sections]
    prefixes += [(name, page_url(f"topics:{page}")) for page, name in ALSO_IN_SECTION.items()]
    current_section = next((name for name, url in prefixes if request.path.startswith(url)), None)
    return {
        "canonical_url": canonical_url,
        "current_section": current_section,
        "site_name": "SCO Military Cooperation Reference",
        "corrections_url": settings.CORRECTIONS_URL,
        "nav_sections": nav_sections,
    }
