"""Carts: create, fill, address, claim, price, purge.

A cart is addressed by its token. An anonymous cart (no ``user``) is anyone's who holds the
token; an owned cart is its owner's only: to anyone else it does not exist
(:class:`~nexus_catalog.exceptions.CartNotFound`, a ``404``), token or not. Only an open
cart changes; a checked-out or merged one is :class:`~nexus_catalog.exceptions.CartClosed`.

Every write locks the cart row first, so concurrent changes of one cart are serialised
(a claim locks every cart it merges, in ascending primary key). A cart stores quantities
and choices, never a price: :func:`price_cart` prices it now, through the same hooks and
the same :func:`~nexus_catalog.services.pricing.price_order` as an order.

With ``CART_RESERVATION_MINUTES`` set, a line added or changed holds its quantity for that
long (:mod:`~nexus_catalog.services.reservations`): it is checked against the stock less
the other carts' live holds, under the product's row lock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from nexus_accounts.exceptions import AddressNotFound
from nexus_accounts.models.addresses import ADDRESS_FIELDS
from nexus_accounts.services.addresses import get_address
from nexus_catalog.conf import catalog_settings
from nexus_catalog.exceptions import (
    CartClosed,
    CartNotFound,
    CartValidationError,
    ShippingUnavailable,
    VoucherNotApplicable,
)
from nexus_catalog.models import Cart, CartLine, CartStatus, Order, OrderAddress, Product, Voucher
from nexus_catalog.plugins.manager import get_plugin_manager
from nexus_catalog.plugins.types import Adjustment, DraftLine, ShippingOffer
from nexus_catalog.services import inventory, pricing, reservations, shipping, vouchers

#: What a cart change may set (``update_cart``).
DETAIL_FIELDS = (
    "email",
    "shipping_address",
    "shipping_address_id",
    "billing_address",
    "billing_address_id",
    "shipping_method",
    "voucher",
)


def _customer(user: Any) -> Any:
    """The user for the hooks and the cart's owner: ``None`` for an anonymous caller."""
    return user if user is not None and getattr(user, "is_authenticated", False) else None


# -- finding carts --------------------------------------------------------------------------


def create_cart(user: Any) -> Cart:
    """A new open cart, owned by ``user`` when signed in, anonymous otherwise."""
    return Cart.objects.create(user=_customer(user))


def get_cart(token: str, user: Any, *, lock: bool = False) -> Cart:
    """The cart of ``token`` if ``user`` may see it (anonymous, or theirs).

    :raises CartNotFound: no such cart, or another user's.
    """
    queryset = Cart.objects.select_for_update() if lock else Cart.objects.all()
    cart = queryset.filter(token=token).first()
    customer = _customer(user)
    if cart is None or (cart.user_id is not None and cart.user_id != getattr(customer, "pk", 0)):
        raise CartNotFound()
    return cart


def open_carts_of(user: Any):
    """The user's open carts, the most recently changed first."""
    return Cart.objects.filter(user=user, status=CartStatus.OPEN).order_by("-updated_at", "-id")


def _open_for_change(token: str, user: Any) -> Cart:
    """The cart, locked, and open (inside a transaction)."""
    cart = get_cart(token, user, lock=True)
    ensure_open(cart)
    return cart


def ensure_open(cart: Cart) -> None:
    """:raises CartClosed: the cart was checked out (naming the order) or merged."""
    if cart.status == CartStatus.CHECKED_OUT:
        raise CartClosed(
            f"This cart was checked out as order {cart.order_id}.", order_id=cart.order_id
        )
    if cart.status != CartStatus.OPEN:
        raise CartClosed("This cart was merged into another cart when it was claimed.")


def _touch(cart: Cart) -> None:
    cart.save(update_fields=["updated_at"])


# -- lines ----------------------------------------------------------------------------------


