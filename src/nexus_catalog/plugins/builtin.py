"""Plugins that ship with the package and are always registered (unless disabled by name)."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

from nexus_catalog.plugins.hookspecs import hookimpl
from nexus_catalog.plugins.types import AuditEvent

audit_logger = logging.getLogger("nexus_catalog.audit")


class CatalogPricing:
    """The catalog price, used when no other plugin sets a unit price."""

    @hookimpl(trylast=True)
    def nexus_unit_price(self, product: Any, quantity: int, user: Any) -> Decimal:
        return product.price


class LoggingAuditSink:
    """Writes every audit event as one structured JSON line to the ``nexus_catalog.audit`` logger."""

    @hookimpl
    def nexus_audit_event(self, event: AuditEvent) -> None:
        audit_logger.info(
            json.dumps(event.to_dict(), sort_keys=True, default=str),
            extra={"nexus_event_id": event.event_id, "nexus_action": event.action},
        )


#: (name, plugin) pairs registered by the manager before any other plugin.
BUILTIN_PLUGINS: list[tuple[str, object]] = [
    ("nexus.pricing", CatalogPricing()),
    ("nexus.audit.logging", LoggingAuditSink()),
]
