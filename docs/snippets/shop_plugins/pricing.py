"""Wholesale pricing: members of the "wholesale" group pay 15% less than the catalog price."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from nexus_catalog.plugins import hookimpl

WHOLESALE_GROUP = "wholesale"
WHOLESALE_RATE = Decimal("0.85")


@hookimpl
def nexus_unit_price(product: Any, quantity: int, user: Any) -> Decimal | None:
    if not user.groups.filter(name=WHOLESALE_GROUP).exists():
        return None  # not ours to price: the next plugin, finally the catalog price, decides
    return (product.price * WHOLESALE_RATE).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
