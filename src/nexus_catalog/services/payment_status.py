"""The statuses a payment moves through, and the record of each move.

:data:`PAYMENT_TRANSITIONS` is the payments' state machine, as
:data:`nexus_catalog.services.ordering.TRANSITIONS` is the orders'. Every move is written
with an audit row ``payment.<status>`` in the caller's transaction; what the provider said
is kept, once per provider event id, as a :class:`~nexus_catalog.models.PaymentEvent`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from nexus_catalog.models import Payment, PaymentEvent, PaymentStatus
from nexus_catalog.services import audit
from nexus_catalog.services.audit import AuditContext

logger = logging.getLogger(__name__)

S = PaymentStatus

#: Each payment status and the statuses it may move to. A failed payment may be tried again
#: (a Stripe PaymentIntent takes another card); a failed or cancelled one may still turn out
#: captured (the customer paid after we gave up): that money is recorded, then refunded
#: when the order is cancelled.
PAYMENT_TRANSITIONS: Mapping[str, frozenset[str]] = {
    S.PENDING: frozenset({S.REQUIRES_ACTION, S.AUTHORIZED, S.CAPTURED, S.FAILED, S.CANCELLED}),
    S.REQUIRES_ACTION: frozenset({S.PENDING, S.AUTHORIZED, S.CAPTURED, S.FAILED, S.CANCELLED}),
    S.AUTHORIZED: frozenset({S.CAPTURED, S.FAILED, S.CANCELLED}),
    S.FAILED: frozenset({S.PENDING, S.REQUIRES_ACTION, S.AUTHORIZED, S.CAPTURED, S.CANCELLED}),
    S.CANCELLED: frozenset({S.CAPTURED}),
    S.CAPTURED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.REFUNDED: frozenset(),
}


def may_move(payment: Payment, target: str) -> bool:
    return target in PAYMENT_TRANSITIONS[payment.status]


def move_payment(
    payment: Payment,
    target: str,
    actor: Any,
    *,
    action: str | None = None,
    note: Mapping[str, Any] | None = None,
    context: AuditContext | None = None,
    **fields: Any,
) -> None:
    """Set ``payment``'s status to ``target`` (and ``fields``), save, and audit it as
    ``action`` (default ``payment.<target>``). The caller holds the payment's row lock
    and has checked :func:`may_move`."""
    before = {"status": payment.status, **{k: getattr(payment, k) for k in fields}}
    payment.status = target
    for name, value in fields.items():
        setattr(payment, name, value)
    payment.save(update_fields=["status", *fields, "updated_at"])
    changed_before, changed_after = audit.changed_fields(before, {"status": target, **fields})
    audit.record(
        action or f"payment.{target}",
        payment,
        actor=actor,
        before=_jsonable(changed_before),
        after={
            **_jsonable(changed_after),
            "order": payment.order_id,
            "provider": payment.provider,
            **(note or {}),
        },
        context=context,
    )


def record_provider_event(
    payment: Payment, event_id: str, event_type: str, data: Mapping[str, Any]
) -> bool:
    """Append what the provider said, once per ``(provider, event_id)``; False when the
    event was recorded before (a second delivery).

    The caller holds the payment's row lock, so two deliveries of one event are serialised
    on it; the unique constraint is the last word should another path race (the insert
    runs in a savepoint, so a duplicate leaves the caller's transaction usable).
    """
    events = PaymentEvent.objects.filter(provider=payment.provider, provider_event_id=event_id)
    if events.exists():
        return False
    try:
        with transaction.atomic():
            PaymentEvent.objects.create(
                payment=payment,
                provider=payment.provider,
                provider_event_id=event_id,
                type=event_type,
                data=dict(data),
            )
    except IntegrityError:
        logger.info("Payment event %s of %s already recorded", event_id, payment.provider)
        return False
    return True


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: str(v) if not isinstance(v, (str, int, type(None))) else v for k, v in values.items()
    }
