"""Recording audit events, and delivering them to the sinks after commit.

:func:`record` writes the :class:`~nexus_catalog.models.AuditLog` row inside the caller's
transaction, so a change and its audit row commit or roll back together. Delivery to the
``nexus_audit_event`` sinks is scheduled with ``transaction.on_commit``: nothing is sent for
a change that rolled back. The row is the outbox: ``delivered_at`` is set once every sink
has taken the event.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from uuid import UUID

from django.db import models, transaction
from django.utils import timezone

from nexus_catalog.models import AuditLog
from nexus_catalog.plugins.manager import get_plugin_manager
from nexus_catalog.plugins.types import AuditEvent

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class AuditContext:
    """Where a change came from: filled by the API layer, empty for tasks and commands."""

    request_id: str = ""
    ip_address: str | None = None


def object_type(obj: models.Model) -> str:
    return obj._meta.label_lower


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

    ``actor`` is a user, ``None`` for the system. ``before``/``after`` should hold only the
    fields that changed (see :func:`changed_fields`).
    """
    context = context or AuditContext()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    log = AuditLog.objects.create(
        action=action,
        object_type=object_type(obj),
        object_id=str(obj.pk),
        actor=actor if is_user else None,
        actor_repr=actor.get_username() if is_user else SYSTEM_ACTOR,
        before=dict(before or {}),
        after=dict(after or {}),
        request_id=context.request_id[:64],
        ip_address=context.ip_address,
    )
    transaction.on_commit(partial(dispatch, log.event_id))
    return log


def dispatch(event_id: UUID | str) -> None:
    """Hand a committed event to the sinks (called on commit)."""
    deliver(event_id)


def deliver(event_id: UUID | str) -> bool:
    """Call every ``nexus_audit_event`` sink with the event; True when all of them took it.

    Each sink is called on its own, so one that raises is logged with the event id and the
    others still run. The row is marked delivered only when no sink failed.
    """
    log = AuditLog.objects.filter(event_id=event_id).first()
    if log is None:
        logger.warning("Audit event %s not found; nothing delivered", event_id)
        return False
    event = AuditEvent.from_log(log)
    hook = get_plugin_manager().hook.nexus_audit_event
    failed = []
    # pluggy calls implementations last-registered first; each is called alone here so
    # that one failure does not stop the rest (a plain hook call stops at the first raise).
    for impl in reversed(hook.get_hookimpls()):
        try:
            impl.function(*[{"event": event}[name] for name in impl.argnames])
        except Exception:
            failed.append(impl.plugin_name)
            logger.exception("Audit sink %s failed for event %s", impl.plugin_name, event.event_id)
    AuditLog.objects.filter(pk=log.pk).update(
        delivery_attempts=models.F("delivery_attempts") + 1,
        **({} if failed else {"delivered_at": timezone.now()}),
    )
    return not failed
