"""Placing orders and moving them through their statuses.

:func:`place_order` checks everything before it writes anything, prices every line on the
server (through the pricing plugins), and takes the stock, stores the order and writes its
audit row in one transaction; :func:`transition_order` moves an order along
:data:`TRANSITIONS` and gives the stock back when it is cancelled.

Lock order, so that two transactions never wait on each other in a cycle: an order row
first (transitions), then product rows in ascending primary key (placing takes them with
one ``UPDATE ... RETURNING`` per product in that order; a cancel gives stock back in the
same order). With cart reservations on, placing first locks the product rows in that same
order, then sums the carts' live holds, so units another cart holds are never taken
(:mod:`~nexus_catalog.services.reservations`).

Placing writes through the ORM on every database (``save()`` for the order and its audit
row, ``bulk_create()`` for its adjustments, lines and ledger rows): the conditional
``UPDATE ... RETURNING`` of :func:`~nexus_catalog.services.inventory.take_stock` is the
one hand-written statement, because it is the oversell guarantee.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import router, transaction

from nexus_catalog.conf import STOCK_COLUMN_MAX, catalog_settings
from nexus_catalog.exceptions import (
    OrderTransitionDenied,
    OrderValidationError,
    TransitionForbidden,
)
from nexus_catalog.models import (
    InventoryMovement,
    Order,
    OrderAddress,
    OrderAdjustment,
    OrderLine,
    OrderStatus,
    Product,
)
from nexus_catalog.plugins.manager import get_plugin_manager
from nexus_catalog.plugins.types import DraftLine
from nexus_catalog.services import audit, inventory, pricing, refunds, reservations
from nexus_catalog.services.audit import AuditContext, GuestActor
from nexus_catalog.services.lifecycle import call_after_commit

#: The state machine: each status and the statuses it may move to.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}

TEXT_MAX_LENGTH = {
    "note": Order._meta.get_field("note").max_length,
    "shipping_address": Order._meta.get_field("shipping_address").max_length,
}


@dataclass(frozen=True)
class CheckoutDetails:
    """What a checkout stores on the order besides its items: the e-mail, the shipping
    method's code, the structured addresses (dicts of the accounts' ``ADDRESS_FIELDS``,
    validated by the caller), the engine's adjustments (shipping, voucher) computed
    from the priced lines, and for a guest order (no user) the hash of its secret
    (:func:`nexus_catalog.services.guest.new_secret`)."""

    email: str = ""
    shipping_method: str = ""
    shipping_postal_address: Mapping[str, str] | None = None
    billing_postal_address: Mapping[str, str] | None = None
    adjustments: pricing.EngineAdjustments | None = None
    #: The primary key of the cart being checked out: with reservations on, its own live
    #: holds are its to take (every other cart's stay held).
    cart_id: int | None = None
    guest_secret_hash: str | None = None


def place_order(
    user: Any,
    items: Sequence[Mapping[str, Any]],
    *,
    note: str = "",
    shipping_address: str = "",
    details: CheckoutDetails | None = None,
    context: AuditContext | None = None,
) -> Order:
    """Place an order of ``items`` (``[{"product": id, "quantity": n}, ...]``) for ``user``.

    Two items of the same product are merged into one line (their quantities added, the
    line taking the place of the first): the customer asked for that many units, and one
    line per product keeps the stock check and the ledger simple.

    :raises OrderValidationError: the items are malformed, a product is unknown or
        inactive, a quantity is out of bounds or over stock; its ``errors`` say which item
        (``{"items": {1: {"quantity": [...]}}}``: the index of each wrong item, as submitted;
        DRF's own shape for a list of objects, which JSON renders with string keys).
    :raises OrderRefused: a ``nexus_order_validate`` plugin refused the order.
    :raises PricingError: a pricing plugin gave an unusable price or adjustment.

    Whatever is raised, nothing is written and no stock is taken. The order returned
    carries its lines and adjustments: ``order.lines.all()`` runs no query.

    ``details`` come from a checkout (:func:`nexus_catalog.services.checkout.checkout`,
    which calls this function inside its own transaction): they are stored on the order,
    and their adjustments come before the plugins'. ``POST /api/orders/`` passes none.

    ``user`` is ``None`` for a guest order only, whose ``details`` then carry the hash of
    its secret: an order nobody could reach is refused (``ValueError``). The guest is
    recorded as the actor (``"guest"`` in the audit trail).
    """
    details = details or CheckoutDetails()
    if user is None and not details.guest_secret_hash:
        raise ValueError("An order without a user is a guest order: it needs a secret's hash.")
    actor = user if user is not None else GuestActor()
    _check_texts({"note": note, "shipping_address": shipping_address})
    wanted = _parse_items(items)
    pm = get_plugin_manager()
    db = router.db_for_write(Order)
    with transaction.atomic(using=db):
        products = _take_products(wanted, db, holder=details.cart_id)
        drafts = [
            DraftLine(
                product=products[pid],
                quantity=quantity,
                unit_price=pricing.unit_price(pm, products[pid], quantity, user),
            )
            for pid, (_, quantity) in wanted.items()
        ]
        pm.hook.nexus_order_validate(user=user, lines=drafts)

        order = Order(
            user=user,
            currency=catalog_settings.CURRENCY,
            note=note,
            shipping_address=shipping_address,
            email=details.email,
            shipping_method=details.shipping_method,
            guest_secret_hash=details.guest_secret_hash if user is None else None,
        )
        adjustments = pricing.price_order(pm, order, drafts, user, details.adjustments)
        order.shipping_postal_address = _address_snapshot(details.shipping_postal_address, db)
        order.billing_postal_address = _address_snapshot(details.billing_postal_address, db)
        order.save(using=db, force_insert=True)
        adjustment_rows = OrderAdjustment.objects.using(db).bulk_create(
            OrderAdjustment(
                order=order, code=a.code, label=a.label, amount=a.amount, source=a.source
            )
            for a in adjustments
        )
        lines = OrderLine.objects.using(db).bulk_create(
            OrderLine(
                order=order,
                product=d.product,
                product_name=d.product.name,
                product_sku=d.product.sku,
                unit_price=d.unit_price,
                quantity=d.quantity,
                line_total=pricing.to_money(d.line_total),
            )
            for d in drafts
        )
        # bulk_create has set the lines' ids (PostgreSQL, SQLite >= 3.35 return them).
        InventoryMovement.objects.using(db).bulk_create(
            inventory.order_movements(lines, actor=user)
        )
        audit.record(
            "order.created",
            order,
            actor=actor,
            after=_order_snapshot(order, lines, adjustments),
            context=context,
        )
        _prefill(order, "lines", lines)
        _prefill(order, "adjustments", adjustment_rows)
        call_after_commit("nexus_order_created", order=order)
    return order


def _address_snapshot(address: Mapping[str, str] | None, db: str) -> OrderAddress | None:
    if address is None:
        return None
    return OrderAddress.objects.using(db).create(**address)


# What the pricing and validation hooks get of each product.
_PRODUCT_FIELDS = (
    "id",
    "name",
    "sku",
    "price",
    "stock",
    "is_active",
    "is_parent",
    "category_id",
)


def _take_products(
    wanted: Mapping[int, tuple[int, int]], db: str, *, holder: int | None = None
) -> dict[int, Product]:
    """Take the stock of every product of the order, one ``UPDATE ... RETURNING`` each in
    ascending primary key (the lock order), and return the products.

    With reservations on, the product rows are locked first (same order) and the live
    holds of every cart but ``holder`` summed after the lock: each take leaves those units
    in stock (``keep``). Off, neither query runs.

    When a product cannot be taken, the rows are read again to say which item is wrong
    and why; the caller's transaction then rolls back the units already taken.
    """
    held: dict[int, int] = {}
    if reservations.enabled():
        reservations.lock_products(wanted, using=db)
        held = reservations.held_units(wanted, exclude_cart=holder, using=db)
    products = {}
    for pid in sorted(wanted):
        _, quantity = wanted[pid]
        product = inventory.take_stock(
            pid, quantity, fields=_PRODUCT_FIELDS, using=db, keep=held.get(pid, 0)
        )
        if product is None:
            _explain_shortage(wanted, products, db, failed=pid, held=held)
        products[pid] = product
    return products


def _explain_shortage(
    wanted: Mapping[int, tuple[int, int]],
    taken: Mapping[int, Product],
    db: str,
    *,
    failed: int,
    held: Mapping[int, int],
) -> None:
    """Raise the validation error of an order whose product ``failed`` could not be taken."""
    current = {
        p.pk: p for p in Product.objects.using(db).filter(pk__in=wanted).only(*_PRODUCT_FIELDS)
    }
    # The products already taken show the stock they had before this order.
    current.update(taken)
    _check_availability(wanted, current, held)
    # Its stock came back between the UPDATE and this read: still refuse, plainly.
    index, quantity = wanted[failed]
    raise inventory.InsufficientStock(
        {"items": {index: {"quantity": [f"Not enough stock for {quantity} units."]}}}
    )


def _prefill(order: Order, relation: str, rows: list[Any]) -> None:
    """Let ``order.<relation>.all()`` answer ``rows`` without a query.

    This is how ``prefetch_related`` fills a relation (Django keeps the rows in the
    instance's ``_prefetched_objects_cache``), so whoever reads the new order, the API
    rendering it or an after-commit hook, gets the lines and adjustments just written
    instead of selecting them again.
    """
    queryset = getattr(order, relation).all()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    order.__dict__.setdefault("_prefetched_objects_cache", {})[relation] = queryset


def transition_order(
    order: Order, target: str, actor: Any, *, context: AuditContext | None = None
) -> Order:
    """Move ``order`` to ``target`` along :data:`TRANSITIONS`.

    Staff and the system (``actor=None``, the unpaid-order sweep) may make any move of the
    table; the customer (the owner, or for a guest order the
    :class:`~nexus_catalog.services.audit.GuestActor` of that order) may only cancel a
    pending order. A cancel gives every line's stock
    back; cancelling a paid order also refunds its captured payments through their
    providers (:func:`~nexus_catalog.services.refunds.refund_for_cancel`).
    ``order`` is updated in place and returned.

    :raises OrderTransitionDenied: the move is not in the table.
    :raises TransitionForbidden: the move is in the table, but not for this actor.
    :raises TransitionVetoed: a ``nexus_order_pre_transition`` plugin vetoed it; the order
        is left as it was.
    :raises RefundRefused: a paid order's refund was refused by its provider; the order
        stays paid.
    """
    if target not in OrderStatus.values:
        raise OrderTransitionDenied(f'"{target}" is not a valid status.', field="status")
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        source = locked.status
        if target not in TRANSITIONS[source]:
            raise OrderTransitionDenied(
                f"An order cannot go from {source} to {target}.", field="status"
            )
        if not _may_move(locked, target, actor):
            raise TransitionForbidden(
                f"You may not move this order from {source} to {target}.", field="status"
            )
        get_plugin_manager().hook.nexus_order_pre_transition(
            order=locked, source=source, target=target, actor=actor
        )
        lines: list[OrderLine] = []
        if target == OrderStatus.CANCELLED:
            lines = list(locked.lines.order_by("product_id", "id"))
            _check_room_for_returns(lines)
        if source == OrderStatus.PAID and target == OrderStatus.CANCELLED:
            # Last, once nothing else can refuse the move: the money goes back through
            # the provider that took it, or the order stays paid (RefundRefused).
            refunds.refund_for_cancel(locked, actor, context=context)
        locked.status = target
        locked.save(update_fields=["status", "updated_at"])
        for line in lines:
            inventory.return_stock(line, actor=actor)
        audit.record(
            "order.transitioned",
            locked,
            actor=actor,
            before={"status": source},
            after={"status": target},
            context=context,
        )
        call_after_commit(
            "nexus_order_transitioned", order=locked, source=source, target=target, actor=actor
        )
    order.status, order.updated_at = locked.status, locked.updated_at
    return order


def _check_room_for_returns(lines: Sequence[OrderLine]) -> None:
    """Refuse a cancel whose units would take a product's stock past the column's maximum.

    ``MAX_STOCK`` keeps that from happening; stock written before it existed (or by hand in
    the database) may not leave the room, and the database would then refuse the update
    with an error (a 500, and an order nobody can cancel). The products are locked in
    ascending primary key, the order in which the stock is then given back.

    :raises OrderTransitionDenied: on ``status``, naming the product; nothing is changed.
    """
    quantities: dict[int, int] = {}
    for line in lines:
        quantities[line.product_id] = quantities.get(line.product_id, 0) + line.quantity
    stocks = (
        Product.objects.select_for_update()
        .filter(pk__in=quantities)
        .order_by("pk")
        .values_list("pk", "name", "stock")
    )
    for pk, name, stock in stocks:
        if stock + quantities[pk] > STOCK_COLUMN_MAX:
            raise OrderTransitionDenied(
                f"The order cannot be cancelled: giving back {quantities[pk]} units of {name} "
                f"would take its stock ({stock}) past {STOCK_COLUMN_MAX}, the most it can "
                "hold. Lower its stock first.",
                field="status",
            )


def cancel_order(order: Order, actor: Any, *, context: AuditContext | None = None) -> Order:
    """Cancel ``order`` and give its stock back (see :func:`transition_order`).

    Idempotent, unlike a transition: an order already cancelled is left as it is (no stock
    returned again, no audit row), so racing cancels of one order (parallel DELETE requests,
    a customer and the unpaid-order sweep) all succeed and only the first changes anything.
    The status is read under the order's row lock, the lock the transition takes.

    :raises TransitionForbidden: the actor is neither staff, the system nor the order's
        customer (even of an order already cancelled).
    """
    with transaction.atomic():
        locked = (
            Order.objects.select_for_update()
            .only("user_id", "status", "updated_at")
            .get(pk=order.pk)
        )
        if locked.status != OrderStatus.CANCELLED:
            return transition_order(order, OrderStatus.CANCELLED, actor, context=context)
        if not _is_staff_or_system(actor) and not _is_customer(locked, actor):
            raise TransitionForbidden("You may not cancel this order.", field="status")
    order.status, order.updated_at = locked.status, locked.updated_at
    return order


def update_order(
    order: Order,
    actor: Any,
    *,
    note: str | None = None,
    shipping_address: str | None = None,
    status: str | None = None,
    context: AuditContext | None = None,
) -> Order:
    """Change what may change on an order: the note and the shipping address while it is
    pending, and the status through :func:`transition_order`. ``None`` leaves a field as
    it is; a value equal to the current one is not a change (a PUT may send it back).

    The texts are changed first, then the status, in one transaction: a refused move
    leaves the texts unchanged too.

    :raises OrderValidationError: a text is too long, or changed on an order that is no
        longer pending.
    :raises OrderTransitionDenied: the status change is not allowed (see
        :func:`transition_order`).
    """
    texts = {
        k: v for k, v in (("note", note), ("shipping_address", shipping_address)) if v is not None
    }
    _check_texts(texts)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        # A guest may only read and cancel their order: it has no user to change it.
        if not _is_staff_or_system(actor) and (
            isinstance(actor, GuestActor) or not _is_customer(locked, actor)
        ):
            raise TransitionForbidden("You may not change this order.")
        changed = {k: v for k, v in texts.items() if getattr(locked, k) != v}
        if changed and locked.status != OrderStatus.PENDING:
            message = f"Can be changed only while the order is pending (it is {locked.status})."
            raise OrderValidationError({field: [message] for field in changed})
        if changed:
            before = {k: getattr(locked, k) for k in changed}
            for field, value in changed.items():
                setattr(locked, field, value)
            locked.save(update_fields=[*changed, "updated_at"])
            audit.record(
                "order.updated", locked, actor=actor, before=before, after=changed, context=context
            )
        if status is not None and status != locked.status:
            transition_order(locked, status, actor, context=context)
    for field in ("note", "shipping_address", "status", "updated_at"):
        setattr(order, field, getattr(locked, field))
    return order


# -- checks --------------------------------------------------------------------------------


def _is_staff_or_system(actor: Any) -> bool:
    return actor is None or bool(getattr(actor, "is_staff", False))


def _is_customer(order: Order, actor: Any) -> bool:
    """Whether ``actor`` is the order's customer: its user, or for a guest order (no user)
    the guest who presented that order's secret. A guest of another order, or an anonymous
    user, is nobody's customer."""
    if isinstance(actor, GuestActor):
        return order.user_id is None and actor.order_id == order.pk
    pk = getattr(actor, "pk", None)
    return pk is not None and order.user_id == pk


def _may_move(order: Order, target: str, actor: Any) -> bool:
    if _is_staff_or_system(actor):
        return True
    return (
        _is_customer(order, actor)
        and order.status == OrderStatus.PENDING
        and target == OrderStatus.CANCELLED
    )


def _check_texts(texts: Mapping[str, Any]) -> None:
    errors = {}
    for field, value in texts.items():
        if not isinstance(value, str):
            errors[field] = ["Must be a string."]
        elif len(value) > TEXT_MAX_LENGTH[field]:
            errors[field] = [f"At most {TEXT_MAX_LENGTH[field]} characters."]
    if errors:
        raise OrderValidationError(errors)


def _is_whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_items(items: Any) -> dict[int, tuple[int, int]]:
    """``{product id: (index of its first item, total quantity)}``, in the items' order.

    :raises OrderValidationError: the shape, a product id or a quantity is wrong.
    """
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence):
        raise OrderValidationError({"items": ["Expected a list of items."]})
    if not items:
        raise OrderValidationError({"items": ["An order needs at least one item."]})
    max_lines = catalog_settings.MAX_ORDER_LINES
    if len(items) > max_lines:
        raise OrderValidationError({"items": [f"At most {max_lines} items per order."]})
    max_quantity = catalog_settings.MAX_LINE_QUANTITY
    errors: dict[int, dict[str, list[str]]] = {}
    wanted: dict[int, tuple[int, int]] = {}
    for index, item in enumerate(items):
        error: dict[str, list[str]] = {}
        if not isinstance(item, Mapping):
            errors[index] = {"non_field_errors": ["Expected an object with product and quantity."]}
            continue
        product, quantity = item.get("product"), item.get("quantity")
        if not _is_whole_number(product) or product < 1:
            error["product"] = ["A product id (a positive whole number) is required."]
        if not _is_whole_number(quantity):
            error["quantity"] = ["A whole number is required."]
        elif quantity < 1:
            error["quantity"] = ["Must be at least 1."]
        elif quantity > max_quantity:
            error["quantity"] = [f"At most {max_quantity} units per line."]
        if error:
            errors[index] = error
        else:
            first, total = wanted.get(product, (index, 0))
            wanted[product] = (first, total + quantity)
    for first, total in wanted.values():
        if total > max_quantity:
            errors[first] = {"quantity": [f"At most {max_quantity} units per product."]}
    if errors:
        raise OrderValidationError({"items": errors})
    return wanted


def _check_availability(
    wanted: Mapping[int, tuple[int, int]],
    products: Mapping[int, Product],
    held: Mapping[int, int],
) -> None:
    """Every product exists, is active and has the stock asked for (less ``held``, the
    units other carts hold)."""
    errors: dict[int, dict[str, list[str]]] = {}
    for pid, (index, quantity) in wanted.items():
        product = products.get(pid)
        if product is None:
            errors[index] = {"product": [f'Invalid pk "{pid}" - object does not exist.']}
            continue
        available = max(0, product.stock - held.get(pid, 0))
        if reason := inventory.unavailable_reason(product):
            errors[index] = {"product": [reason]}
        elif available < quantity:
            errors[index] = {"quantity": [f"Only {available} of {product.name} left in stock."]}
    if errors:
        raise OrderValidationError({"items": dict(sorted(errors.items()))})


def _order_snapshot(
    order: Order, lines: Sequence[OrderLine], adjustments: Sequence[Any]
) -> dict[str, Any]:
    return {
        "status": order.status,
        "currency": order.currency,
        "subtotal": str(order.subtotal),
        **({"email": order.email} if order.email else {}),
        **({"shipping_method": order.shipping_method} if order.shipping_method else {}),
        "total": str(order.total),
        "lines": [
            {
                "product": line.product_id,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
            }
            for line in lines
        ],
        "adjustments": [
            {"code": a.code, "amount": str(a.amount), "source": a.source} for a in adjustments
        ],
    }
