import logging

from django.db import connection
from django.http import HttpResponsePermanentRedirect, HttpResponseServerError, JsonResponse
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from topics.page_cache import cache_status

from .logs import current_request_id

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """200 while the database answers, 503 when it does not; no details either way.

    A cache that fails only slows pages down (they are rendered without it), so it
    shows as "degraded" without failing the probe.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("health check: database unreachable")
        return JsonResponse(
            {"status": "unavailable", "database": "unavailable", "cache": cache_status()},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok", "cache": cache_status()})


def server_error(request):
    """The 500 page: static apart from the request id, so it cannot fail in turn."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"request_id": current_request_id()}))


def favicon(request):
    # Resolved per request: the hashed name exists only once collectstatic has run.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
