"""The Django floor: a minimal view behind the site's full middleware, then the site itself.

`/bench-floor/<n>` answers n bytes with no database query of its own and no template,
through every middleware in settings.MIDDLEWARE (the page cache's content-version query
and lookup included, as for any anonymous GET). bench/run.py serves it with
bench.settings; the production URLconf (sco_site/urls.py) does not have it.
"""

from django.http import HttpResponse
from django.urls import include, path

CHUNK = b"x" * 65536


def floor(request, size):
    full, rest = divmod(size, len(CHUNK))
    return HttpResponse(CHUNK * full + CHUNK[:rest], content_type="text/html; charset=utf-8")


urlpatterns = [
    path("bench-floor/<int:size>", floor),
    path("", include("sco_site.urls")),
]

handler500 = "sco_site.views.server_error"
