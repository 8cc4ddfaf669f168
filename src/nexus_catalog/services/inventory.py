"""The stock ledger: every change of ``Product.stock`` goes through here.

Each function changes the stock column and writes the matching
:class:`~nexus_catalog.models.InventoryMovement` in the caller's transaction, so that
``product.stock == sum(movements.change)`` holds at every commit. Stock is taken with a
conditional ``UPDATE ... WHERE stock >= n``: together with the ``stock >= 0`` check
constraint, no interleaving of transactions can oversell.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F

from nexus_catalog.conf import catalog_settings
from nexus_catalog.exceptions import OrderValidationError
from nexus_catalog.models import InventoryMovement, OrderLine, Product
from nexus_catalog.models.inventory import MovementReason
from nexus_catalog.services import audit
from nexus_catalog.services.audit import AuditContext


class InsufficientStock(OrderValidationError):
    """Less stock than asked for (a quantity over stock, or a manual adjustment below zero)."""


def can_take_stock(connection: BaseDatabaseWrapper) -> bool:
    """Whether the database runs the ``UPDATE ... RETURNING`` of :func:`take_stock`:
    PostgreSQL, and SQLite from 3.35 (MySQL and MariaDB have no ``UPDATE ... RETURNING``).
    The system check ``nexus_catalog.E006`` reports a database that does not."""
    if connection.vendor == "postgresql":
        return True
    return connection.vendor == "sqlite" and connection.Database.sqlite_version_info >= (3, 35)


@functools.cache
def _take_sql(using: str, fields: frozenset[str]) -> str:
    """The conditional ``UPDATE ... RETURNING`` of :func:`take_stock`, written once per
    database alias and set of returned fields from the model's metadata."""
    quote = connections[using].ops.quote_name
    column = {f.attname: quote(f.column) for f in Product._meta.concrete_fields}
    stock, pk, active = column["stock"], column["id"], column["is_active"]
    parent = column["is_parent"]
    returned = [column[f.attname] for f in Product._meta.concrete_fields if f.attname in fields]
    return (
        f"UPDATE {quote(Product._meta.db_table)} SET {stock} = {stock} - %s "
        f"WHERE {pk} = %s AND {active} AND NOT {parent} AND {stock} >= %s "
        f"RETURNING {', '.join(returned)}"
    )


def take_stock(
    product_id: int, quantity: int, *, fields: Sequence[str], using: str, keep: int = 0
) -> Product | None:
    """Take ``quantity`` units of an active, purchasable product for an order being placed
    (a parent of variants is never purchasable: its variants are).

    One conditional ``UPDATE ... SET stock = stock - n WHERE id = %s AND stock >= n AND
    is_active AND NOT is_parent RETURNING ...``: it checks, takes and locks the row (until the transaction
    ends) in one short statement, so no interleaving of transactions can oversell. It is
    the one hand-written statement of the write path: the ORM's ``update()`` cannot return
    the row it changed. PostgreSQL and SQLite (3.35 or later) run it; the system check
    ``nexus_catalog.E006`` refuses other databases.

    ``keep``: units that must stay in stock after this take (those other carts hold, with
    reservations on): the condition becomes ``stock >= n + keep``.

    Returns the product with ``fields`` (and ``id``) loaded and ``stock`` as it was
    *before* the units were taken (what the pricing and validation hooks have always been
    shown), or ``None`` when it is unknown, inactive or short of stock, in which case
    nothing changed (:func:`unavailable_reason` then says why). The caller writes the ledger rows (:func:`order_movements`) with the
    order's lines.
    """
    # RawQuerySet needs the primary key among the columns it loads.
    sql = _take_sql(using, frozenset({"id", *fields}))
    # raw() applies the database's converters (SQLite's decimals and booleans).
    params = [quantity, product_id, quantity + keep]
    taken = list(Product.objects.using(using).raw(sql, params))
    if not taken:
        return None
    [product] = taken
    product.stock += quantity
    return product


def unavailable_reason(product: Product) -> str | None:
    """Why ``product`` cannot be sold at all, whatever the quantity (None when it can): the
    rule :func:`take_stock` applies, in words, for the message of a refused item. Needs
    ``name``, ``is_active`` and ``is_parent`` loaded."""
    if not product.is_active:
        return f"{product.name} is not available."
    if product.is_parent:
        return f"{product.name} has variants: order one of them."
    return None


