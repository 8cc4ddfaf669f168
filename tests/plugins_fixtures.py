"""Plugins used by the catalog tests: each does one thing a real plugin might."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nexus_catalog.exceptions import OrderRefused, TransitionVetoed
from nexus_catalog.plugins import hookimpl
from nexus_catalog.plugins.types import Adjustment


class Adjusting:
    """Adds the adjustments it was given to every order."""

    def __init__(self, *adjustments: Adjustment) -> None:
        self.adjustments = adjustments

    @hookimpl
    def nexus_order_adjustments(self, order: Any, lines: Any, user: Any) -> list[Adjustment]:
        return list(self.adjustments)


class PriceList:
    """Sets every unit price to ``price`` (whatever type it is, to test the engine's checks)."""

    def __init__(self, price: Any) -> None:
        self.price = price

    @hookimpl
    def nexus_unit_price(self, product: Any, quantity: int, user: Any) -> Any:
        return self.price


class TenPercentOff:
    """A class plugin listed in ``NEXUS_CATALOG["PLUGINS"]``: 10% off every subtotal."""

    @hookimpl
    def nexus_order_adjustments(self, order: Any, lines: Any) -> list[Adjustment]:
        return [Adjustment("ten-off", "10% off", -(order.subtotal * Decimal("0.10")))]


class Refusing:
    """Refuses every order."""

    message = "We are closed for inventory."

    @hookimpl
    def nexus_order_validate(self, user: Any, lines: Any) -> None:
        raise OrderRefused(self.message, field="items")


class Vetoing:
    """Vetoes every status change."""

    message = "Payments are frozen."

    @hookimpl
    def nexus_order_pre_transition(self, order: Any, source: str, target: str, actor: Any) -> None:
        raise TransitionVetoed(self.message)


class Recording:
    """Records the after-commit hooks it receives."""

    def __init__(self) -> None:
        self.created: list[int] = []
        self.transitioned: list[tuple[int, str, str]] = []

    @hookimpl
    def nexus_order_created(self, order: Any) -> None:
        self.created.append(order.pk)

    @hookimpl
    def nexus_order_transitioned(self, order: Any, source: str, target: str) -> None:
        self.transitioned.append((order.pk, source, target))


class Crashing:
    """Raises in every after-commit hook."""

    @hookimpl
    def nexus_order_created(self, order: Any) -> None:
        raise RuntimeError("boom")

    @hookimpl
    def nexus_order_transitioned(self, order: Any) -> None:
        raise RuntimeError("boom")
