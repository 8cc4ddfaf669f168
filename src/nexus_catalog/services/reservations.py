"""Cart reservations: units a cart line holds for ``CART_RESERVATION_MINUTES``.

Off by default (``None`` or ``0``): then nothing here runs a query and every caller behaves
as before reservations existed. On, a line added or changed holds its quantity until
``CartLine.reserved_until``; a **live hold** is a line of an *open* cart whose
``reserved_until`` is still in the future. Expiry is only time passing: an expired line
stops counting at once, with no job to free it.

The **available stock** of a product is its stock less the live holds of every cart, or,
for a cart, of every *other* cart (its own holds are its to take). It is never below 0
(a staff edit may lower the stock under the units held).

Why it cannot oversell: every operation that creates or grows a hold, or takes stock,
first locks the product rows (:func:`lock_products`, ``SELECT ... FOR UPDATE`` in
ascending primary key, after the cart row and the voucher row: the lock order of
:mod:`~nexus_catalog.services.checkout`), and only then sums the live holds
(:func:`held_units`). Under READ COMMITTED each statement sees every transaction committed
before it started, and any transaction that could add a hold of these products is either
committed (its hold is seen) or waiting for our lock (it will see our writes).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from nexus_catalog.conf import catalog_settings
from nexus_catalog.models import CartLine, CartStatus, Product


def enabled() -> bool:
    """Whether cart lines hold their units (``CART_RESERVATION_MINUTES`` set, not 0)."""
    return bool(catalog_settings.CART_RESERVATION_MINUTES)


def hold_until(now: datetime | None = None) -> datetime | None:
    """When a hold made now ends; ``None`` when reservations are off."""
    minutes = catalog_settings.CART_RESERVATION_MINUTES
    if not minutes:
        return None
    return (now or timezone.now()) + timedelta(minutes=minutes)


def is_live(line: CartLine, cart_status: str, now: datetime | None = None) -> bool:
    """Whether ``line`` (of a cart in ``cart_status``) holds its units now."""
    return (
        cart_status == CartStatus.OPEN
        and line.reserved_until is not None
        and line.reserved_until > (now or timezone.now())
    )


def _live_holds(now: datetime | None = None) -> Q:
    return Q(reserved_until__gt=now or timezone.now(), cart__status=CartStatus.OPEN)


def held_units(
    product_ids: Iterable[int],
    *,
    exclude_cart: int | None = None,
    now: datetime | None = None,
    using: str | None = None,
) -> dict[int, int]:
    """``{product id: units held}`` by the live holds of every cart but ``exclude_cart``
    (one query; a product nobody holds is absent). Call it after :func:`lock_products`
    when the answer decides a write."""
    ids = list(product_ids)
    if not ids:
        return {}
    lines = CartLine.objects.using(using).filter(_live_holds(now), product_id__in=ids)
    if exclude_cart is not None:
        lines = lines.exclude(cart_id=exclude_cart)
    return dict(
        lines.values("product_id")
        .annotate(held=Sum("quantity"))
        .values_list("product_id", "held")
        .order_by()
    )


def lock_products(product_ids: Iterable[int], *, using: str | None = None) -> None:
    """Lock the product rows, in ascending primary key (the lock order), until the
    transaction ends: no hold of them can be made or grown, nor stock taken, meanwhile."""
    ids = sorted(set(product_ids))
    if ids:
        list(
            Product.objects.using(using)
            .select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def available_stock(stocks: dict[int, int], *, exclude_cart: int | None = None) -> dict[int, int]:
    """``{product id: units available}`` for ``{product id: stock}``: the stock less the
    live holds (of carts other than ``exclude_cart``), never below 0. With reservations
    off, the stock itself, without a query."""
    if not enabled():
        return dict(stocks)
    held = held_units(stocks, exclude_cart=exclude_cart)
    return {pk: max(0, stock - held.get(pk, 0)) for pk, stock in stocks.items()}


def has_units() -> Q:
    """The condition "has units a customer may buy" on a product row: stock, less the live
    holds of every cart when reservations are on (summed by a correlated subquery, so the
    list stays one query)."""
    if not enabled():
        return Q(stock__gt=0)
    held = (
        CartLine.objects.filter(_live_holds(), product_id=OuterRef("pk"))
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values("total")
        .order_by()
    )
    return Q(stock__gt=Coalesce(Subquery(held, output_field=IntegerField()), Value(0)))
