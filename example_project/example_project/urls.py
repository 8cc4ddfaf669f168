"""URLs of the example project: a landing page, the whole API under /api/, its schema and the
admin."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from drf_yasg import openapi
from drf_yasg.views import get_schema_view
from rest_framework import permissions

from example_project.views import home
from nexus_accounts.api.views import LoginView, RefreshView
from nexus_catalog.api.fallback import api_fallback
from nexus_catalog.api.schema import NexusSchemaGenerator

schema_view = get_schema_view(
    openapi.Info(
        title="django-nexus-commerce API",
        default_version="v1",
        description="Catalog, orders and accounts of the example project.",
    ),
    public=True,
    permission_classes=[permissions.AllowAny],
    generator_class=NexusSchemaGenerator,
)

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("api/auth/", include("nexus_accounts.api.urls")),
    path("api/", include("nexus_catalog.api.urls")),
    # The aliases of the original API: same views as /api/auth/login/ and /refresh/.
    path("api/auth/token/", LoginView.as_view(), name="token_obtain_pair"),
    path("api/auth/token/refresh/", RefreshView.as_view(), name="token_refresh"),
    re_path(
        r"^swagger\.(?P<format>json|yaml)$",
        schema_view.without_ui(cache_timeout=0),
        name="schema-json",
    ),
    path("swagger/", schema_view.with_ui("swagger", cache_timeout=0), name="schema-swagger-ui"),
    path("redoc/", schema_view.with_ui("redoc", cache_timeout=0), name="schema-redoc"),
    # Last: every other path under /api/ is answered in JSON, even with DEBUG=True, where
    # Django would show an HTML page (and an HTML 500 for POST /api/orders, APPEND_SLASH).
    re_path(r"^api(?:/.*)?$", api_fallback),
]

# Product images stored as local files, served by Django in DEBUG only (``static()`` adds
# nothing otherwise): the demo's pictures show in the list, Swagger UI and the admin.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# JSON errors under /api/, Django's HTML pages elsewhere.
handler400 = "nexus_catalog.api.errors.handler400"
handler403 = "nexus_catalog.api.errors.handler403"
handler404 = "nexus_catalog.api.errors.handler404"
handler500 = "nexus_catalog.api.errors.handler500"
