"""The catalog API's URLs; a host includes them under ``/api/``::

path("api/", include("nexus_catalog.api.urls"))
"""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from nexus_catalog.api.cart_views import CartViewSet, ShippingMethodViewSet, VoucherViewSet
from nexus_catalog.api.views import CategoryViewSet, OrderViewSet, ProductViewSet

router = DefaultRouter()
router.register("categories", CategoryViewSet, basename="nexus-category")
router.register("products", ProductViewSet, basename="nexus-product")
router.register("orders", OrderViewSet, basename="nexus-order")
router.register("carts", CartViewSet, basename="nexus-cart")
router.register("shipping-methods", ShippingMethodViewSet, basename="nexus-shipping-method")
router.register("vouchers", VoucherViewSet, basename="nexus-voucher")

urlpatterns = router.urls
