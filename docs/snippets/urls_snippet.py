# django-nexus-commerce: append to the urls.py that `django-admin startproject` wrote.
from django.urls import include, path
from drf_yasg import openapi
from drf_yasg.views import get_schema_view
from rest_framework import permissions

schema_view = get_schema_view(
    openapi.Info(title="Shop API", default_version="v1"),
    public=True,
    permission_classes=[permissions.AllowAny],
)

urlpatterns += [
    path("api/auth/", include("nexus_accounts.api.urls")),
    path("api/", include("nexus_catalog.api.urls")),
    path("swagger.json", schema_view.without_ui(cache_timeout=0), name="schema-json"),
    path("swagger/", schema_view.with_ui("swagger", cache_timeout=0), name="schema-swagger-ui"),
    path("redoc/", schema_view.with_ui("redoc", cache_timeout=0), name="schema-redoc"),
]
