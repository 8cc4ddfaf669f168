"""An example-like URLconf for the schema tests: the accounts API and ``/swagger.json``."""

from django.urls import include, path
from drf_yasg import openapi
from drf_yasg.views import get_schema_view
from rest_framework import permissions

schema_view = get_schema_view(
    openapi.Info(title="accounts", default_version="v1"),
    public=True,
    permission_classes=[permissions.AllowAny],
)

urlpatterns = [
    path("api/auth/", include("nexus_accounts.api.urls")),
    path("swagger.json", schema_view.without_ui(cache_timeout=0), name="schema-json"),
]