def _check_quantity(quantity: Any) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise CartValidationError({"quantity": ["A whole number is required."]})
    if quantity < 1:
        raise CartValidationError({"quantity": ["Must be at least 1."]})
    limit = catalog_settings.MAX_LINE_QUANTITY
    if quantity > limit:
        raise CartValidationError({"quantity": [f"At most {limit} units per line."]})
    return quantity


def _check_product(product_id: Any, quantity: int, cart: Cart) -> Product:
    """The product, active, purchasable (not a parent of variants) and with ``quantity``
    units available to ``cart``: in stock, and, with reservations on, not held by another
    cart. The product row is then locked until the transaction ends (see
    :mod:`~nexus_catalog.services.reservations`), so the hold about to be written cannot be
    overtaken by another."""
    holding = reservations.enabled()
    product = Product.objects.select_for_update() if holding else Product.objects.all()
    product = product.filter(pk=product_id).only("id", "name", "stock", "is_active", "is_parent")
    found = product.first() if isinstance(product_id, int) else None
    if found is None:
        raise CartValidationError(
            {"product": [f'Invalid pk "{product_id}" - object does not exist.']}
        )
    if reason := inventory.unavailable_reason(found):
        raise CartValidationError({"product": [reason]})
    available = found.stock
    if holding:
        # After the row lock: every committed hold of the product is counted.
        held = reservations.held_units([found.pk], exclude_cart=cart.pk).get(found.pk, 0)
        available = max(0, found.stock - held)
    if available < quantity:
        raise CartValidationError(
            {"quantity": [f"Only {available} of {found.name} left in stock."]}
        )
    return found


def add_line(token: str, user: Any, *, product: Any, quantity: Any) -> CartLine:
    """Add ``quantity`` units of ``product``; the same product again adds to its line.

    With reservations on, the line then holds its whole quantity for
    ``CART_RESERVATION_MINUTES`` from now.

    :raises CartValidationError: an unknown or inactive product, a bad quantity, more than
        the stock (less other carts' holds) or ``MAX_LINE_QUANTITY`` in all, or a line past
        ``MAX_ORDER_LINES``.
    """
    quantity = _check_quantity(quantity)
    with transaction.atomic():
        cart = _open_for_change(token, user)
        line = cart.lines.filter(product_id=product).first() if isinstance(product, int) else None
        total = _check_quantity((line.quantity if line else 0) + quantity)
        _check_product(product, total, cart)
        if line is None:
            limit = catalog_settings.MAX_ORDER_LINES
            if cart.lines.count() >= limit:
                raise CartValidationError({"product": [f"At most {limit} lines per cart."]})
            line = CartLine.objects.create(
                cart=cart,
                product_id=product,
                quantity=total,
                reserved_until=reservations.hold_until(),
            )
        else:
            line.quantity = total
            line.reserved_until = reservations.hold_until()
            line.save(update_fields=["quantity", "reserved_until"])
        _touch(cart)
    return line


def update_line(token: str, user: Any, line_id: Any, *, quantity: Any) -> CartLine:
    """Set the quantity of a line (checked as :func:`add_line` checks it; with
    reservations on, the line then holds the new quantity, from now: units it no longer
    holds are free at once)."""
    quantity = _check_quantity(quantity)
    with transaction.atomic():
        cart = _open_for_change(token, user)
        line = _line_of(cart, line_id)
        _check_product(line.product_id, quantity, cart)
        line.quantity = quantity
        line.reserved_until = reservations.hold_until()
        line.save(update_fields=["quantity", "reserved_until"])
        _touch(cart)
    return line


def remove_line(token: str, user: Any, line_id: Any) -> None:
    """Remove a line (its hold, if any, ends with it)."""
    with transaction.atomic():
        cart = _open_for_change(token, user)
        _line_of(cart, line_id).delete()
        _touch(cart)


def _line_of(cart: Cart, line_id: Any) -> CartLine:
    line = cart.lines.filter(pk=line_id).first() if isinstance(line_id, int) else None
    if line is None:
        raise CartNotFound()
    return line


# -- details --------------------------------------------------------------------------------


