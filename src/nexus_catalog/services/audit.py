"""Recording audit events, and delivering them to the sinks after commit.

:func:`record` writes the :class:`~nexus_catalog.models.AuditLog` row inside the caller's
transaction, so a change and its audit row commit or roll back together. Delivery to the
``nexus_audit_event`` sinks is scheduled with ``transaction.on_commit``: nothing is sent for
a change that rolled back. The row is the outbox: ``delivered_at`` is set once every sink
has taken the event.

With a broker, delivery is the Celery task :data:`DELIVERY_TASK`, enqueued by its name:
this module never imports the tasks module (which imports this one).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from celery import current_app
from django.db import connections, models, router, transaction
from django.utils import timezone

from nexus_catalog.conf import catalog_settings
from nexus_catalog.models import AuditLog
from nexus_catalog.plugins.manager import get_plugin_manager
from nexus_catalog.plugins.types import AuditEvent

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"
GUEST_ACTOR = "guest"

#: The name of the Celery task that delivers an event to the sinks
#: (:func:`nexus_catalog.tasks.deliver_audit_event` is registered under it).
DELIVERY_TASK = "nexus_catalog.tasks.deliver_audit_event"


@dataclass(frozen=True)
class AuditContext:
    """Where a change came from: filled by the API layer, empty for tasks and commands."""

    request_id: str = ""
    ip_address: str | None = None


@dataclass(frozen=True)
class ServiceActor:
    """An actor that is not a user: a payment provider marking an order paid.

    It may make any move the system may (``is_staff``), and is recorded in the audit
    trail under its ``name`` (``"provider:stripe"``) instead of ``"system"``.
    """

    name: str
    is_staff = True
    is_authenticated = False
    pk = None

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class GuestActor:
    """The anonymous customer of a guest order: whoever presented its secret (or placed
    it, ``order_id`` then ``None``). Not a user, not staff: it may cancel its own order
    while pending, and nothing else. Recorded in the audit trail as ``"guest"`` (no user),
    with the request's context (request id, IP address)."""

    order_id: int | None = None
    is_staff = False
    is_authenticated = False
    pk = None

    def __str__(self) -> str:
        return GUEST_ACTOR


def object_type(obj: models.Model) -> str:
    return obj._meta.label_lower


def jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with what JSON cannot hold as is (a ``Decimal``, a datetime) as strings."""
    return {
        k: v.isoformat() if hasattr(v, "isoformat") else str(v) if isinstance(v, Decimal) else v
        for k, v in values.items()
    }


def save_recorded(
    obj: models.Model,
    values: Mapping[str, Any],
    *,
    name: str,
    actor: Any = None,
    context: AuditContext | None = None,
) -> None:
    """Set ``values`` on ``obj``, save it and record it, in one transaction: ``<name>.created``
    for an unsaved ``obj``, else ``<name>.updated`` with the fields' values before. For the
    staff writes of plain rows (shipping methods, vouchers); ``values`` are already checked."""
    creating = obj._state.adding
    before = {} if creating else {k: getattr(obj, k) for k in values}
    with transaction.atomic(using=router.db_for_write(type(obj))):
        for field, value in values.items():
            setattr(obj, field, value)
        obj.save()
        record(
            f"{name}.created" if creating else f"{name}.updated",
            obj,
            actor=actor,
            before=jsonable(before) if before else None,
            after=jsonable({k: getattr(obj, k) for k in values}),
            context=context,
        )


def changed_fields(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose value differs, from each side."""
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys if k in before}, {
        k: after.get(k) for k in keys if k in after
    }


def record(
    action: str,
    obj: models.Model,
    *,
    actor: Any = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    context: AuditContext | None = None,
) -> AuditLog:
    """Write one audit row in the current transaction and schedule its delivery on commit.

    ``actor`` is a user, a :class:`ServiceActor`, a :class:`GuestActor`, or ``None`` for
    the system. ``before``/``after`` should hold only the
    fields that changed (see :func:`changed_fields`).
    """
    context = context or AuditContext()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    log = AuditLog(
        action=action,
        object_type=object_type(obj),
        object_id=str(obj.pk),
        actor=actor if is_user else None,
        actor_repr=actor.get_username() if is_user else _non_user_repr(actor),
        before=dict(before or {}),
        after=dict(after or {}),
        request_id=context.request_id[:64],
        ip_address=context.ip_address,
    )
    log.save(using=router.db_for_write(AuditLog))
    deliver_on_commit(log)
    return log


def _non_user_repr(actor: Any) -> str:
    if isinstance(actor, ServiceActor):
        return actor.name
    return GUEST_ACTOR if isinstance(actor, GuestActor) else SYSTEM_ACTOR


def deliver_on_commit(log: AuditLog) -> None:
    """Hand the saved ``log`` to the sinks once the current transaction commits."""
    event_id = log.event_id

    def dispatch_audit_event() -> None:
        dispatch(event_id)

    # robust: whatever dispatch raises is logged by Django, never the caller's error, and
    # the other after-commit callbacks still run; the row stays undelivered and the
    # redelivery sweep sends it. A named function, not a functools.partial: Django logs
    # the callback's __qualname__, which a partial lacks (the AttributeError would escape
    # the commit).
    transaction.on_commit(dispatch_audit_event, robust=True)


