"""A real Celery worker (in a thread) on the local Redis broker.

Skipped with a message when Redis is not reachable, except on CI, where that fails.
``NEXUS_TEST_REDIS_URL`` picks the server (default ``redis://127.0.0.1:6379/15``, a database
these tests flush).
"""

from __future__ import annotations

import pytest
from django.core import mail

from nexus_catalog.models import AuditLog
from nexus_catalog.tasks import deliver_audit_event
from tests.tasks.conftest import FlakySink, RecordingSink
from tests.tasks.test_audit_delivery import make_log

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_an_order_placed_through_the_api_is_delivered_and_emailed_by_the_worker(
    worker, register_plugin, auth_client, customer, product
):
    _, watcher = worker
    sink = register_plugin(RecordingSink(), "sink")

    response = auth_client(customer).post(
        "/api/orders/", {"items": [{"product": product.pk, "quantity": 1}]}, format="json"
    )

    assert response.status_code == 201, response.content
    order_id = response.json()["id"]
    event_id = str(AuditLog.objects.get(action="order.created", object_id=str(order_id)).event_id)

    def delivered():
        return watcher.runs_of(deliver_audit_event.name, event_id)

    def email_sent_event():
        return AuditLog.objects.filter(action="order.email_sent", object_id=str(order_id)).first()

    def email_sent_delivered():
        sent = email_sent_event()
        return sent is not None and bool(
            watcher.runs_of(deliver_audit_event.name, str(sent.event_id))
        )

    # The e-mail goes out within the delivery of order.created; the order.email_sent event
    # it records is delivered by the worker in turn (waited for, so no task outlives the test).
    watcher.wait_for(lambda: bool(delivered()) and email_sent_delivered())
    assert [(t.state, t.result) for t in delivered()] == [("SUCCESS", "delivered")]
    assert email_sent_event().delivered_at is not None
    assert sink.received(event_id) == 1
    assert AuditLog.objects.get(event_id=event_id).delivered_at is not None
    [message] = mail.outbox
    assert message.to == [customer.email]
    assert f"#{order_id}" in message.subject


def test_a_sink_failing_twice_is_delivered_once_after_retries_by_the_worker(
    worker, register_plugin, monkeypatch
):
    app, watcher = worker
    # Short backoff: the test waits for the worker's retries, not for the production pace.
    monkeypatch.setattr(app.tasks[deliver_audit_event.name], "retry_backoff", 0.05)
    steady = register_plugin(RecordingSink(), "steady")
    flaky = register_plugin(FlakySink(failures=2), "flaky")
    log = make_log()
    event_id = str(log.event_id)

    deliver_audit_event.delay(event_id)

    def runs():
        return watcher.runs_of(deliver_audit_event.name, event_id)

    watcher.wait_for(lambda: any(t.state != "RETRY" for t in runs()))
    assert [(t.state, t.result) for t in runs()][-1] == ("SUCCESS", "delivered")
    assert [t.state for t in runs()] == ["RETRY", "RETRY", "SUCCESS"]
    assert flaky.calls == 3
    assert flaky.received(event_id) == 1
    assert steady.received(event_id) == 1
    log.refresh_from_db()
    assert log.delivered_at is not None
    assert log.delivery_attempts == 3
