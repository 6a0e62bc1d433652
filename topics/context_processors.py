from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.urls import reverse

# The main navigation: each section's list page (a URL name in topics/urls.py).
NAV_SECTIONS = [
    ("topic-list", "Topics"),
    ("exercise-list", "Exercises"),
    ("policy-list", "Policies"),
    ("country-list", "Countries"),
    ("theme-list", "Themes"),
    ("series-list", "Series"),
    ("timeline", "Timeline"),
    ("about", "About"),
]


def site(request):
    """Site name, main navigation and this page's canonical address for base.html."""
    try:
        canonical_url = request.build_absolute_uri(request.path)
    except DisallowedHost:  # rendering the 400 page for a bad Host header
        canonical_url = ""
    nav_sections = [(name, reverse(f"topics:{name}"), label) for name, label in NAV_SECTIONS]
    # A page is in the section whose address its own starts with: an exercise's
    # page, a download of the list, or a 404 under /exercises/ are in Exercises.
    current_section = next(
        (name for name, url, _ in nav_sections if request.path.startswith(url)), None
    )
    return {
        "canonical_url": canonical_url,
        "current_section": current_section,
        "site_name": "SCO Military Cooperation Reference",
        "corrections_url": settings.CORRECTIONS_URL,
        "nav_sections": nav_sections,
    }
