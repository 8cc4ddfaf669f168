"""The example project's URLs plus the raw baselines under ``/bench/``."""

from django.urls import path

from benchmarks import baselines
from example_project import urls as project_urls

urlpatterns = [
    path("bench/products/", baselines.product_list, name="bench-product-list"),
    path("bench/products/facets/", baselines.product_facets, name="bench-product-facets"),
    path("bench/products/<int:pk>/", baselines.product_detail, name="bench-product-detail"),
    path("bench/categories/", baselines.category_list, name="bench-category-list"),
    path("bench/orders/", baselines.order_list, name="bench-order-list"),
    path("bench/orders/place/", baselines.order_place, name="bench-order-place"),
    path(
        "bench/orders/place-same-work/",
        baselines.order_place_same_work,
        name="bench-order-place-same-work",
    ),
    *project_urls.urlpatterns,
]

# The project's error views (JSON under /api/), when it defines them.
handler400 = getattr(project_urls, "handler400", "django.views.defaults.bad_request")
handler403 = getattr(project_urls, "handler403", "django.views.defaults.permission_denied")
handler404 = getattr(project_urls, "handler404", "django.views.defaults.page_not_found")
handler500 = getattr(project_urls, "handler500", "django.views.defaults.server_error")
