"""Giving an order's money back, through the provider that took it.

Called by the refunds endpoint (staff, full or partial), by
:func:`~nexus_catalog.services.ordering.transition_order` when a paid order is cancelled
(every captured payment refunded in full; a refusal leaves the order paid), and by the
payments service when money arrives for an order already cancelled.

A refund is an outside call made inside the caller's transaction. Its idempotency key is
derived from what the refund is (the payment, the amount refunded before it, its amount,
and the client's ``Idempotency-Key`` when there is one): if the transaction rolls back
after the provider refunded, the retry sends the same key, and the provider answers with
the refund it made instead of refunding twice.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import transaction

from nexus_catalog.exceptions import PaymentError, PaymentProviderError, RefundRefused
from nexus_catalog.models import Order, Payment, PaymentStatus
from nexus_catalog.services.audit import AuditContext
from nexus_catalog.services.payment_providers import get_provider, provider_idempotency_key
from nexus_catalog.services.payment_status import may_move, move_payment, record_provider_event

logger = logging.getLogger(__name__)

REFUNDABLE = frozenset({PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED})


def refund_payment(
    payment: Payment,
    amount: Decimal,
    actor: Any,
    *,
    client_key: str | None = None,
    context: AuditContext | None = None,
) -> Payment:
    """Refund ``amount`` of ``payment`` through its provider. The caller holds the locks
    (the order's row, then the payment's) in a transaction.

    :raises PaymentError: the payment is not captured, or ``amount`` is not between 0.01
        and what is left to refund.
    :raises PaymentProviderError: the provider refused or could not be reached; nothing
        is written.
    """
    if payment.status not in REFUNDABLE:
        raise PaymentError(
            f"Payment {payment.pk} is {payment.status}: only captured money can be refunded.",
            field="amount",
        )
    if amount <= 0 or amount > payment.refundable_amount:
        raise PaymentError(
            f"A refund of payment {payment.pk} must be from 0.01 to "
            f"{payment.refundable_amount} {payment.currency}.",
            field="amount",
        )
    provider = get_provider(payment.provider)
    step = f"refund:{payment.refunded_amount}:{amount}"
    refund = provider.refund(
        payment, amount, idempotency_key=provider_idempotency_key(payment, step, client_key)
    )
    if not record_provider_event(
        payment,
        f"refund:{refund.reference}",
        "refund",
        {"reference": refund.reference, "amount": str(refund.amount), "status": refund.status},
    ):
        # The provider answered with a refund already recorded (a replayed key).
        return payment
    refunded = min(payment.refunded_amount + refund.amount, payment.captured_amount)
    target = (
        PaymentStatus.REFUNDED
        if refunded >= payment.captured_amount
        else PaymentStatus.PARTIALLY_REFUNDED
    )
    move_payment(
        payment,
        target,
        actor,
        action="payment.refunded",
        note={"refund": refund.reference, "refund_amount": str(refund.amount)},
        context=context,
        refunded_amount=refunded,
    )
    return payment


def record_refunded_amount(
    payment: Payment, refunded: Decimal, actor: Any, *, context: AuditContext | None = None
) -> bool:
    """The provider says ``refunded`` has been given back in all (a Stripe
    ``charge.refunded``): raise the payment's refunded amount to it, never lower it (a
    refund made through the engine is already counted). True when it changed."""
    refunded = min(refunded, payment.captured_amount)
    if payment.status not in REFUNDABLE or refunded <= payment.refunded_amount:
        return False
    target = (
        PaymentStatus.REFUNDED
        if refunded >= payment.captured_amount
        else PaymentStatus.PARTIALLY_REFUNDED
    )
    if not may_move(payment, target):
        return False
    move_payment(
        payment,
        target,
        actor,
        action="payment.refunded",
        context=context,
        refunded_amount=refunded,
    )
    return True


def refund_order(
    order: Order,
    actor: Any,
    *,
    amount: Decimal | None = None,
    client_key: str | None = None,
    context: AuditContext | None = None,
) -> list[Payment]:
    """Refund an order's captured money (staff): all of it when ``amount`` is ``None``,
    else ``amount`` from one payment (the one with the most left to refund). The order's
    status is left as it is: cancelling a paid order is what refunds it *and* cancels it.

    :raises PaymentError: nothing to refund, or ``amount`` more than one payment holds.
    :raises PaymentProviderError: the provider refused; nothing is written.
    """
    with transaction.atomic():
        Order.objects.select_for_update().only("id").get(pk=order.pk)
        payments = _refundable_payments(order)
        if not payments:
            raise PaymentError("This order has no captured money to refund.", field="amount")
        if amount is None:
            for payment in payments:
                refund_payment(
                    payment,
                    payment.refundable_amount,
                    actor,
                    client_key=client_key,
                    context=context,
                )
            return payments
        payment = max(payments, key=lambda p: (p.refundable_amount, p.pk))
        refund_payment(payment, amount, actor, client_key=client_key, context=context)
        return [payment]


def refund_for_cancel(order: Order, actor: Any, *, context: AuditContext | None = None) -> None:
    """Refund every captured payment of ``order`` in full, as it is cancelled. Called by
    :func:`~nexus_catalog.services.ordering.transition_order` under the order's lock.

    :raises RefundRefused: a provider refused (or could not be reached); the caller's
        transaction rolls back and the order stays paid.
    """
    for payment in _refundable_payments(order):
        try:
            refund_payment(payment, payment.refundable_amount, actor, context=context)
        except PaymentProviderError as exc:
            raise RefundRefused(
                f"The order stays paid: the refund of payment {payment.pk} through "
                f"{payment.provider} was refused ({exc.message}).",
                field="status",
            ) from exc


def _refundable_payments(order: Order) -> list[Payment]:
    return list(
        Payment.objects.select_for_update()
        .filter(order_id=order.pk, status__in=REFUNDABLE)
        .order_by("pk")
    )
