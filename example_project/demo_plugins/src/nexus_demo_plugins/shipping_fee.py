"""Shipping fee: 4.99 for an order under 50.00, free from 50.00 on; none when the order
has a shipping method (a cart checked out with one), which prices the shipping itself."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from nexus_catalog.plugins import hookimpl
from nexus_catalog.plugins.types import Adjustment, DraftLine

FEE = Decimal("4.99")
FREE_FROM = Decimal("50.00")


def shipping_for(subtotal: Decimal) -> Decimal:
    return Decimal("0.00") if subtotal >= FREE_FROM else FEE


@hookimpl
def nexus_order_adjustments(order: Any, lines: Sequence[DraftLine], user: Any) -> list[Adjustment]:
    if getattr(order, "shipping_method", ""):
        return []
    subtotal = sum((line.line_total for line in lines), Decimal("0"))
    fee = shipping_for(subtotal)
    if not fee:
        return []
    return [Adjustment(code="shipping", label="Shipping (free from 50.00)", amount=fee)]
