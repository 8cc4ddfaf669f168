"""Delivery of one audit event to the sinks: per-sink bookkeeping, the outbox columns."""

from __future__ import annotations

import logging
import threading

import pytest
from django.db import connection, transaction

from nexus_catalog.models import AuditLog
from nexus_catalog.plugins.hookspecs import hookimpl
from nexus_catalog.services.audit import DeliveryStatus, deliver, deliver_event
from tests.tasks.conftest import FlakySink, RecordingSink

pytestmark = pytest.mark.django_db


def make_log() -> AuditLog:
    return AuditLog.objects.create(
        action="product.updated",
        object_type="nexus_catalog.product",
        object_id="3",
        actor_repr="system",
        after={"price": "9.99"},
    )


def test_every_sink_gets_the_event_and_the_row_is_marked_delivered(register_plugin):
    first, second = (
        register_plugin(RecordingSink(), "first"),
        register_plugin(RecordingSink(), "second"),
    )
    log = make_log()

    delivery = deliver_event(log.event_id)

    assert delivery.status is DeliveryStatus.DELIVERED
    assert {"first", "second", "nexus.audit.logging"} <= delivery.done
    assert first.received(log.event_id) == second.received(log.event_id) == 1
    log.refresh_from_db()
    assert log.delivered_at is not None
    assert log.delivery_attempts == 1


def test_a_failing_sink_leaves_the_row_undelivered_and_names_who_has_the_event(register_plugin):
    register_plugin(RecordingSink(), "steady")
    register_plugin(FlakySink(failures=1), "flaky")
    log = make_log()

    delivery = deliver_event(log.event_id)

    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.failed == ("flaky",)
    assert "steady" in delivery.done
    assert "flaky" not in delivery.done
    log.refresh_from_db()
    assert log.delivered_at is None
    assert log.delivery_attempts == 1


def test_sinks_named_done_are_not_called_again(register_plugin):
    steady = register_plugin(RecordingSink(), "steady")
    flaky = register_plugin(FlakySink(failures=1), "flaky")
    log = make_log()
    first = deliver_event(log.event_id)

    second = deliver_event(log.event_id, done=first.done)

    assert second.status is DeliveryStatus.DELIVERED
    assert steady.received(log.event_id) == 1
    assert flaky.received(log.event_id) == 1
    log.refresh_from_db()
    assert log.delivered_at is not None
    assert log.delivery_attempts == 2


def test_an_event_already_delivered_is_not_sent_again(register_plugin):
    sink = register_plugin(RecordingSink(), "sink")
    log = make_log()
    deliver_event(log.event_id)

    again = deliver_event(log.event_id)

    assert again.status is DeliveryStatus.ALREADY_DELIVERED
    assert sink.received(log.event_id) == 1
    log.refresh_from_db()
    assert log.delivery_attempts == 1
    assert deliver(log.event_id) is True


def test_an_unknown_event_is_reported_missing(caplog):
    with caplog.at_level(logging.WARNING):
        delivery = deliver_event("00000000-0000-0000-0000-000000000000")

    assert delivery.status is DeliveryStatus.MISSING
    assert delivery.finished
    assert "not found" in caplog.text


def test_a_sink_that_breaks_its_database_query_does_not_stop_the_delivery(register_plugin):
    class BadQuerySink:
        @hookimpl
        def nexus_audit_event(self, event) -> None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table")

    steady = register_plugin(RecordingSink(), "steady")
    register_plugin(BadQuerySink(), "bad-query")
    log = make_log()

    delivery = deliver_event(log.event_id)

    assert delivery.failed == ("bad-query",)
    assert steady.received(log.event_id) == 1
    log.refresh_from_db()
    assert log.delivery_attempts == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_event_another_worker_is_delivering_is_reported_busy(register_plugin):
    sink = register_plugin(RecordingSink(), "sink")
    log = make_log()
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                AuditLog.objects.select_for_update().get(pk=log.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        delivery = deliver_event(log.event_id)
    finally:
        release.set()
        thread.join()

    assert delivery.status is DeliveryStatus.BUSY
    assert sink.received(log.event_id) == 0
    log.refresh_from_db()
    assert log.delivery_attempts == 0