def postal_address(values: Any, field_name: str) -> dict[str, str]:
    """``values`` checked as a postal address of the accounts' shape.

    :raises CartValidationError: under ``field_name``, a message per address field.
    """
    if not isinstance(values, Mapping):
        raise CartValidationError({field_name: ["Expected an address object."]})
    unknown = sorted(set(values) - set(ADDRESS_FIELDS))
    if unknown:
        raise CartValidationError({field_name: {k: ["Unknown field."] for k in unknown}})
    address = OrderAddress(**{k: values.get(k, "") for k in ADDRESS_FIELDS})
    try:
        address.full_clean()
    except ValidationError as exc:
        raise CartValidationError({field_name: exc.message_dict}) from exc
    return address.address_fields()


def _saved_address(user: Any, address_id: Any, field_name: str) -> dict[str, str]:
    if _customer(user) is None:
        raise CartValidationError({field_name: ["Sign in to use a saved address."]})
    try:
        return get_address(user, address_id).address_fields()
    except AddressNotFound as exc:
        raise CartValidationError({field_name: ["You have no address with this id."]}) from exc


def update_cart(token: str, user: Any, changes: Mapping[str, Any]) -> Cart:
    """Change the cart's details: ``email``; ``shipping_address`` and ``billing_address``
    (an address object, or ``None`` to clear), or ``shipping_address_id`` and
    ``billing_address_id`` (one of the caller's saved addresses, copied); ``shipping_method``
    and ``voucher`` (a code, or ``""`` to clear).

    A voucher is checked now (:func:`vouchers.check_applies`, the subtotal included) and a
    shipping method must be offered for the cart's address; both are checked again at
    checkout.

    :raises CartValidationError: an invalid address or e-mail, another user's address.
    :raises VoucherNotApplicable: the voucher does not apply, saying why.
    :raises ShippingUnavailable: the method is not offered for this cart.
    """
    unknown = set(changes) - set(DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"Cannot set {sorted(unknown)} on a cart.")
    with transaction.atomic():
        cart = _open_for_change(token, user)
        for kind in ("shipping_address", "billing_address"):
            if f"{kind}_id" in changes:
                setattr(cart, kind, _saved_address(user, changes[f"{kind}_id"], f"{kind}_id"))
            elif kind in changes:
                value = changes[kind]
                setattr(cart, kind, None if value is None else postal_address(value, kind))
        if "email" in changes:
            cart.email = changes["email"]
            try:
                Cart._meta.get_field("email").run_validators(cart.email)
            except ValidationError as exc:
                raise CartValidationError({"email": exc.messages}) from exc
        if "shipping_method" in changes:
            cart.shipping_method = changes["shipping_method"] or ""
        if cart.shipping_method and ("shipping_method" in changes or "shipping_address" in changes):
            shipping.find_offer(cart, cart.shipping_address, cart.shipping_method)
        if "voucher" in changes:
            code = changes["voucher"] or ""
            if code:
                voucher = vouchers.find(code)
                subtotal = price_cart(cart, user).subtotal
                vouchers.check_applies(
                    voucher, subtotal=subtotal, user=_customer(user), email=cart.email
                )
                code = voucher.code
            cart.voucher_code = code
        cart.save()
    return cart


# -- claim ----------------------------------------------------------------------------------


