"""Volume discount: 10% off the unit price of a line ordered 5 times or more."""

from __future__ import annotations

from collections.abc import Generator
from decimal import Decimal
from typing import Any

from nexus_catalog.plugins import hookimpl
from nexus_demo_plugins import to_cents

MIN_QUANTITY = 5
RATE = Decimal("0.10")


def discounted_unit_price(price: Decimal, quantity: int) -> Decimal:
    """The unit price after the volume discount (unchanged under ``MIN_QUANTITY``)."""
    if quantity < MIN_QUANTITY:
        return price
    return to_cents(price * (1 - RATE))


# A wrapper sees the price the other plugins chose (finally the catalog price) and may change
# it, so the discount applies on top of any other pricing plugin.
@hookimpl(wrapper=True)
def nexus_unit_price(
    product: Any, quantity: int, user: Any
) -> Generator[None, Decimal | None, Decimal | None]:
    price = yield
    if price is None:
        return None
    return discounted_unit_price(price, quantity)
