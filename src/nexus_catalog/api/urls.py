"""The catalog API's URLs; a host includes them under ``/api/``::

path("api/", include("nexus_catalog.api.urls"))
"""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from nexus_catalog.api.views import CategoryViewSet, OrderViewSet, ProductViewSet

router = DefaultRouter()
router.register("categories", CategoryViewSet, basename="nexus-category")
router.register("products", ProductViewSet, basename="nexus-product")
router.register("orders", OrderViewSet, basename="nexus-order")

urlpatterns = router.urls
