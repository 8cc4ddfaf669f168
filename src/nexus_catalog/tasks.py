"""Celery tasks of the catalog: audit delivery (the order e-mail included), the beat sweeps.

The tasks are ``shared_task``: they bind to the host project's Celery app, and this package
never imports one. Each is safe to run twice (a message redelivered after a worker died, a
sweep overlapping the previous one): the work it does is checked against the database
first. Messages are acknowledged after the task ran (``acks_late``), so a worker that dies
mid-task leaves the message to another.

Beat schedule the host project should set (see the example project's settings):
:func:`redeliver_audit_events` every minute or so, :func:`cancel_unpaid_orders` every few
minutes, :func:`purge_idempotency_records` hourly, :func:`purge_old_carts` daily.

The retry pace of :func:`deliver_audit_event` is read from the task's attributes
(``max_retries``, ``retry_backoff``, ``retry_backoff_max``), which a project may change
with Celery's ``task_annotations``.
"""

from __future__ import annotations

import logging
import random

from celery import shared_task

from nexus_catalog.idempotency.store import purge_expired
from nexus_catalog.services import audit, carts, payments, unpaid

logger = logging.getLogger(__name__)
# Events whose retries ran out: a logger of its own, so an operator can route it to an alert.
dead_letter_logger = logging.getLogger("nexus_catalog.tasks.dead_letter")

# How many rows one run of a sweep handles; the next run takes the rest.
SWEEP_BATCH_SIZE = 100


def backoff_delay(retries: int, factor: float, maximum: float) -> float:
    """Seconds before retry number ``retries + 1``: exponential, capped, with full jitter.

    Full jitter (a uniform draw between 0 and the exponential delay) spreads the retries of
    many events that failed together, so a recovering sink is not hit by all at once.
    """
    return random.uniform(0, min(maximum, factor * 2**retries))


@shared_task(
    name=audit.DELIVERY_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=5,
    retry_backoff=2.0,
    retry_backoff_max=60.0,
)
def deliver_audit_event(
    self, event_id: str, done: list[str] | None = None, retry: bool = True
) -> str:
    """Deliver one audit event to the sinks that do not have it yet.

    A sink that raises is retried with exponential backoff and jitter; the sinks that took
    the event are passed on in ``done``, so a retry calls only the ones that failed. After
    the last retry a dead-letter line is logged and the event stays undelivered for the
    redelivery sweep. ``retry=False`` makes a single attempt (the sweep's). Returns the
    :class:`~nexus_catalog.services.audit.DeliveryStatus` value.
    """
    delivery = audit.deliver_event(event_id, done=done or ())
    if delivery.finished:
        return delivery.status.value
    retries = self.request.retries
    if retry and retries < self.max_retries:
        raise self.retry(
            kwargs={"event_id": event_id, "done": sorted(delivery.done), "retry": True},
            countdown=backoff_delay(retries, self.retry_backoff, self.retry_backoff_max),
        )
    dead_letter_logger.error(
        "Audit event %s undelivered after %d attempt(s) of this task; failing sinks: %s. "
        "It stays in the outbox for the redelivery sweep.",
        event_id,
        retries + 1,
        ", ".join(delivery.failed),
        extra={"nexus_event_id": event_id, "nexus_failed_sinks": list(delivery.failed)},
    )
    return delivery.status.value


@shared_task(acks_late=True, ignore_result=True)
def redeliver_audit_events(limit: int = SWEEP_BATCH_SIZE) -> int:
    """Beat: enqueue one delivery attempt for each event still undelivered
    ``AUDIT_REDELIVERY_DELAY`` after it was recorded; returns how many.

    One attempt each, without retries: the sweep itself is the retry loop, so a sink that
    stays down costs one attempt per event per run, not a growing pile of retry chains.
    """
    event_ids = audit.undelivered_events(limit=limit)
    for event_id in event_ids:
        deliver_audit_event.delay(event_id, retry=False)
    if event_ids:
        logger.info("Redelivering %d undelivered audit event(s)", len(event_ids))
    return len(event_ids)


@shared_task(acks_late=True, ignore_result=True)
def purge_idempotency_records() -> int:
    """Beat: delete the expired idempotency records; returns how many."""
    purged = purge_expired()
    logger.info("Purged %d expired idempotency record(s)", purged)
    return purged


@shared_task(acks_late=True, ignore_result=True)
def cancel_unpaid_orders(limit: int = SWEEP_BATCH_SIZE) -> int:
    """Beat: cancel the orders still pending ``UNPAID_ORDER_TTL`` after they were placed
    and return their stock; returns how many were cancelled
    (:func:`nexus_catalog.services.unpaid.cancel_unpaid_orders`: one order that cannot be
    cancelled is logged and the others still are)."""
    return unpaid.cancel_unpaid_orders(limit=limit)


@shared_task(acks_late=True, ignore_result=True)
def purge_old_carts() -> int:
    """Beat: delete the carts untouched for ``CART_TTL``; returns how many
    (:func:`nexus_catalog.services.carts.purge_old_carts`)."""
    purged = carts.purge_old_carts()
    logger.info("Purged %d old cart(s)", purged)
    return purged


@shared_task(acks_late=True, ignore_result=True)
def reconcile_payments(limit: int = SWEEP_BATCH_SIZE) -> int:
    """Beat: ask the providers about the payments still in flight
    ``PAYMENTS["RECONCILE_AFTER"]`` after they started; returns how many changed
    (:func:`nexus_catalog.services.payments.reconcile_payments`)."""
    return payments.reconcile_payments(limit=limit)
