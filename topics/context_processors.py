from django.conf import settings
from django.core.exceptions import DisallowedHost


def site(request):
    """Site name, main navigation and this page's canonical address for base.html."""
    try:
        canonical_url = request.build_absolute_uri(request.path)
    except DisallowedHost:  # rendering the 400 page for a bad Host header
        canonical_url = ""
    return {
        "canonical_url": canonical_url,
        "current_section": request.path.strip("/").split("/")[0],
        "site_name": "SCO Military Cooperation Reference",
        "corrections_url": settings.CORRECTIONS_URL,
        "nav_sections": [
            ("topics", "/topics/", "Topics"),
            ("exercises", "/exercises/", "Exercises"),
            ("policies", "/policies/", "Policies"),
            ("countries", "/countries/", "Countries"),
            ("themes", "/themes/", "Themes"),
            ("series", "/series/", "Series"),
            ("timeline", "/timeline/", "Timeline"),
            ("about", "/about/", "About"),
        ],
    }
