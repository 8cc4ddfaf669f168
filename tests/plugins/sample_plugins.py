"""Plugins the plugin tests register through ``NEXUS_CATALOG["PLUGINS"]`` by dotted path."""

from __future__ import annotations

from decimal import Decimal

from nexus_catalog.plugins import hookimpl
from nexus_catalog.plugins.types import AuditEvent

FIXED_PRICE = Decimal("7.77")


class FixedPricePlugin:
    """A class: the manager instantiates it."""

    @hookimpl
    def nexus_unit_price(self, product, quantity, user):
        return FIXED_PRICE


class RecordingSink:
    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    @hookimpl
    def nexus_audit_event(self, event: AuditEvent) -> None:
        self.events.append(event)


recording_sink = RecordingSink()


class SinkDown(Exception):
    pass


class RaisingSink:
    @hookimpl
    def nexus_audit_event(self, event: AuditEvent) -> None:
        raise SinkDown("the SIEM is down")


class UnknownHookPlugin:
    @hookimpl
    def nexus_order_shipped(self, order):
        """Not a hook of the contract (a typo, or a hook from a newer version)."""


class WrongArgumentPlugin:
    @hookimpl
    def nexus_unit_price(self, product, colour):
        """``colour`` is not an argument of ``nexus_unit_price``."""
