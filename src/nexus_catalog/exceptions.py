"""Errors raised by the engine (``services``) and by plugins.

They carry no HTTP: the API layer maps each to a status code. Plugins raise
:class:`OrderRefused` from ``nexus_order_validate`` and :class:`TransitionVetoed` from
``nexus_order_pre_transition``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class NexusError(Exception):
    """Base class of every error of the catalog engine."""

    default_message = "The request could not be processed."

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or self.default_message
        self.field = field
        super().__init__(self.message)

    @property
    def detail(self) -> dict[str, Any]:
        """The error in DRF's shape: ``{field: [message]}`` or ``{"detail": message}``."""
        if self.field:
            return {self.field: [self.message]}
        return {"detail": self.message}


class FieldErrors(NexusError):
    """Input that breaks a rule, with ``errors`` mapping each field to its messages (400):
    the base of the engine's validation errors, answered as DRF answers a serializer's."""

    def __init__(self, errors: Mapping[str, Any]) -> None:
        self.errors = dict(errors)
        super().__init__(self.default_message)

    @property
    def detail(self) -> dict[str, Any]:
        return self.errors


class OrderValidationError(FieldErrors):
    """The order as submitted cannot be placed (400). ``errors`` maps fields to messages."""

    default_message = "The order is invalid."


class OrderRefused(NexusError):
    """Raised by a ``nexus_order_validate`` plugin to refuse an order (400, nothing written)."""

    default_message = "The order was refused."


class OrderTransitionDenied(NexusError):
    """The requested status change is not allowed from the current status, or not by this actor."""

    default_message = "This status change is not allowed."


class TransitionForbidden(OrderTransitionDenied):
    """The move exists in the state machine, but not for this actor (403): only staff may make
    it (a customer may only cancel their own pending order)."""

    default_message = "You may not make this status change."


class TransitionVetoed(OrderTransitionDenied):
    """Raised by a ``nexus_order_pre_transition`` plugin to veto a status change (400)."""

    default_message = "The status change was vetoed."


class GuestCheckoutDisabled(NexusError):
    """An anonymous caller checked out, and ``GUEST_CHECKOUT`` is off (401)."""

    default_message = "Sign in to check out: guest checkout is not offered."


class PricingError(NexusError):
    """A pricing plugin returned something unusable (a negative price or total, not a Decimal)."""

    default_message = "The order could not be priced."


class CategoryNotEmpty(NexusError):
    """A category that still has products (or subcategories) cannot be deleted (409)."""

    default_message = (
        "This category still has products or subcategories; move or delete them first."
    )


class ProductInUse(NexusError):
    """A product that appears on an order cannot be deleted (409): orders are financial
    records. Deactivate it (``is_active=False``) to take it off sale."""

    default_message = (
        "This product appears on orders and cannot be deleted; set is_active to false instead."
    )


class CategoryCycle(NexusError):
    """A category cannot be its own ancestor (400)."""

    default_message = "A category cannot be placed under itself or one of its subcategories."


class CatalogValidationError(FieldErrors):
    """A product, a variant or an image as submitted breaks a catalog rule (400);
    ``errors`` maps fields to messages."""

    default_message = "The product is invalid."


# -- Carts and checkout ---------------------------------------------------------------------


class CartNotFound(NexusError):
    """No cart has this token, or it belongs to someone else (404)."""

    default_message = "Not found."


class CartValidationError(OrderValidationError):
    """A cart change or a checkout refused, with a message per field (400)."""


class CartClosed(NexusError):
    """The cart was checked out (naming its order) or merged into another cart (409)."""

    default_message = "This cart is closed."

    def __init__(self, message: str | None = None, *, order_id: int | None = None) -> None:
        self.order_id = order_id
        super().__init__(message)

    @property
    def detail(self) -> dict[str, Any]:
        detail: dict[str, Any] = {"detail": self.message}
        if self.order_id is not None:
            detail["order"] = self.order_id
        return detail


class CheckoutTotalChanged(NexusError):
    """``expected_total`` no longer holds (409): ``cart`` is the cart priced now, and
    nothing was written."""

    default_message = "The total changed: review the cart and check out again."

    def __init__(self, cart: Any, total: Any) -> None:
        self.cart = cart
        self.total = total
        super().__init__(f"The total is now {total}: review the cart and check out again.")


class VoucherNotApplicable(NexusError):
    """A voucher code that does not apply, saying why (400 on ``voucher``)."""

    default_message = "This voucher does not apply."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, field="voucher")


class ShippingUnavailable(NexusError):
    """The shipping method chosen is not offered for the cart (400 on ``shipping_method``)."""

    default_message = "This shipping method is not available for the cart."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, field="shipping_method")


class VoucherInUse(NexusError):
    """A voucher that was redeemed cannot be deleted (409): deactivate it instead."""

    default_message = "This voucher was redeemed and cannot be deleted; set is_active to false."


class PaymentError(NexusError):
    """A payment cannot be started, captured or refunded as asked (400)."""

    default_message = "The payment could not be processed."


class UnknownPaymentProvider(PaymentError):
    """No payment provider has this code (400 on ``provider``; 404 for a webhook URL)."""

    default_message = "Unknown payment provider."


class PaymentProviderError(PaymentError):
    """The provider refused the request, or could not be reached (502). Raised by providers;
    ``code`` is the provider's reason when it gave one."""

    default_message = "The payment provider refused the request."

    def __init__(self, message: str | None = None, *, code: str = "", field: str | None = None):
        self.code = code
        super().__init__(message, field=field)


class WebhookSignatureError(PaymentError):
    """Raised by a provider's ``parse_webhook``: the webhook's signature is missing or wrong
    (400; nothing is written)."""

    default_message = "The webhook signature is missing or invalid."


class RefundRefused(OrderTransitionDenied):
    """Cancelling a paid order needs a refund, and the provider refused it (409): the order
    stays paid."""

    default_message = "The refund was refused by the payment provider; the order stays paid."
