"""Pricing an order through the plugins: unit prices, then adjustments.

Every amount a plugin returns is checked here (a ``Decimal``, finite, not negative where a
price is meant) and rounded to the cent with ``ROUND_HALF_UP``, so nothing a plugin gets
wrong reaches the database: the caller's transaction is rolled back with a
:class:`~nexus_catalog.exceptions.PricingError` instead. A plugin that raises is treated the
same way (logged with its traceback); the engine's own errors and database errors pass
through unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pluggy
from django.db import DatabaseError
from django.utils.text import slugify

from nexus_catalog.exceptions import NexusError, PricingError
from nexus_catalog.models import Order, OrderAdjustment, Product
from nexus_catalog.plugins.manager import NexusPluginManager
from nexus_catalog.plugins.types import Adjustment, DraftLine

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
# The largest amount the money columns (12 digits, 2 places) hold.
MAX_AMOUNT = Decimal("9999999999.99")

#: Adjustments the engine adds before the plugins' (shipping, voucher): given the order not
#: yet saved (subtotal set) and its priced lines.
EngineAdjustments = Callable[[Order, Sequence[DraftLine]], Sequence[Adjustment]]
_CODE_MAX = OrderAdjustment._meta.get_field("code").max_length
_LABEL_MAX = OrderAdjustment._meta.get_field("label").max_length


def to_money(value: Decimal) -> Decimal:
    """``value`` rounded to two places, half up (as a till would)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _is_amount(value: Any) -> bool:
    return isinstance(value, Decimal) and value.is_finite()


def unit_price(pm: pluggy.PluginManager, product: Product, quantity: int, user: Any) -> Decimal:
    """The unit price of one line, as the ``nexus_unit_price`` plugins set it.

    :raises PricingError: a plugin raised, no plugin gave a price, or the price is not a
        non-negative ``Decimal``.
    """
    try:
        price = pm.hook.nexus_unit_price(product=product, quantity=quantity, user=user)
    except (NexusError, DatabaseError):
        raise
    except Exception as exc:
        logger.exception("nexus_unit_price failed for product %s", product.pk)
        raise PricingError(f"No valid price for {product.name}: a pricing plugin failed.") from exc
    if not _is_amount(price):
        logger.error("nexus_unit_price gave %r for product %s", price, product.pk)
        raise PricingError(f"No valid price for {product.name}.")
    price = to_money(price)
    if price < 0:
        logger.error("nexus_unit_price gave a negative price %s for product %s", price, product.pk)
        raise PricingError(f"No valid price for {product.name}.")
    return price


def adjustments(
    pm: NexusPluginManager, order: Order, lines: Sequence[DraftLine], user: Any
) -> list[Adjustment]:
    """Every plugin's adjustments, in pluggy's call order, each with ``source`` set to the
    name of the plugin that gave it.

    Each implementation is called on its own (:meth:`NexusPluginManager.call_each
    <nexus_catalog.plugins.manager.NexusPluginManager.call_each>`, whose rule for wrappers
    applies: they are skipped and reported) so that the engine knows which plugin gave
    which adjustment. The first plugin that fails stops the pricing: the ones after it are
    not called.

    :raises PricingError: a plugin raised, or returned something that is not an
        :class:`~nexus_catalog.plugins.types.Adjustment` with a finite ``Decimal`` amount.
    """
    found: list[Adjustment] = []
    kwargs = {"order": order, "lines": lines, "user": user}
    for outcome in pm.call_each("nexus_order_adjustments", kwargs):
        error = outcome.error
        if isinstance(error, (NexusError, DatabaseError)):
            raise error
        if error is not None:
            logger.error(
                "Plugin %s failed in nexus_order_adjustments", outcome.plugin_name, exc_info=error
            )
            raise PricingError("The order could not be priced: a pricing plugin failed.") from error
        for item in outcome.result or ():
            if not isinstance(item, Adjustment) or not _is_amount(item.amount):
                logger.error("Plugin %s gave an invalid adjustment %r", outcome.plugin_name, item)
                raise PricingError("A pricing plugin returned an invalid adjustment.")
            found.append(
                replace(
                    item,
                    code=(slugify(str(item.code)) or "adjustment")[:_CODE_MAX],
                    label=str(item.label)[:_LABEL_MAX],
                    amount=to_money(item.amount),
                    source=outcome.plugin_name,
                )
            )
    return found


def money_total(amount: Decimal) -> Decimal:
    """``amount`` as an order total: rounded, and within what the columns hold.

    :raises PricingError: the total is negative or too large.
    """
    amount = to_money(amount)
    if amount < 0:
        raise PricingError("The adjustments would make the order total negative.")
    if amount > MAX_AMOUNT:
        raise PricingError("The order total is too large.")
    return amount


def price_order(
    pm: NexusPluginManager,
    order: Order,
    lines: Sequence[DraftLine],
    user: Any,
    engine_adjustments: EngineAdjustments | None = None,
) -> list[Adjustment]:
    """Set ``order.subtotal`` and ``order.total`` from the priced ``lines`` and return the
    adjustments: the engine's (``engine_adjustments``: the shipping method and voucher of a
    checkout), then every plugin's (:func:`adjustments`).

    The one pricing of an order, whether it is placed (``place_order``) or only shown (a
    cart read): what a cart shows is what its checkout charges. ``order`` is not saved.

    :raises PricingError: see :func:`adjustments` and :func:`money_total`.
    """
    order.subtotal = money_total(sum((line.line_total for line in lines), Decimal("0")))
    order.total = order.subtotal
    found = list(engine_adjustments(order, lines)) if engine_adjustments else []
    # The plugins see the order before it is saved (no pk), as documented in
    # nexus_order_adjustments: its total is not known until they have answered.
    found.extend(adjustments(pm, order, lines, user))
    order.total = money_total(order.subtotal + sum((a.amount for a in found), Decimal("0")))
    return found