def dispatch(event_id: UUID | str) -> None:
    """Hand a committed event to the sinks (scheduled on commit by :func:`record`).

    With a broker, the Celery task :data:`DELIVERY_TASK` is enqueued by name on the current
    Celery app; an enqueue that fails (broker down) is logged and the event stays
    undelivered in the outbox, where :func:`undelivered_events` finds it for the
    redelivery sweep. Without a broker (no broker URL, or Celery's ``task_always_eager``),
    the event is delivered here, once: retrying inline would hold up the request that made
    the change, so a failure is left to the redelivery sweep too.
    """
    if not sends_to_a_broker():
        deliver(event_id)
        return
    try:
        current_app.send_task(DELIVERY_TASK, args=[str(event_id)])
    except Exception:
        logger.exception(
            "Audit event %s could not be enqueued; it stays in the outbox for redelivery",
            event_id,
        )


def sends_to_a_broker() -> bool:
    """Whether the current Celery app publishes tasks to a broker: it has a broker URL and
    does not run tasks eagerly. A project without a Celery app configured gets Celery's
    default app, which has none: its work is then done in the calling process."""
    conf = current_app.conf
    return bool(conf.broker_url) and not conf.task_always_eager


class DeliveryStatus(str, Enum):
    DELIVERED = "delivered"  # every sink has the event now; the row is marked
    ALREADY_DELIVERED = "already_delivered"  # the row was marked before; no sink called
    FAILED = "failed"  # at least one sink raised; the row stays undelivered
    BUSY = "busy"  # another worker is delivering this event right now
    MISSING = "missing"  # no such event


@dataclass(frozen=True)
class Delivery:
    """What one delivery attempt did. ``done`` names every sink that has the event (in
    this attempt or, through ``done=`` of :func:`deliver_event`, an earlier one); ``failed``
    the sinks that raised."""

    event_id: str
    status: DeliveryStatus
    done: frozenset[str] = frozenset()
    failed: tuple[str, ...] = ()

    @property
    def finished(self) -> bool:
        """Nothing left to retry: delivered (now or before), or nothing to deliver."""
        return self.status is not DeliveryStatus.FAILED


def deliver_event(event_id: UUID | str, *, done: Iterable[str] = ()) -> Delivery:
    """Call every ``nexus_audit_event`` sink not named in ``done`` with the event.

    Each sink is called on its own (in a savepoint of its own), so one that raises is
    logged with the event id and the others still run. The row is marked delivered only
    when every sink has the event; each call counts one ``delivery_attempts``. An event
    already marked delivered is left alone, so running this twice sends nothing twice.

    Where the database can skip locked rows (PostgreSQL), the row stays locked while the
    sinks run: a second worker handed the same event (the redelivery sweep beside a retry)
    finds it locked and reports :attr:`DeliveryStatus.BUSY` instead of sending it again.
    """
    event_key = str(event_id)
    done = frozenset(done)
    db = router.db_for_write(AuditLog)
    with transaction.atomic(using=db):
        rows = AuditLog.objects.using(db).filter(event_id=event_key)
        if connections[db].features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        log = rows.first()
        if log is None:
            if AuditLog.objects.using(db).filter(event_id=event_key).exists():
                return Delivery(event_key, DeliveryStatus.BUSY, done)
            logger.warning("Audit event %s not found; nothing delivered", event_key)
            return Delivery(event_key, DeliveryStatus.MISSING, done)
        if log.delivered_at is not None:
            return Delivery(event_key, DeliveryStatus.ALREADY_DELIVERED, done)
        event = AuditEvent.from_log(log)
        succeeded, failed = set(done), []
        # A sink that writes to the database and fails must not break the transaction
        # that holds the row: each is called in a savepoint of its own.
        for outcome in get_plugin_manager().call_each(
            "nexus_audit_event",
            {"event": event},
            skip=done,
            isolation=lambda: transaction.atomic(using=db),
        ):
            if outcome.failed:
                failed.append(outcome.plugin_name)
                logger.error(
                    "Audit sink %s failed for event %s",
                    outcome.plugin_name,
                    event.event_id,
                    exc_info=outcome.error,
                )
            else:
                succeeded.add(outcome.plugin_name)
        AuditLog.objects.using(db).filter(pk=log.pk).update(
            delivery_attempts=models.F("delivery_attempts") + 1,
            **({} if failed else {"delivered_at": timezone.now()}),
        )
    status = DeliveryStatus.FAILED if failed else DeliveryStatus.DELIVERED
    return Delivery(event_key, status, frozenset(succeeded), tuple(failed))


def deliver(event_id: UUID | str) -> bool:
    """Deliver the event to every sink (see :func:`deliver_event`); True when every sink
    has it, now or from an earlier delivery."""
    return deliver_event(event_id).status in (
        DeliveryStatus.DELIVERED,
        DeliveryStatus.ALREADY_DELIVERED,
    )


def undelivered_events(now: datetime | None = None, *, limit: int = 100) -> list[str]:
    """The ids of the oldest events still undelivered ``AUDIT_REDELIVERY_DELAY`` after
    they were recorded (at most ``limit``): those whose delivery was never enqueued (the
    broker was down), or whose retries ran out."""
    cutoff = (now or timezone.now()) - catalog_settings.AUDIT_REDELIVERY_DELAY
    return [
        str(event_id)
        for event_id in AuditLog.objects.filter(delivered_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at", "id")
        .values_list("event_id", flat=True)[:limit]
    ]
