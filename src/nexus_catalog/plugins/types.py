"""Value objects that hooks receive and return. Immutable, typed and JSON-friendly."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nexus_catalog.models import AuditLog, Product


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
