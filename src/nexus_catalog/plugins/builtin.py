"""Plugins that ship with the package, registered before any other (unless disabled by name).

The database is not a sink: the :class:`~nexus_catalog.models.AuditLog` row is written by
:func:`nexus_catalog.services.audit.record` in the same transaction as the change, so it is
the record of what happened and the outbox from which the sinks are fed. The sinks are the
``nexus_audit_event`` implementations: the logging sink below, always; the order e-mail
(:class:`~nexus_catalog.notifications.OrderEmailNotifier`, on ``order.created`` only); the
webhook sink (:mod:`nexus_catalog.plugins.webhooks`) when ``WEBHOOK_URLS`` is set; and any
plugin's. The payment providers ``manual`` and ``stripe`` come from ``nexus.payments``
(:mod:`nexus_catalog.payments`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Container
from decimal import Decimal
from typing import Any

from nexus_catalog.conf import catalog_settings
from nexus_catalog.notifications import OrderEmailNotifier
from nexus_catalog.payments import BuiltinPaymentProviders
from nexus_catalog.plugins.hookspecs import hookimpl
from nexus_catalog.plugins.types import AuditEvent
from nexus_catalog.plugins.webhooks import WebhookAuditSink

audit_logger = logging.getLogger("nexus_catalog.audit")


class CatalogPricing:
    """The catalog price, used when no other plugin sets a unit price."""

    @hookimpl(trylast=True)
    def nexus_unit_price(self, product: Any, quantity: int, user: Any) -> Decimal:
        return product.price


class LoggingAuditSink:
    """Writes every audit event as one JSON line to the ``nexus_catalog.audit`` logger.

    The message is the event's :meth:`~nexus_catalog.plugins.types.AuditEvent.to_dict` with
    sorted keys, so a log shipper can parse it as is; the event id and action are also on
    the record (``nexus_event_id``, ``nexus_action``) for handlers that filter on them.
    """

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
    ("nexus.notifications.email", OrderEmailNotifier()),
    ("nexus.payments", BuiltinPaymentProviders()),
]

WEBHOOK_PLUGIN_NAME = "nexus.audit.webhook"


def builtin_plugins(disabled: Container[str] = ()) -> list[tuple[str, object]]:
    """The built-in plugins for the current settings, in registration order.

    :data:`BUILTIN_PLUGINS`, then the webhook sink when ``WEBHOOK_URLS`` is set (it is
    built from the settings, and the manager is rebuilt when they change). Names in
    ``disabled`` are left out, and a disabled webhook sink is not even built.
    """
    plugins = [(name, plugin) for name, plugin in BUILTIN_PLUGINS if name not in disabled]
    if catalog_settings.WEBHOOK_URLS and WEBHOOK_PLUGIN_NAME not in disabled:
        sink = WebhookAuditSink(
            catalog_settings.WEBHOOK_URLS,
            catalog_settings.WEBHOOK_SECRET,
            catalog_settings.WEBHOOK_TIMEOUT,
        )
        plugins.append((WEBHOOK_PLUGIN_NAME, sink))
    return plugins
