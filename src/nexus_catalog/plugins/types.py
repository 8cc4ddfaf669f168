"""Value objects that hooks receive and return. Immutable, typed and JSON-friendly."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping

    from nexus_catalog.models import AuditLog, Payment, Product


@dataclass(frozen=True)
class DraftLine:
    """One line of an order being placed, priced but not yet written.

    ``product`` is the row locked for the order; ``unit_price`` comes from
    ``nexus_unit_price``; ``line_total`` is ``unit_price * quantity``.
    """

    product: Product
    quantity: int
    unit_price: Decimal

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Adjustment:
    """A labelled amount a plugin adds to an order: negative for a discount.

    ``code`` is a short slug (``"volume-discount"``, ``"vat"``, ``"shipping"``); ``label`` is
    shown to the customer; ``amount`` is a ``Decimal`` in the order currency, rounded by the
    engine to two places. ``source`` is filled by the engine with the plugin's name.
    """

    code: str
    label: str
    amount: Decimal
    source: str = ""


@dataclass(frozen=True)
class ShippingOffer:
    """A way to ship a cart, as ``nexus_shipping_methods`` offers it (or a
    :class:`~nexus_catalog.models.ShippingMethod` row, seen the same way).

    ``code`` is what the customer chooses (unique among the offers of one cart); ``price``
    a non-negative ``Decimal`` in the shop's currency; when the subtotal reaches
    ``free_over`` (if set), shipping costs nothing.
    """

    code: str
    name: str
    price: Decimal
    free_over: Decimal | None = None


@dataclass(frozen=True)
class AuditEvent:
    """One audited change, as the sinks receive it (after the change is committed).

    ``before`` and ``after`` hold only the fields that changed. ``actor`` is the username,
    ``"system"`` for scheduled work, or ``None`` for an anonymous caller.
    """

    event_id: str
    action: str
    object_type: str
    object_id: str
    actor: str | None
    actor_id: int | None
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    request_id: str = ""
    ip_address: str | None = None
    created_at: datetime | None = None

    @classmethod
    def from_log(cls, log: AuditLog) -> AuditEvent:
        return cls(
            event_id=str(log.event_id),
            action=log.action,
            object_type=log.object_type,
            object_id=log.object_id,
            actor=log.actor_repr or None,
            actor_id=log.actor_id,
            before=dict(log.before),
            after=dict(log.after),
            request_id=log.request_id,
            ip_address=log.ip_address,
            created_at=log.created_at,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (the webhook payload and the log line)."""
        return {
            "event_id": self.event_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "actor": self.actor,
            "actor_id": self.actor_id,
            "before": self.before,
            "after": self.after,
            "request_id": self.request_id,
            "ip_address": self.ip_address,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }


# -- Payments -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderPayment:
    """What a payment provider says a payment is, in the engine's terms.

    ``status`` is a :class:`~nexus_catalog.models.PaymentStatus` value. ``amount`` and
    ``currency`` are what the provider holds or took (``Decimal`` with two places, ISO 4217),
    checked by the engine against the payment before it is marked captured: a mismatch never
    marks the order paid. ``captured_amount`` is what was taken so far (``None``: the whole
    amount when ``status`` is ``captured``); ``refunded_amount`` what was given back so far
    (``None``: unknown, left as the engine has it). ``client_secret`` and ``next_action``
    are handed to the client that started the payment (a Stripe PaymentIntent's client
    secret, a redirect); ``failure_code`` says why a payment failed. ``raw`` is kept in the
    payment's event log.
    """

    status: str
    reference: str = ""
    amount: Decimal | None = None
    currency: str = ""
    captured_amount: Decimal | None = None
    refunded_amount: Decimal | None = None
    client_secret: str = ""
    next_action: dict[str, Any] | None = None
    failure_code: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderRefund:
    """A refund the provider made: its id (``reference``), the ``amount`` given back, and
    ``status`` (``"succeeded"``, or ``"pending"`` when the provider confirms later)."""

    reference: str
    amount: Decimal
    status: str = "succeeded"
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookEvent:
    """A provider's webhook, its signature verified by ``parse_webhook``.

    ``event_id`` is the provider's id of the event (unique per provider: a second delivery
    is recognised by it); ``type`` the provider's event type; ``reference`` the provider's
    id of the payment it is about; ``payment`` what it says the payment now is, or ``None``
    for an event type the provider ignores (answered 200, nothing written).
    """

    event_id: str
    type: str
    reference: str = ""
    payment: ProviderPayment | None = None


class PaymentProvider(Protocol):
    """What the engine calls on a payment provider (see ``nexus_payment_providers``).

    Not a base class to inherit: any object with these attributes is a provider.
    """

    code: str

    def start(self, payment: Payment, *, idempotency_key: str) -> ProviderPayment: ...

    def capture(self, payment: Payment, *, idempotency_key: str) -> ProviderPayment: ...

    def refund(
        self, payment: Payment, amount: Decimal, *, idempotency_key: str
    ) -> ProviderRefund: ...

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent: ...

    def retrieve(self, payment: Payment) -> ProviderPayment: ...
