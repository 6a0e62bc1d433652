from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    # Browsers and the admin ask for /favicon.ico whatever the page says.
    path("favicon.ico", views.favicon),
    path("", include("topics.urls")),
]

handler500 = "sco_site.views.server_error"
