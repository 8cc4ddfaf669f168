"""A broker that is down when an order is placed: the order is placed, the event is kept,
and it reaches every sink, the order e-mail included, once the broker is back and the
redelivery sweep runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from nexus_catalog.models import AuditLog
from nexus_catalog.tasks import redeliver_audit_events
from tests.tasks.conftest import (
    DOWN_BROKER_URL,
    RecordingSink,
    current_celery_app,
    make_celery_app,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_redelivery_delay(settings):
    # The sweep right after the order takes its event.
    settings.NEXUS_CATALOG = {"AUDIT_REDELIVERY_DELAY": timedelta(0)}


def place_order_through_the_api(client, product):
    return client.post(
        "/api/orders/", {"items": [{"product": product.pk, "quantity": 2}]}, format="json"
    )


def test_an_order_placed_while_the_broker_is_down_is_201_and_its_event_is_kept(
    register_plugin, auth_client, customer, product
):
    sink = register_plugin(RecordingSink(), "sink")

    with current_celery_app(make_celery_app(DOWN_BROKER_URL)):
        response = place_order_through_the_api(auth_client(customer), product)

    assert response.status_code == 201, response.content
    log = AuditLog.objects.get(action="order.created", object_id=str(response.json()["id"]))
    assert log.delivered_at is None
    assert sink.events == []
    assert mail.outbox == []


def test_the_kept_event_reaches_every_sink_once_when_the_broker_is_back(
    register_plugin, auth_client, customer, product
):
    sinks = [register_plugin(RecordingSink(), "first"), register_plugin(RecordingSink(), "second")]
    with current_celery_app(make_celery_app(DOWN_BROKER_URL)):
        response = place_order_through_the_api(auth_client(customer), product)
    log = AuditLog.objects.get(action="order.created", object_id=str(response.json()["id"]))

    # The broker is back: the suite's app, which runs the tasks it is sent.
    redeliver_audit_events.apply()
    redeliver_audit_events.apply()

    assert [sink.received(log.event_id) for sink in sinks] == [1, 1]
    log.refresh_from_db()
    assert log.delivered_at is not None


def test_the_order_email_is_sent_once_when_the_broker_is_back(auth_client, customer, product):
    with current_celery_app(make_celery_app(DOWN_BROKER_URL)):
        response = place_order_through_the_api(auth_client(customer), product)
    order_id = response.json()["id"]

    redeliver_audit_events.apply()
    redeliver_audit_events.apply()

    [message] = mail.outbox
    assert message.to == [customer.email]
    assert f"#{order_id}" in message.subject
    sent = AuditLog.objects.get(action="order.email_sent", object_id=str(order_id))
    assert sent.delivered_at is not None