def claim(token: str, user: Any) -> Cart:
    """Make the cart ``user``'s. Their other open carts are merged into it (the quantities
    of a product added, up to ``MAX_LINE_QUANTITY``) and closed as ``merged``; the claimed
    cart keeps its own details. Claiming one's own cart again merges nothing new.

    A claim never makes a hold: a moved line keeps its own, and two lines merged into one
    hold until the earlier of their two ends (none if either held nothing), so the units
    held never grow without the check of :func:`add_line`.

    :raises CartNotFound: another user's cart.
    :raises CartClosed: the cart is checked out or merged.
    """
    with transaction.atomic():
        target = get_cart(token, user)
        ids = [target.pk, *open_carts_of(user).exclude(pk=target.pk).values_list("pk", flat=True)]
        # Every cart involved, locked in ascending primary key: two claims never deadlock.
        locked = {
            c.pk: c for c in Cart.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        }
        target = locked.pop(target.pk)
        if target.user_id not in (None, user.pk):
            raise CartNotFound()
        ensure_open(target)
        target.user = user
        lines = {line.product_id: line for line in target.lines.all()}
        limit = catalog_settings.MAX_LINE_QUANTITY
        for other in sorted(locked.values(), key=lambda c: c.pk):
            if other.user_id != user.pk or other.status != CartStatus.OPEN:
                continue
            for line in other.lines.all():
                mine = lines.get(line.product_id)
                if mine is None:
                    line.cart = target
                    line.save(update_fields=["cart"])
                    lines[line.product_id] = line
                else:
                    mine.quantity = min(limit, mine.quantity + line.quantity)
                    mine.reserved_until = _earlier(mine.reserved_until, line.reserved_until)
                    mine.save(update_fields=["quantity", "reserved_until"])
            other.status = CartStatus.MERGED
            other.save(update_fields=["status", "updated_at"])
        target.save(update_fields=["user", "updated_at"])
    return target


def _earlier(first: datetime | None, second: datetime | None) -> datetime | None:
    """The end of a merged line's hold: the earlier end, ``None`` if either holds nothing."""
    if first is None or second is None:
        return None
    return min(first, second)


# -- pricing --------------------------------------------------------------------------------


@dataclass
class PricedLine:
    line: CartLine
    unit_price: Decimal
    #: Whether the line could be checked out now: its product active, and its quantity in
    #: stock (less the other carts' live holds, with reservations on).
    available: bool = True
    #: Until when the line holds its units; ``None`` when it holds none (reservations off,
    #: the hold expired, or the cart closed).
    reserved_until: datetime | None = None

    @property
    def line_total(self) -> Decimal:
        return pricing.to_money(self.unit_price * self.line.quantity)


@dataclass
class PricedCart:
    """A cart priced now: what its checkout would charge, and what would stop it."""

    cart: Cart
    lines: list[PricedLine]
    subtotal: Decimal
    adjustments: list[Adjustment]
    total: Decimal
    currency: str
    problems: dict[str, list[str]] = field(default_factory=dict)


def engine_adjustments(
    *,
    offer: ShippingOffer | None,
    voucher: Voucher | None,
    user: Any,
    email: str,
    problems: dict[str, list[str]] | None = None,
    now: datetime | None = None,
) -> Callable[[Order, Sequence[DraftLine]], list[Adjustment]]:
    """The engine's adjustments of a cart (its shipping, then its voucher), computed from
    the subtotal by :func:`~nexus_catalog.services.pricing.price_order`. A voucher that does
    not apply raises, or, given ``problems``, is left out and said there."""

    def compute(order: Order, lines: Sequence[DraftLine]) -> list[Adjustment]:
        found = []
        shipping_cost = Decimal("0.00")
        if offer is not None:
            found.append(shipping.adjustment(offer, order.subtotal))
            shipping_cost = found[-1].amount
        if voucher is not None:
            try:
                vouchers.check_applies(
                    voucher, subtotal=order.subtotal, user=user, email=email, now=now
                )
            except VoucherNotApplicable as exc:
                if problems is None:
                    raise
                problems["voucher"] = [exc.message]
            else:
                found.append(vouchers.adjustment(voucher, order.subtotal, shipping_cost))
        return found

    return compute


def checkout_problems(cart: Cart, user: Any) -> dict[str, list[str]]:
    """What a checkout of ``cart`` by ``user`` would refuse before pricing."""
    problems: dict[str, list[str]] = {}
    if not (cart.email or getattr(_customer(user), "email", "")):
        problems["email"] = ["An e-mail address is needed to check out."]
    if cart.shipping_address is None:
        problems["shipping_address"] = ["A shipping address is needed to check out."]
    return problems


