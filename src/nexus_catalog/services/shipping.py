"""Shipping methods: which ones a cart may use, and what the chosen one costs.

The offers of a cart are the active :class:`~nexus_catalog.models.ShippingMethod` rows that
serve its country (a row with no countries serves everywhere; without an address, only
those), then whatever the ``nexus_shipping_methods`` plugins offer. The chosen offer
becomes the order adjustment ``shipping`` (source ``nexus.shipping``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction

from nexus_catalog.exceptions import NexusError, ShippingUnavailable
from nexus_catalog.models import ShippingMethod
from nexus_catalog.plugins.manager import get_plugin_manager
from nexus_catalog.plugins.types import Adjustment, ShippingOffer
from nexus_catalog.services import audit
from nexus_catalog.services.audit import AuditContext
from nexus_catalog.services.pricing import to_money

logger = logging.getLogger(__name__)

ADJUSTMENT_CODE = "shipping"
ADJUSTMENT_SOURCE = "nexus.shipping"


def _serves(method: ShippingMethod, address: Mapping[str, str] | None) -> bool:
    if not method.countries:
        return True
    return address is not None and address.get("country") in method.countries


def offers_for(cart: Any, address: Mapping[str, str] | None) -> list[ShippingOffer]:
    """Every way to ship ``cart`` to ``address``: the rows first (cheapest first), then the
    plugins' offers in the order pluggy calls them. A plugin that raises, or an offer that
    is not a :class:`ShippingOffer` with a non-negative ``Decimal`` price, is logged and
    left out; a code already offered is ignored."""
    offers = [
        ShippingOffer(code=m.code, name=m.name, price=m.price, free_over=m.free_over)
        for m in ShippingMethod.objects.filter(is_active=True).order_by("price", "id")
        if _serves(m, address)
    ]
    codes = {offer.code for offer in offers}
    kwargs = {"cart": cart, "address": dict(address) if address else None}
    for outcome in get_plugin_manager().call_each("nexus_shipping_methods", kwargs):
        if outcome.error is not None:
            if isinstance(outcome.error, NexusError):
                raise outcome.error
            logger.error(
                "Plugin %s failed in nexus_shipping_methods",
                outcome.plugin_name,
                exc_info=outcome.error,
            )
            continue
        for offer in outcome.result or ():
            if not _valid_offer(offer):
                logger.error("Plugin %s offered %r", outcome.plugin_name, offer)
                continue
            if offer.code not in codes:
                codes.add(offer.code)
                offers.append(offer)
    return offers


def _valid_offer(offer: Any) -> bool:
    return (
        isinstance(offer, ShippingOffer)
        and isinstance(offer.price, Decimal)
        and offer.price.is_finite()
        and offer.price >= 0
        and bool(offer.code)
    )


def find_offer(cart: Any, address: Mapping[str, str] | None, code: str) -> ShippingOffer:
    """The offer ``code`` for ``cart``.

    :raises ShippingUnavailable: no such offer for this cart and address.
    """
    for offer in offers_for(cart, address):
        if offer.code == code:
            return offer
    if address is None:
        raise ShippingUnavailable(
            f'"{code}" is not available without a shipping address; give one first.'
        )
    raise ShippingUnavailable(f'"{code}" is not available for this cart and address.')


def cost(offer: ShippingOffer, subtotal: Decimal) -> Decimal:
    """What ``offer`` costs for an order of ``subtotal``."""
    if offer.free_over is not None and subtotal >= offer.free_over:
        return Decimal("0.00")
    return to_money(offer.price)


def adjustment(offer: ShippingOffer, subtotal: Decimal) -> Adjustment:
    return Adjustment(
        code=ADJUSTMENT_CODE,
        label=f"Shipping: {offer.name}"[:200],
        amount=cost(offer, subtotal),
        source=ADJUSTMENT_SOURCE,
    )


# -- staff writes ---------------------------------------------------------------------------


def save_method(
    method: ShippingMethod,
    values: Mapping[str, Any],
    *,
    actor: Any,
    context: AuditContext | None = None,
) -> ShippingMethod:
    """Create (``method`` unsaved) or change a shipping method, with its audit row."""
    if "countries" in values:
        values = {**values, "countries": sorted({c.upper() for c in values["countries"]})}
    audit.save_recorded(method, values, name="shipping_method", actor=actor, context=context)
    return method


def delete_method(
    method: ShippingMethod, *, actor: Any, context: AuditContext | None = None
) -> None:
    """Delete a shipping method. Orders keep its code; carts that chose it must choose again."""
    with transaction.atomic():
        audit.record("shipping_method.deleted", method, actor=actor, context=context)
        method.delete()
