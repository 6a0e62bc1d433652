from django.conf import settings


def site(request):
    """Site name and main navigation for base.html."""
    return {
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
