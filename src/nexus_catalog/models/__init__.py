from nexus_catalog.models.audit import AuditLog
from nexus_catalog.models.carts import Cart, CartLine, CartStatus
from nexus_catalog.models.catalog import Category, Product, ProductImage
from nexus_catalog.models.idempotency import IdempotencyRecord
from nexus_catalog.models.inventory import InventoryMovement
from nexus_catalog.models.orders import (
    Order,
    OrderAddress,
    OrderAdjustment,
    OrderLine,
    OrderStatus,
)
from nexus_catalog.models.payments import (
    CAPTURED_STATUSES,
    IN_FLIGHT,
    Payment,
    PaymentEvent,
    PaymentStatus,
)
from nexus_catalog.models.search import ProductSearchDocument
from nexus_catalog.models.shipping import ShippingMethod
from nexus_catalog.models.vouchers import Voucher, VoucherKind, VoucherRedemption

__all__ = [
    "CAPTURED_STATUSES",
    "IN_FLIGHT",
    "AuditLog",
    "Cart",
    "CartLine",
    "CartStatus",
    "Category",
    "IdempotencyRecord",
    "InventoryMovement",
    "Order",
    "OrderAddress",
    "OrderAdjustment",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentEvent",
    "PaymentStatus",
    "Product",
    "ProductImage",
    "ProductSearchDocument",
    "ShippingMethod",
    "Voucher",
    "VoucherKind",
    "VoucherRedemption",
]
