"""Flat tax: 8% of the order subtotal, which already includes the volume discount."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from nexus_catalog.plugins import hookimpl
from nexus_catalog.plugins.types import Adjustment, DraftLine
from nexus_demo_plugins import to_cents

RATE = Decimal("0.08")


def tax_for(subtotal: Decimal) -> Decimal:
    return to_cents(subtotal * RATE)


@hookimpl
def nexus_order_adjustments(order: Any, lines: Sequence[DraftLine], user: Any) -> list[Adjustment]:
    subtotal = sum((line.line_total for line in lines), Decimal("0"))
    return [Adjustment(code="tax", label="Tax (8%)", amount=tax_for(subtotal))]
