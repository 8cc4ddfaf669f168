"""The catalog API's URLs; a host includes them under ``/api/``::

path("api/", include("nexus_catalog.api.urls"))
"""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import DefaultRouter

from nexus_catalog.api.cart_views import CartViewSet, ShippingMethodViewSet, VoucherViewSet
from nexus_catalog.api.payment_views import (
    OrderPaymentsView,
    OrderRefundsView,
    PaymentCaptureView,
    PaymentWebhookView,
)
from nexus_catalog.api.views import CategoryViewSet, OrderViewSet, ProductViewSet

router = DefaultRouter()
router.register("categories", CategoryViewSet, basename="nexus-category")
router.register("products", ProductViewSet, basename="nexus-product")
router.register("orders", OrderViewSet, basename="nexus-order")
router.register("carts", CartViewSet, basename="nexus-cart")
router.register("shipping-methods", ShippingMethodViewSet, basename="nexus-shipping-method")
router.register("vouchers", VoucherViewSet, basename="nexus-voucher")

urlpatterns = [
    path(
        "orders/<int:order_id>/payments/",
        OrderPaymentsView.as_view(),
        name="nexus-order-payments",
    ),
    path(
        "orders/<int:order_id>/payments/<int:payment_id>/capture/",
        PaymentCaptureView.as_view(),
        name="nexus-payment-capture",
    ),
    path("orders/<int:order_id>/refunds/", OrderRefundsView.as_view(), name="nexus-order-refunds"),
    path(
        "payments/webhooks/<slug:provider>/",
        PaymentWebhookView.as_view(),
        name="nexus-payment-webhook",
    ),
    *router.urls,
]
