from nexus_catalog.models.audit import AuditLog
from nexus_catalog.models.catalog import Category, Product
from nexus_catalog.models.idempotency import IdempotencyRecord
from nexus_catalog.models.inventory import InventoryMovement
from nexus_catalog.models.orders import Order, OrderAdjustment, OrderLine, OrderStatus
from nexus_catalog.models.payments import (
    CAPTURED_STATUSES,
    IN_FLIGHT,
    Payment,
    PaymentEvent,
    PaymentStatus,
)

__all__ = [
    "CAPTURED_STATUSES",
    "IN_FLIGHT",
    "AuditLog",
    "Category",
    "IdempotencyRecord",
    "InventoryMovement",
    "Order",
    "OrderAdjustment",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentEvent",
    "PaymentStatus",
    "Product",
]
