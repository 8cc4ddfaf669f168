"""The outbox sweep: events still undelivered after AUDIT_REDELIVERY_DELAY are sent again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from nexus_catalog.models import AuditLog
from nexus_catalog.services.audit import undelivered_events
from nexus_catalog.tasks import redeliver_audit_events
from tests.tasks.conftest import FlakySink, RecordingSink
from tests.tasks.test_audit_delivery import make_log

pytestmark = pytest.mark.django_db

DELAY = {"AUDIT_REDELIVERY_DELAY": timedelta(minutes=5)}


def recorded_ago(log: AuditLog, age: timedelta) -> AuditLog:
    AuditLog.objects.filter(pk=log.pk).update(created_at=timezone.now() - age)
    return log


@override_settings(NEXUS_CATALOG=DELAY)
def test_only_events_undelivered_past_the_delay_are_due():
    stale = recorded_ago(make_log(), timedelta(minutes=6))
    recorded_ago(make_log(), timedelta(minutes=4))
    delivered = recorded_ago(make_log(), timedelta(minutes=6))
    AuditLog.objects.filter(pk=delivered.pk).update(delivered_at=timezone.now())

    assert undelivered_events() == [str(stale.event_id)]


@override_settings(NEXUS_CATALOG=DELAY)
def test_due_events_come_oldest_first_up_to_the_limit():
    older = recorded_ago(make_log(), timedelta(hours=2))
    old = recorded_ago(make_log(), timedelta(hours=1))
    recorded_ago(make_log(), timedelta(minutes=30))

    assert undelivered_events(limit=2) == [str(older.event_id), str(old.event_id)]


@override_settings(NEXUS_CATALOG=DELAY)
def test_the_sweep_delivers_a_stale_event_to_every_sink(register_plugin):
    sink = register_plugin(RecordingSink(), "sink")
    stale = recorded_ago(make_log(), timedelta(minutes=6))

    assert redeliver_audit_events.apply().result == 1

    assert sink.received(stale.event_id) == 1
    stale.refresh_from_db()
    assert stale.delivered_at is not None


@override_settings(NEXUS_CATALOG=DELAY)
def test_the_sweep_makes_one_attempt_per_event_without_retries(register_plugin):
    flaky = register_plugin(FlakySink(failures=1), "flaky")
    stale = recorded_ago(make_log(), timedelta(minutes=6))

    redeliver_audit_events.apply()

    assert flaky.calls == 1
    stale.refresh_from_db()
    assert stale.delivered_at is None
    assert stale.delivery_attempts == 1


@override_settings(NEXUS_CATALOG=DELAY)
def test_running_the_sweep_twice_delivers_once(register_plugin):
    sink = register_plugin(RecordingSink(), "sink")
    stale = recorded_ago(make_log(), timedelta(minutes=6))

    redeliver_audit_events.apply()
    assert redeliver_audit_events.apply().result == 0

    assert sink.received(stale.event_id) == 1
