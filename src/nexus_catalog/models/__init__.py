from nexus_catalog.models.audit import AuditLog
from nexus_catalog.models.catalog import Category, Product, ProductImage
from nexus_catalog.models.idempotency import IdempotencyRecord
from nexus_catalog.models.inventory import InventoryMovement
from nexus_catalog.models.orders import Order, OrderAdjustment, OrderLine, OrderStatus

__all__ = [
    "AuditLog",
    "Category",
    "IdempotencyRecord",
    "InventoryMovement",
    "Order",
    "OrderAdjustment",
    "OrderLine",
    "OrderStatus",
    "Product",
    "ProductImage",
]
