"""The built-in logging sink, and delivery to several sinks when one of them fails."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timezone

import pytest
from django.test import override_settings

from nexus_catalog.models import AuditLog
from nexus_catalog.plugins.builtin import LoggingAuditSink
from nexus_catalog.plugins.types import AuditEvent
from nexus_catalog.services.audit import deliver
from tests.plugins.sample_plugins import recording_sink

SAMPLES = "tests.plugins.sample_plugins"


def make_event(**overrides) -> AuditEvent:
    fields = {
        "event_id": str(uuid.uuid4()),
        "action": "order.created",
        "object_type": "nexus_catalog.order",
        "object_id": "42",
        "actor": "alice",
        "actor_id": 7,
        "after": {"status": "pending", "total": "19.99"},
        "request_id": "req-1",
        "ip_address": "203.0.113.9",
        "created_at": datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
    }
    return AuditEvent(**{**fields, **overrides})


def test_logging_sink_writes_the_event_as_one_json_line(caplog):
    event = make_event(after={"note": "first line\nsecond line"})

    with caplog.at_level(logging.INFO, logger="nexus_catalog.audit"):
        LoggingAuditSink().nexus_audit_event(event)

    [record] = caplog.records
    assert "\n" not in record.getMessage()
    assert json.loads(record.getMessage()) == event.to_dict()
    assert record.nexus_event_id == event.event_id
    assert record.nexus_action == "order.created"


def make_log() -> AuditLog:
    return AuditLog.objects.create(
        action="product.updated",
        object_type="nexus_catalog.product",
        object_id="3",
        actor_repr="system",
        after={"price": "9.99"},
    )


@pytest.mark.django_db
@override_settings(NEXUS_CATALOG={"PLUGINS": [f"{SAMPLES}.recording_sink"]})
def test_every_sink_receives_the_committed_event(caplog):
    log = make_log()

    with caplog.at_level(logging.INFO, logger="nexus_catalog.audit"):
        assert deliver(log.event_id) is True

    assert [e.event_id for e in recording_sink.events] == [str(log.event_id)]
    assert json.loads(caplog.records[0].getMessage())["event_id"] == str(log.event_id)
    log.refresh_from_db()
    assert log.delivered_at is not None


@pytest.mark.django_db
@override_settings(
    # Registered last, the raising sink is called first: the others must still run.
    NEXUS_CATALOG={"PLUGINS": [f"{SAMPLES}.recording_sink", f"{SAMPLES}.RaisingSink"]}
)
def test_a_raising_sink_neither_propagates_nor_stops_the_other_sinks(caplog):
    log = make_log()

    with caplog.at_level(logging.INFO):
        delivered = deliver(log.event_id)

    assert delivered is False
    assert [e.event_id for e in recording_sink.events] == [str(log.event_id)]
    audit_lines = [r for r in caplog.records if r.name == "nexus_catalog.audit"]
    assert len(audit_lines) == 1
    [failure] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"{SAMPLES}.RaisingSink" in failure.getMessage()
    assert str(log.event_id) in failure.getMessage()


@pytest.mark.django_db
@override_settings(NEXUS_CATALOG={"PLUGINS": [f"{SAMPLES}.RaisingSink"]})
def test_an_event_a_sink_failed_on_stays_undelivered_for_the_retry():
    log = make_log()

    deliver(log.event_id)

    log.refresh_from_db()
    assert log.delivered_at is None
    assert log.delivery_attempts == 1
