"""Checkout: a cart becomes an order, through :func:`~nexus_catalog.services.ordering.place_order`.

One transaction, in this order (the lock order, so that checkouts never wait on each other
in a cycle): the cart row (a second checkout of the same cart waits, then finds it closed),
the voucher row, then the products in ascending primary key as ``place_order`` takes their
stock. Inside it: the order is placed with the cart's e-mail, addresses and shipping method
(their adjustments priced by the same
:func:`~nexus_catalog.services.carts.engine_adjustments` as a cart read), the voucher is
redeemed, the total is compared with the one the customer saw, and the cart is closed.
Whatever fails, nothing is written: no order, no stock taken, no voucher use.

Guest checkout (``GUEST_CHECKOUT``): an anonymous caller checks out an anonymous cart; the
order has no user, the cart's e-mail, and the hash of a secret made here
(:mod:`nexus_catalog.services.guest`), which the returned order carries once, in plain, as
``guest_secret``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from nexus_catalog.conf import catalog_settings
from nexus_catalog.exceptions import (
    CartValidationError,
    CheckoutTotalChanged,
    GuestCheckoutDisabled,
    OrderValidationError,
)
from nexus_catalog.models import CartStatus, Order
from nexus_catalog.services import carts, guest, ordering, shipping, vouchers
from nexus_catalog.services.audit import AuditContext


class _TotalChanged(Exception):
    """Raised inside the transaction to roll it back; answered as CheckoutTotalChanged."""

    def __init__(self, total: Decimal) -> None:
        self.total = total


def _one_line(address: dict[str, str]) -> str:
    """The address as the order's free-text ``shipping_address`` (for clients that read it)."""
    parts = [address.get(k, "") for k in ("name", "company", "line1", "line2", "city")]
    parts.append(" ".join(p for p in (address.get("postal_code"), address.get("region")) if p))
    parts.append(address.get("country", ""))
    return ", ".join(p for p in parts if p)


def checkout(
    token: str,
    user: Any,
    *,
    expected_total: Decimal | None = None,
    context: AuditContext | None = None,
) -> Order:
    """Place the order of the cart ``token`` for ``user`` and close the cart.

    An anonymous cart checked out by a signed-in user becomes theirs. The order stores the
    cart's e-mail (the user's when the cart has none), its shipping and billing addresses
    (billing: the shipping address when none was given) and its shipping method.

    ``user`` anonymous (or ``None``) is a guest checkout, when ``GUEST_CHECKOUT`` is on:
    the order has no user, and the returned instance carries ``guest_secret``, the secret
    that reaches it (shown once: only its hash is stored).

    :raises GuestCheckoutDisabled: an anonymous caller, ``GUEST_CHECKOUT`` off.
    :raises CartNotFound: no such cart, or another user's.
    :raises CartClosed: already checked out (naming the order) or merged.
    :raises CartValidationError: the cart is empty, has no e-mail or shipping address, or a
        line cannot be ordered (``{"lines": {index: {...}}}``, as ``items`` for an order).
    :raises VoucherNotApplicable: the voucher no longer applies (used up meanwhile...).
    :raises ShippingUnavailable: the shipping method is no longer offered.
    :raises CheckoutTotalChanged: ``expected_total`` is not the total now; it carries the
        cart priced now. Nothing was written.
    """
    customer = user if user is not None and getattr(user, "is_authenticated", False) else None
    if customer is None and not catalog_settings.GUEST_CHECKOUT:
        raise GuestCheckoutDisabled()
    secret, secret_hash = guest.new_secret() if customer is None else (None, None)
    try:
        with transaction.atomic():
            cart = carts.get_cart(token, user, lock=True)
            carts.ensure_open(cart)
            lines = list(cart.lines.order_by("id"))
            problems = carts.checkout_problems(cart, user)
            if not lines:
                problems["lines"] = ["The cart is empty."]
            if problems:
                raise CartValidationError(problems)
            email = cart.email or getattr(customer, "email", "")
            voucher = vouchers.lock(cart.voucher_code) if cart.voucher_code else None
            if voucher is not None:
                vouchers.check_applies(voucher, subtotal=None, user=user, email=email)
            address = cart.shipping_address
            offer = (
                shipping.find_offer(cart, address, cart.shipping_method)
                if cart.shipping_method
                else None
            )
            details = ordering.CheckoutDetails(
                email=email,
                shipping_method=cart.shipping_method,
                shipping_postal_address=address,
                billing_postal_address=cart.billing_address or address,
                adjustments=carts.engine_adjustments(
                    offer=offer, voucher=voucher, user=user, email=email
                ),
                cart_id=cart.pk,
                guest_secret_hash=secret_hash,
            )
            items = [{"product": line.product_id, "quantity": line.quantity} for line in lines]
            try:
                order = ordering.place_order(
                    customer,
                    items,
                    shipping_address=_one_line(address),
                    details=details,
                    context=context,
                )
            except OrderValidationError as exc:
                errors = exc.errors
                if "items" in errors:
                    errors = {
                        "lines": errors["items"],
                        **{k: v for k, v in errors.items() if k != "items"},
                    }
                raise CartValidationError(errors) from exc
            if voucher is not None:
                vouchers.redeem(voucher, order, user=user, email=email)
            if expected_total is not None and order.total != expected_total:
                raise _TotalChanged(order.total)
            cart.user = customer
            cart.status = CartStatus.CHECKED_OUT
            cart.order = order
            cart.save(update_fields=["user", "status", "order", "updated_at"])
    except _TotalChanged as changed:
        fresh = carts.get_cart(token, user)
        raise CheckoutTotalChanged(carts.price_cart(fresh, user), changed.total) from None
    if secret is not None:
        order.guest_secret = secret  # type: ignore[attr-defined]  # this answer only
    return order
