"""Orders left unpaid: which count as unpaid, and cancelling them.

A pending order placed more than ``UNPAID_ORDER_TTL`` ago is cancelled by the system,
through the same service as a user's cancel (stock returned, audited with actor
``system``). The beat task :func:`nexus_catalog.tasks.cancel_unpaid_orders` runs
:func:`cancel_unpaid_orders`.

An order with a payment in flight is never cancelled without asking the payment's provider
first (``retrieve``): money that arrived marks it paid instead; a provider that cannot be
asked leaves the order for the next run; a payment authorized (money held, not yet
captured) leaves it for staff, who capture or release it. Once the order is cancelled, its
payments still in flight are marked cancelled, and money that arrives later anyway is
refunded (see :mod:`nexus_catalog.services.payments`).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from nexus_catalog.conf import catalog_settings
from nexus_catalog.exceptions import OrderTransitionDenied
from nexus_catalog.models import IN_FLIGHT, Order, OrderStatus, Payment, PaymentStatus
from nexus_catalog.services import payments
from nexus_catalog.services.ordering import cancel_order
from nexus_catalog.services.payment_status import move_payment

logger = logging.getLogger(__name__)

# How many orders one run of the sweep handles; the next run takes the rest.
SWEEP_BATCH_SIZE = 100


def unpaid_order_ids(now: datetime | None = None, *, limit: int = SWEEP_BATCH_SIZE) -> list[int]:
    """The oldest pending orders placed more than ``UNPAID_ORDER_TTL`` ago (at most ``limit``)."""
    cutoff = (now or timezone.now()) - catalog_settings.UNPAID_ORDER_TTL
    return list(
        Order.objects.filter(status=OrderStatus.PENDING, created_at__lte=cutoff)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def cancel_unpaid_order(order_id: int) -> bool:
    """Cancel one unpaid order as the system; True when it was cancelled.

    The order is taken with ``SKIP LOCKED`` (where the database has it) and re-read: an
    order a user is paying right now, or paid meanwhile, is left alone. A veto
    (``nexus_order_pre_transition``) is logged and leaves the order as it is; any other
    error propagates, after the transaction of this order rolled back.

    Each payment in flight is first asked about (:func:`~nexus_catalog.services.payments.
    sync_payment`, outside the order's lock: a provider is a network call away); an error
    asking (``PaymentProviderError`` included) propagates and the order is left as it is.
    """
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return False
    asked = set()
    for payment in payments.in_flight_payments(order):
        payments.sync_payment(payment)
        asked.add(payment.pk)
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(skip_locked=True)
            .filter(pk=order_id, status=OrderStatus.PENDING)
            .first()
        )
        if order is None:
            logger.info("Unpaid order %s is no longer pending or is busy; skipped", order_id)
            return False
        in_flight = list(
            Payment.objects.select_for_update().filter(order=order, status__in=IN_FLIGHT)
        )
        if any(p.pk not in asked for p in in_flight):
            # A payment started while the others were asked about: next run.
            logger.info("Unpaid order %s has a payment just started; skipped", order_id)
            return False
        if any(p.status == PaymentStatus.AUTHORIZED for p in in_flight):
            logger.warning(
                "Unpaid order %s has an authorized payment (money held); left for staff",
                order_id,
            )
            return False
        try:
            cancel_order(order, None)
        except OrderTransitionDenied as exc:
            # A plugin's veto (TransitionVetoed) included: the order stays as it is.
            logger.warning("Unpaid order %s not cancelled: %s", order_id, exc)
            return False
        for payment in in_flight:
            move_payment(payment, PaymentStatus.CANCELLED, None)
    return True


def cancel_unpaid_orders(limit: int = SWEEP_BATCH_SIZE) -> int:
    """Cancel the orders still pending ``UNPAID_ORDER_TTL`` after they were placed and
    return their stock; how many were cancelled.

    Each order is cancelled in a transaction of its own (a savepoint, inside one): one
    that cannot be cancelled, whatever the reason (a veto, a plugin that raises, returned
    units that would overflow the stock column), is logged with its id and the sweep goes
    on with the others; the next run tries it again.
    """
    cancelled = 0
    for order_id in unpaid_order_ids(limit=limit):
        try:
            cancelled += cancel_unpaid_order(order_id)
        except Exception:
            logger.exception("Unpaid order %s could not be cancelled; the sweep goes on", order_id)
    if cancelled:
        logger.info("Cancelled %d unpaid order(s)", cancelled)
    return cancelled