def order_movements(lines: Sequence[OrderLine], *, actor: Any = None) -> list[InventoryMovement]:
    """The ledger rows, not yet saved, of stock already taken by :func:`take_stock`: one
    ``order`` movement per line (the lines are saved: each movement points to its line)."""
    return [
        InventoryMovement(
            product_id=line.product_id,
            change=-line.quantity,
            reason=MovementReason.ORDER,
            order_line=line,
            actor=_user_or_none(actor),
        )
        for line in lines
    ]


def return_stock(line: OrderLine, *, actor: Any = None) -> InventoryMovement:
    """Give back the units of a line of a cancelled order."""
    Product.objects.filter(pk=line.product_id).update(stock=F("stock") + line.quantity)
    return InventoryMovement.objects.create(
        product_id=line.product_id,
        change=line.quantity,
        reason=MovementReason.CANCEL,
        order_line=line,
        actor=_user_or_none(actor),
    )


class StockLimitExceeded(OrderValidationError):
    """A staff edit would raise the stock past ``MAX_STOCK`` (400 on ``stock``)."""


def _stock_limit_exceeded(stock: int) -> StockLimitExceeded:
    limit = catalog_settings.MAX_STOCK
    return StockLimitExceeded({"stock": [f"At most {limit} units (MAX_STOCK); {stock} asked for."]})


def adjust_stock(
    product: Product,
    change: int,
    *,
    reason: str,
    actor: Any,
    note: str = "",
    context: AuditContext | None = None,
) -> InventoryMovement:
    """Add ``change`` (negative to remove) to the product's stock, by hand or on a restock.

    The row is locked, so the ``before`` of the audit row is exact. ``product.stock`` is
    refreshed on the instance passed in.

    :raises InsufficientStock: the stock would fall below zero; nothing is changed.
    :raises StockLimitExceeded: a rise would take the stock past ``MAX_STOCK``, which keeps
        room in the column for the units of open orders to come back (a lowering is always
        allowed, so stock written past the bound can be brought under it).
    """
    if isinstance(change, bool) or not isinstance(change, int) or change == 0:
        raise ValueError(f"A stock change is a non-zero integer, not {change!r}.")
    if reason not in MovementReason.values:
        raise ValueError(f"Unknown movement reason {reason!r}.")
    with transaction.atomic():
        locked = Product.objects.select_for_update().only("id", "stock").get(pk=product.pk)
        if locked.stock + change < 0:
            raise InsufficientStock(
                {"stock": [f"Cannot remove {-change} units: only {locked.stock} in stock."]}
            )
        if change > 0 and locked.stock + change > catalog_settings.MAX_STOCK:
            raise _stock_limit_exceeded(locked.stock + change)
        Product.objects.filter(pk=product.pk).update(stock=F("stock") + change)
        movement = InventoryMovement.objects.create(
            product_id=product.pk,
            change=change,
            reason=reason,
            actor=_user_or_none(actor),
            note=note[:255],
        )
        product.stock = locked.stock + change
        audit.record(
            "product.stock_adjusted",
            product,
            actor=actor,
            before={"stock": locked.stock},
            after={"stock": product.stock, "reason": reason, "note": note[:255]},
            context=context,
        )
    return movement


def set_stock(
    product: Product,
    stock: int,
    *,
    actor: Any,
    note: str = "",
    context: AuditContext | None = None,
) -> InventoryMovement | None:
    """Bring the product's stock to ``stock`` with one movement (``restock`` when it rises,
    ``adjustment`` when it falls); ``None`` when it already is ``stock``.

    The difference is computed under the row lock, so an order placed meanwhile is not
    overwritten: the stock ends at ``stock`` and the ledger records the real difference.

    :raises StockLimitExceeded: ``stock`` is over ``MAX_STOCK``; nothing is changed.
    """
    if isinstance(stock, bool) or not isinstance(stock, int) or stock < 0:
        raise ValueError(f"Stock is a non-negative integer, not {stock!r}.")
    if stock > catalog_settings.MAX_STOCK:
        raise _stock_limit_exceeded(stock)
    with transaction.atomic():
        current = Product.objects.select_for_update().values_list("stock", flat=True)
        change = stock - current.get(pk=product.pk)
        if change == 0:
            product.stock = stock
            return None
        reason = MovementReason.RESTOCK if change > 0 else MovementReason.ADJUSTMENT
        return adjust_stock(product, change, reason=reason, actor=actor, note=note, context=context)


def _user_or_none(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
