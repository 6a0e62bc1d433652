from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from topics import api
from topics.sitemaps import SITEMAPS, sitemap
from topics.views import content_health

from . import views

urlpatterns = [
    # Before the admin's own URLs, whose catch-all would take "content-health/".
    path(
        f"{settings.ADMIN_URL}content-health/",
        admin.site.admin_view(content_health),
        name="admin-content-health",
    ),
    path(settings.ADMIN_URL, admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    # Browsers and the admin ask for /favicon.ico whatever the page says.
    path("favicon.ico", views.favicon),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
    ),
    # The JSON API (topics/api.py) and its OpenAPI schema (?format=json or YAML).
    path("api/", api.ApiDocsView.as_view(), name="api-docs"),
    path("api/v1/schema/", api.SchemaView.as_view(), name="api-schema"),
    path("api/v1/", include(api.router.urls)),
    path("", include("topics.urls")),
]

handler500 = "sco_site.views.server_error"
