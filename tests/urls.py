from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("nexus_accounts.api.urls")),
    path("api/", include("nexus_catalog.api.urls")),
    path("api/_test/", include("tests.idempotency.urls")),
]

handler400 = "nexus_catalog.api.errors.handler400"
handler404 = "nexus_catalog.api.errors.handler404"
handler500 = "nexus_catalog.api.errors.handler500"
