"""What must hold after any traffic, checked on the database itself.

* stock: for every product, its stock plus the units on orders that are not cancelled is
  its starting stock (nothing oversold, nothing lost, every cancel gave its units back);
* ledger: every product's stock is the sum of its inventory movements;
* audit: every order has its ``order.created`` row, and every order that left ``pending``
  has a ``order.transitioned`` row to its current status;
* orders: every order has lines, its subtotal is the sum of its lines and its total the
  subtotal plus its adjustments.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum

from nexus_catalog.models import (
    AuditLog,
    InventoryMovement,
    Order,
    OrderAdjustment,
    OrderLine,
    OrderStatus,
    Product,
)
from nexus_catalog.services.audit import object_type

ORDER_TYPE = object_type(Order())


@dataclass
class Report:
    products: int = 0
    orders: int = 0
    orders_by_status: dict[str, int] = field(default_factory=dict)
    units_on_open_orders: int = 0
    stock_mismatches: dict[int, dict[str, int]] = field(default_factory=dict)
    ledger_mismatches: dict[int, dict[str, int]] = field(default_factory=dict)
    orders_without_created_audit: list[int] = field(default_factory=list)
    orders_without_status_audit: list[int] = field(default_factory=list)
    orders_without_lines: list[int] = field(default_factory=list)
    orders_with_wrong_totals: list[int] = field(default_factory=list)

    @property
    def violations(self) -> int:
        return (
            len(self.stock_mismatches)
            + len(self.ledger_mismatches)
            + len(self.orders_without_created_audit)
            + len(self.orders_without_status_audit)
            + len(self.orders_without_lines)
            + len(self.orders_with_wrong_totals)
        )


def _sums(queryset, key: str, value: str) -> dict:
    return {row[key]: row["total"] for row in queryset.values(key).annotate(total=Sum(value))}


def check(starting_stock: Mapping[int, int]) -> Report:
    report = Report()
    stocks = dict(Product.objects.values_list("pk", "stock"))
    report.products = len(stocks)
    open_units = _sums(
        OrderLine.objects.exclude(order__status=OrderStatus.CANCELLED), "product", "quantity"
    )
    report.units_on_open_orders = sum(open_units.values())
    ledger = _sums(InventoryMovement.objects, "product", "change")
    for pk, stock in stocks.items():
        expected = starting_stock.get(pk, 0)
        if stock + open_units.get(pk, 0) != expected:
            report.stock_mismatches[pk] = {
                "stock": stock,
                "on_open_orders": open_units.get(pk, 0),
                "starting": expected,
            }
        if stock != ledger.get(pk, 0):
            report.ledger_mismatches[pk] = {"stock": stock, "movements": ledger.get(pk, 0)}

    orders = dict(Order.objects.values_list("pk", "status"))
    report.orders = len(orders)
    report.orders_by_status = dict(Counter(orders.values()))
    created: set[int] = set()
    last_status: dict[int, str] = {}
    rows = (
        AuditLog.objects.filter(object_type=ORDER_TYPE)
        .order_by("created_at", "id")
        .values_list("object_id", "action", "after")
    )
    for object_id, action, after in rows:
        if action == "order.created":
            created.add(int(object_id))
        elif action == "order.transitioned":
            last_status[int(object_id)] = after.get("status")
    for pk, status in orders.items():
        if pk not in created:
            report.orders_without_created_audit.append(pk)
        if status != OrderStatus.PENDING and last_status.get(pk) != status:
            report.orders_without_status_audit.append(pk)

    line_totals = _sums(OrderLine.objects, "order", "line_total")
    adjustments = _sums(OrderAdjustment.objects, "order", "amount")
    for pk, subtotal, total in Order.objects.values_list("pk", "subtotal", "total"):
        if pk not in line_totals:
            report.orders_without_lines.append(pk)
            continue
        adjusted = subtotal + adjustments.get(pk, Decimal("0"))
        if subtotal != line_totals[pk] or total != adjusted:
            report.orders_with_wrong_totals.append(pk)
    return report


def movements_by_reason() -> dict[str, int]:
    """How many inventory movements of each reason (for the printed figures)."""
    rows = InventoryMovement.objects.values("reason").annotate(n=Count("id"))
    return {row["reason"]: row["n"] for row in rows.order_by("reason")}
