# django-nexus-commerce: append to the urls.py that `django-admin startproject` wrote.
from django.urls import include, path, re_path
from drf_yasg import openapi
from drf_yasg.views import get_schema_view
from rest_framework import permissions

from nexus_catalog.api.fallback import api_fallback
from nexus_catalog.api.schema import NexusSchemaGenerator

schema_view = get_schema_view(
    openapi.Info(title="Shop API", default_version="v1"),
    public=True,
    permission_classes=[permissions.AllowAny],
    generator_class=NexusSchemaGenerator,
)

urlpatterns += [
    path("api/auth/", include("nexus_accounts.api.urls")),
    path("api/", include("nexus_catalog.api.urls")),
    path("swagger.json", schema_view.without_ui(cache_timeout=0), name="schema-json"),
    path("swagger/", schema_view.with_ui("swagger", cache_timeout=0), name="schema-swagger-ui"),
    path("redoc/", schema_view.with_ui("redoc", cache_timeout=0), name="schema-redoc"),
    # Last: every other path under /api/ is answered in JSON, even with DEBUG on: a JSON 404,
    # or for a path without its trailing slash a redirect to it (POST /api/orders: a 308).
    re_path(r"^api(?:/.*)?$", api_fallback),
]

# JSON errors in DRF's shape under /api/, Django's own pages elsewhere (used with DEBUG off).
handler400 = "nexus_catalog.api.errors.handler400"  # an oversize body is a JSON 413
handler403 = "nexus_catalog.api.errors.handler403"
handler404 = "nexus_catalog.api.errors.handler404"
handler500 = "nexus_catalog.api.errors.handler500"  # a database outage is a JSON 503
