"""The delivery task: retries with backoff for the failed sinks only, then a dead letter."""

from __future__ import annotations

import logging

import pytest
from celery.exceptions import Retry

from nexus_catalog.models import AuditLog
from nexus_catalog.tasks import backoff_delay, deliver_audit_event
from tests.tasks.conftest import FlakySink, RecordingSink
from tests.tasks.test_audit_delivery import make_log

pytestmark = pytest.mark.django_db


class RetryAsked(Exception):
    def __init__(self, kwargs: dict, countdown: float) -> None:
        self.kwargs, self.countdown = kwargs, countdown


@pytest.fixture
def captured_retry(monkeypatch):
    """The task's ``retry`` replaced by one that raises :class:`RetryAsked`, so the task body
    runs as in a worker (not eagerly) and the retry it asks for can be read."""

    def retry(*, kwargs, countdown, **options):
        raise RetryAsked(kwargs, countdown)

    monkeypatch.setattr(deliver_audit_event, "retry", retry)


def test_a_failure_asks_for_a_retry_of_the_failed_sinks_only(register_plugin, captured_retry):
    register_plugin(RecordingSink(), "steady")
    register_plugin(FlakySink(failures=1), "flaky")
    log = make_log()

    with pytest.raises(RetryAsked) as asked:
        deliver_audit_event.run(str(log.event_id))

    assert asked.value.kwargs["event_id"] == str(log.event_id)
    assert "steady" in asked.value.kwargs["done"]
    assert "flaky" not in asked.value.kwargs["done"]
    assert 0 <= asked.value.countdown <= deliver_audit_event.retry_backoff


def test_a_delivered_event_asks_for_no_retry(register_plugin, captured_retry):
    register_plugin(RecordingSink(), "steady")
    log = make_log()

    assert deliver_audit_event.run(str(log.event_id)) == "delivered"


def test_a_sink_failing_twice_then_succeeding_gets_the_event_once(register_plugin):
    steady = register_plugin(RecordingSink(), "steady")
    flaky = register_plugin(FlakySink(failures=2), "flaky")
    log = make_log()

    result = deliver_audit_event.apply(args=[str(log.event_id)])

    assert result.result == "delivered"
    assert flaky.calls == 3
    assert flaky.received(log.event_id) == 1
    assert steady.received(log.event_id) == 1
    log.refresh_from_db()
    assert log.delivered_at is not None
    assert log.delivery_attempts == 3


def test_after_the_last_retry_a_dead_letter_line_is_logged(register_plugin, monkeypatch, caplog):
    monkeypatch.setattr(deliver_audit_event, "max_retries", 2)
    register_plugin(FlakySink(failures=99), "down")
    log = make_log()

    with caplog.at_level(logging.ERROR, logger="nexus_catalog.tasks.dead_letter"):
        result = deliver_audit_event.apply(args=[str(log.event_id)])

    assert result.result == "failed"
    [line] = [r for r in caplog.records if r.name == "nexus_catalog.tasks.dead_letter"]
    assert str(log.event_id) in line.getMessage()
    assert "down" in line.getMessage()
    assert line.nexus_failed_sinks == ["down"]
    log.refresh_from_db()
    assert log.delivered_at is None
    assert log.delivery_attempts == 3


def test_retry_false_makes_a_single_attempt(register_plugin, captured_retry):
    flaky = register_plugin(FlakySink(failures=1), "flaky")
    log = make_log()

    assert deliver_audit_event.run(str(log.event_id), retry=False) == "failed"

    assert flaky.calls == 1
    assert AuditLog.objects.get(pk=log.pk).delivery_attempts == 1


def test_running_the_task_twice_delivers_once(register_plugin):
    sink = register_plugin(RecordingSink(), "sink")
    log = make_log()

    deliver_audit_event.apply(args=[str(log.event_id)])
    second = deliver_audit_event.apply(args=[str(log.event_id)])

    assert second.result == "already_delivered"
    assert sink.received(log.event_id) == 1


def test_the_message_is_acknowledged_only_after_the_task_ran():
    assert deliver_audit_event.acks_late is True
    assert deliver_audit_event.reject_on_worker_lost is True


@pytest.mark.parametrize("retries", [0, 1, 2, 3, 4, 5, 8])
def test_backoff_grows_exponentially_within_a_cap(retries):
    delays = [backoff_delay(retries, factor=2.0, maximum=60.0) for _ in range(200)]

    assert all(0 <= d <= min(60.0, 2.0 * 2**retries) for d in delays)


def test_backoff_is_jittered():
    delays = {backoff_delay(3, factor=2.0, maximum=60.0) for _ in range(20)}

    assert len(delays) > 1


def test_the_retry_message_carries_the_sinks_already_done(register_plugin):
    # The real retry (not the captured one) with an eager request raises Celery's Retry,
    # carrying the sinks already done in the new message's kwargs.
    register_plugin(RecordingSink(), "steady")
    register_plugin(FlakySink(failures=1), "flaky")
    log = make_log()
    deliver_audit_event.push_request(retries=0, is_eager=True, called_directly=False)
    try:
        with pytest.raises(Retry) as retry:
            deliver_audit_event.run(str(log.event_id))
    finally:
        deliver_audit_event.pop_request()

    assert "steady" in retry.value.sig.kwargs["done"]
    assert retry.value.sig.kwargs["retry"] is True
