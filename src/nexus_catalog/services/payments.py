"""Taking an order's money through a payment provider, once.

* :func:`start_payment`: a :class:`~nexus_catalog.models.Payment` of the order's total, in
  the order's currency (never a client's figures), started with the provider.
* :func:`handle_webhook`: a provider's signed event, applied once per event id.
* :func:`capture_payment`: staff take the money of a ``manual`` payment, or of an
  authorized one (Stripe with ``STRIPE_CAPTURE_METHOD = "manual"``).
* :func:`sync_payment` and :func:`reconcile_payments`: ask the provider what a payment in
  flight has become (the reconciliation beat task, and the unpaid-order sweep).

Whatever the path, what the provider says goes through :func:`apply_provider_payment`:
the status moves along :data:`~nexus_catalog.services.payment_status.PAYMENT_TRANSITIONS`;
a capture whose amount or currency differs from the payment is refused (the payment
fails with ``amount_mismatch``, audited) and never marks the order paid; once the order's
captured money covers its total, the order moves pending -> paid through
:func:`~nexus_catalog.services.ordering.transition_order`, with the provider as actor.
Money captured for an order already cancelled is refunded at once.

Lock order: the order row, then the payment row (as :mod:`~nexus_catalog.services.ordering`
takes the order first), so a webhook and a client's cancel never wait on each other in a
cycle: one of them goes first, and the other sees its outcome.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from nexus_catalog.conf import catalog_settings
from nexus_catalog.exceptions import PaymentError, PaymentProviderError
from nexus_catalog.models import (
    CAPTURED_STATUSES,
    IN_FLIGHT,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
)
from nexus_catalog.plugins.types import ProviderPayment
from nexus_catalog.services import audit, ordering, refunds
from nexus_catalog.services.audit import AuditContext, ServiceActor
from nexus_catalog.services.payment_providers import get_provider, provider_idempotency_key
from nexus_catalog.services.payment_status import may_move, move_payment, record_provider_event

logger = logging.getLogger(__name__)

# How many payments one run of the reconciliation handles; the next run takes the rest.
RECONCILE_BATCH_SIZE = 100


def provider_actor(code: str) -> ServiceActor:
    """The actor of what a provider reports (``provider:stripe`` in the audit trail)."""
    return ServiceActor(f"provider:{code}")


def start_payment(
    order: Order,
    provider_code: str,
    actor: Any,
    *,
    client_key: str | None = None,
    context: AuditContext | None = None,
) -> tuple[Payment, ProviderPayment]:
    """Start paying ``order`` through the provider ``provider_code``; the payment and what
    the provider answered (the client secret or next action the client needs).

    The amount and currency are the order's. The provider is called inside the
    transaction that creates the payment, with an idempotency key derived from
    ``client_key`` (see :func:`provider_idempotency_key`).

    :raises UnknownPaymentProvider: no such provider.
    :raises PaymentError: the order is not pending, or has nothing to pay.
    :raises PaymentProviderError: the provider refused or could not be reached; nothing
        is written.
    """
    provider = get_provider(provider_code)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != OrderStatus.PENDING:
            raise PaymentError(
                f"Only a pending order can be paid (this one is {locked.status}).",
                field="provider",
            )
        if locked.total <= 0:
            raise PaymentError("This order has nothing to pay.", field="provider")
        payment = Payment.objects.create(
            order=locked, provider=provider_code, amount=locked.total, currency=locked.currency
        )
        audit.record(
            "payment.created",
            payment,
            actor=actor,
            after={
                "order": locked.pk,
                "provider": provider_code,
                "amount": str(payment.amount),
                "currency": payment.currency,
            },
            context=context,
        )
        answer = provider.start(
            payment, idempotency_key=provider_idempotency_key(payment, "start", client_key)
        )
        apply_provider_payment(
            locked,
            payment,
            answer,
            event_id=f"start:{payment.uuid}",
            event_type="start",
            actor=provider_actor(provider_code),
            context=context,
        )
    return payment, answer


def capture_payment(
    payment: Payment,
    actor: Any,
    *,
    client_key: str | None = None,
    context: AuditContext | None = None,
) -> Payment:
    """Take the money of a payment not captured yet (staff): a ``manual`` payment once the
    transfer arrived, or an authorized card payment.

    :raises PaymentError: the payment cannot be captured from its status.
    :raises PaymentProviderError: the provider refused; nothing is written.
    """
    provider = get_provider(payment.provider)
    with transaction.atomic():
        order, locked = _lock(payment)
        if locked.status not in IN_FLIGHT:
            raise PaymentError(
                f"Payment {locked.pk} is {locked.status}; only a payment in flight can be "
                "captured.",
                field="payment",
            )
        answer = provider.capture(
            locked, idempotency_key=provider_idempotency_key(locked, "capture", client_key)
        )
        apply_provider_payment(
            order,
            locked,
            answer,
            event_id=f"capture:{locked.uuid}",
            event_type="capture",
            actor=actor,
            context=context,
        )
    _refresh(payment, locked)
    return payment


def handle_webhook(
    provider_code: str,
    body: bytes,
    headers: Any,
    *,
    context: AuditContext | None = None,
) -> str:
    """Verify and apply a provider's webhook; what became of it: ``processed``,
    ``duplicate`` (this event id was applied before), ``ignored`` (a type the provider does
    not act on) or ``unmatched`` (no payment has its reference: logged, nothing written;
    the reconciliation finds the payment's outcome should it appear later).

    :raises UnknownPaymentProvider: no such provider.
    :raises WebhookSignatureError: the signature is missing or wrong; nothing is written.
    """
    provider = get_provider(provider_code)
    event = provider.parse_webhook(body, headers)
    if event.payment is None:
        return "ignored"
    found = (
        Payment.objects.filter(provider=provider_code, reference=event.reference)
        .only("id", "order_id")
        .first()
        if event.reference
        else None
    )
    if found is None:
        logger.warning(
            "Webhook %s (%s) of %s names no known payment (%r); ignored",
            event.event_id,
            event.type,
            provider_code,
            event.reference,
        )
        return "unmatched"
    with transaction.atomic():
        order, payment = _lock(found)
        applied = apply_provider_payment(
            order,
            payment,
            event.payment,
            event_id=event.event_id,
            event_type=event.type,
            actor=provider_actor(provider_code),
            context=context,
        )
    return "processed" if applied else "duplicate"


def apply_provider_payment(
    order: Order,
    payment: Payment,
    state: ProviderPayment,
    *,
    event_id: str,
    event_type: str,
    actor: Any,
    context: AuditContext | None = None,
) -> bool:
    """Apply what the provider says ``payment`` is; False when ``event_id`` was applied
    before (nothing done). The caller holds the order's lock, then the payment's."""
    if not record_provider_event(payment, event_id, event_type, _event_data(state)):
        return False
    if state.reference and not payment.reference:
        payment.reference = state.reference
        payment.save(update_fields=["reference", "updated_at"])
    target = state.status
    if target in CAPTURED_STATUSES and payment.status not in CAPTURED_STATUSES:
        _capture(order, payment, state, actor, context)
    elif target not in CAPTURED_STATUSES and target != payment.status:
        if may_move(payment, target):
            move_payment(payment, target, actor, context=context, failure_code=state.failure_code)
        else:
            logger.info(
                "Payment %s: %s says %s, but it is %s; left as it is",
                payment.pk,
                payment.provider,
                target,
                payment.status,
            )
    if state.refunded_amount is not None:
        refunds.record_refunded_amount(payment, state.refunded_amount, actor, context=context)
    return True


def _capture(
    order: Order,
    payment: Payment,
    state: ProviderPayment,
    actor: Any,
    context: AuditContext | None,
) -> None:
    mismatch = _mismatch(order, payment, state)
    if mismatch:
        # Never marks the order paid. The money the provider holds is for staff to look at
        # (and refund in the provider's dashboard): the audit row says what differed.
        if payment.status != PaymentStatus.FAILED:
            move_payment(
                payment,
                PaymentStatus.FAILED,
                actor,
                action="payment.mismatch",
                note=mismatch,
                context=context,
                failure_code="amount_mismatch",
            )
        else:
            audit.record("payment.mismatch", payment, actor=actor, after=mismatch, context=context)
        logger.error("Payment %s refused: %s", payment.pk, mismatch)
        return
    captured = state.captured_amount if state.captured_amount is not None else payment.amount
    move_payment(
        payment,
        PaymentStatus.CAPTURED,
        actor,
        context=context,
        captured_amount=captured,
        failure_code="",
    )
    if order.status == OrderStatus.PENDING and _captured_total(order) >= order.total:
        ordering.transition_order(order, OrderStatus.PAID, actor, context=context)
    elif order.status == OrderStatus.CANCELLED:
        _refund_after_cancel(payment, actor, context)


def _refund_after_cancel(payment: Payment, actor: Any, context: AuditContext | None) -> None:
    """Money arrived for an order already cancelled (the customer paid as the order was
    cancelled, or after the sweep gave up on it): give it back."""
    try:
        with transaction.atomic():
            refunds.refund_payment(payment, payment.refundable_amount, actor, context=context)
    except PaymentProviderError as exc:
        audit.record(
            "payment.refund_failed",
            payment,
            actor=actor,
            after={"order": payment.order_id, "reason": exc.message},
            context=context,
        )
        logger.error(
            "Payment %s of cancelled order %s not refunded: %s", payment.pk, payment.order_id, exc
        )


def _mismatch(order: Order, payment: Payment, state: ProviderPayment) -> dict[str, str]:
    """What differs between the capture the provider reports and the order; empty if
    nothing does."""
    amount = state.captured_amount if state.captured_amount is not None else state.amount
    expected = {"amount": order.total, "currency": order.currency}
    reported = {"amount": amount, "currency": (state.currency or "").upper()}
    if (
        payment.amount != order.total
        or payment.currency != order.currency
        or amount is None
        or Decimal(amount) != order.total
        or reported["currency"] != order.currency
    ):
        return {
            "expected_amount": str(expected["amount"]),
            "expected_currency": expected["currency"],
            "reported_amount": str(reported["amount"]),
            "reported_currency": reported["currency"],
        }
    return {}


def _captured_total(order: Order) -> Decimal:
    total = Payment.objects.filter(order_id=order.pk, status__in=CAPTURED_STATUSES).aggregate(
        net=Sum(F("captured_amount") - F("refunded_amount"))
    )["net"]
    return total or Decimal("0")


def sync_payment(payment: Payment, *, context: AuditContext | None = None) -> Payment:
    """Ask the provider what ``payment`` is now (``retrieve``, outside any lock) and apply
    it. A payment still in flight whose order was cancelled is marked cancelled.

    :raises PaymentProviderError: the provider could not be asked; nothing is written.
    """
    provider = get_provider(payment.provider)
    state = provider.retrieve(payment)
    actor = provider_actor(payment.provider)
    with transaction.atomic():
        order, locked = _lock(payment)
        if _differs(locked, state):
            apply_provider_payment(
                order,
                locked,
                state,
                event_id=f"retrieve:{uuid.uuid4()}",
                event_type="retrieve",
                actor=actor,
                context=context,
            )
        if locked.status in IN_FLIGHT and order.status == OrderStatus.CANCELLED:
            move_payment(locked, PaymentStatus.CANCELLED, None, context=context)
    _refresh(payment, locked)
    return payment


def _differs(payment: Payment, state: ProviderPayment) -> bool:
    if state.status != payment.status:
        return True
    return state.refunded_amount is not None and state.refunded_amount != payment.refunded_amount


def payments_to_reconcile(
    now: datetime | None = None, *, limit: int = RECONCILE_BATCH_SIZE
) -> list[Payment]:
    """The oldest payments still in flight ``PAYMENTS["RECONCILE_AFTER"]`` after they started."""
    cutoff = (now or timezone.now()) - catalog_settings.PAYMENTS["RECONCILE_AFTER"]
    return list(
        Payment.objects.filter(status__in=IN_FLIGHT, created_at__lte=cutoff).order_by(
            "created_at", "id"
        )[:limit]
    )


def reconcile_payments(limit: int = RECONCILE_BATCH_SIZE) -> int:
    """Ask the providers about the payments in flight for too long; how many changed.

    One payment whose provider cannot be asked is logged and the others are still asked.
    """
    changed = 0
    for payment in payments_to_reconcile(limit=limit):
        before = payment.status
        try:
            sync_payment(payment)
        except Exception:
            logger.exception("Payment %s could not be reconciled; next run tries again", payment.pk)
            continue
        changed += payment.status != before
    if changed:
        logger.info("Reconciled %d payment(s)", changed)
    return changed


def in_flight_payments(order: Order) -> list[Payment]:
    return list(Payment.objects.filter(order_id=order.pk, status__in=IN_FLIGHT).order_by("pk"))


def _lock(payment: Payment) -> tuple[Order, Payment]:
    """The order's row, then the payment's, locked (the lock order of the module)."""
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    return order, Payment.objects.select_for_update().get(pk=payment.pk)


def _refresh(payment: Payment, fresh: Payment) -> None:
    for field in Payment._meta.concrete_fields:
        setattr(payment, field.attname, getattr(fresh, field.attname))


def _event_data(state: ProviderPayment) -> dict[str, Any]:
    return {
        "status": state.status,
        "reference": state.reference,
        "amount": None if state.amount is None else str(state.amount),
        "currency": state.currency,
        "refunded_amount": None if state.refunded_amount is None else str(state.refunded_amount),
        "failure_code": state.failure_code,
        "raw": state.raw,
    }