def price_cart(cart: Cart, user: Any) -> PricedCart:
    """Price ``cart`` now for ``user`` (the caller; ``None`` or anonymous: the hooks get
    ``None``): each line through ``nexus_unit_price``, then the shipping method, the voucher
    and every ``nexus_order_adjustments`` plugin, as its checkout would. ``problems`` says
    what a checkout would refuse now (a product gone inactive or short of stock, a voucher
    that no longer applies, a shipping method no longer offered, a missing e-mail or
    address).

    :raises PricingError: a pricing plugin failed (as it would fail the checkout).
    """
    customer = _customer(user)
    pm = get_plugin_manager()
    lines = list(cart.lines.select_related("product").order_by("id"))
    problems = checkout_problems(cart, user) if cart.status == CartStatus.OPEN else {}
    # With reservations on, what other carts hold is not this cart's to check out.
    available = reservations.available_stock(
        {line.product_id: line.product.stock for line in lines}, exclude_cart=cart.pk
    )
    now = timezone.now()
    drafts, priced = [], []
    for line in lines:
        price = pricing.unit_price(pm, line.product, line.quantity, customer)
        drafts.append(DraftLine(product=line.product, quantity=line.quantity, unit_price=price))
        reason = inventory.unavailable_reason(line.product)
        ok = reason is None and available[line.product_id] >= line.quantity
        held = reservations.is_live(line, cart.status, now)
        priced.append(
            PricedLine(
                line=line,
                unit_price=price,
                available=ok,
                reserved_until=line.reserved_until if held else None,
            )
        )
        if reason:
            problems.setdefault("lines", []).append(reason)
        elif not ok:
            problems.setdefault("lines", []).append(
                f"Only {available[line.product_id]} of {line.product.name} left in stock."
            )
    if not lines and cart.status == CartStatus.OPEN:
        problems["lines"] = ["The cart is empty."]
    offer = None
    if cart.shipping_method:
        try:
            offer = shipping.find_offer(cart, cart.shipping_address, cart.shipping_method)
        except ShippingUnavailable as exc:
            problems["shipping_method"] = [exc.message]
    voucher = None
    if cart.voucher_code:
        try:
            voucher = vouchers.find(cart.voucher_code)
        except VoucherNotApplicable as exc:
            problems["voucher"] = [exc.message]
    email = cart.email or getattr(customer, "email", "")
    # The draft the plugins price carries what the checkout's order will carry, so a plugin
    # that reads it (a shipping fee that steps aside for a chosen method) prices both alike.
    order = Order(
        user=customer,
        currency=catalog_settings.CURRENCY,
        email=email,
        shipping_method=cart.shipping_method,
    )
    compute = engine_adjustments(
        offer=offer, voucher=voucher, user=customer, email=email, problems=problems
    )
    adjustments = pricing.price_order(pm, order, drafts, customer, compute)
    return PricedCart(
        cart=cart,
        lines=priced,
        subtotal=order.subtotal,
        adjustments=adjustments,
        total=order.total,
        currency=order.currency,
        problems=problems,
    )


# -- purge ----------------------------------------------------------------------------------


def purge_old_carts(now: datetime | None = None) -> int:
    """Delete the carts untouched for ``CART_TTL`` (open or not; orders keep everything
    they need); returns how many carts were deleted."""
    cutoff = (now or timezone.now()) - catalog_settings.CART_TTL
    _, by_model = Cart.objects.filter(updated_at__lt=cutoff).delete()
    return by_model.get(Cart._meta.label, 0)


def read_cart(token: str, user: Any) -> PricedCart:
    """The cart ``token``, priced now (:func:`price_cart`), if ``user`` may see it."""
    return price_cart(get_cart(token, user), user)


def shipping_choices(token: str, user: Any) -> list[tuple[ShippingOffer, Decimal]]:
    """The offers for the cart's address (:func:`shipping.offers_for`), each with what it
    costs this cart now."""
    priced = read_cart(token, user)
    offers = shipping.offers_for(priced.cart, priced.cart.shipping_address)
    return [(offer, shipping.cost(offer, priced.subtotal)) for offer in offers]
