"""What the engine enqueues, and when: only after commit, never for a rolled-back change."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from celery import Celery
from django.core import mail
from django.db import transaction

from nexus_catalog.models import AuditLog, Order
from nexus_catalog.services.ordering import place_order
from nexus_catalog.tasks import deliver_audit_event
from tests.tasks.conftest import RecordingSink, current_celery_app, make_celery_app


@pytest.fixture
def enqueued(monkeypatch) -> Iterator[list[tuple[str, tuple, dict]]]:
    """A non-eager app is current, and the task the engine sends by name (the audit
    delivery, which carries the order e-mail too) is captured instead of published:
    ``(task name, args, kwargs)`` each."""
    sent: list[tuple[str, tuple, dict]] = []
    app = make_celery_app("memory://")
    with current_celery_app(app):

        def capture(name, args=None, kwargs=None, **options):
            sent.append((name, tuple(args or ()), dict(kwargs or {})))

        monkeypatch.setattr(app, "send_task", capture)
        yield sent


class RolledBack(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_order_enqueues_nothing(enqueued, customer, product):
    with pytest.raises(RolledBack), transaction.atomic():
        place_order(customer, [{"product": product.pk, "quantity": 1}])
        raise RolledBack

    assert enqueued == []
    assert not Order.objects.exists()
    assert not AuditLog.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_committed_order_enqueues_only_its_audit_delivery(enqueued, customer, product):
    place_order(customer, [{"product": product.pk, "quantity": 1}])

    log = AuditLog.objects.get(action="order.created")
    # The e-mail rides on this delivery: nothing else is enqueued, so nothing else is lost
    # when the broker is down.
    assert enqueued == [(deliver_audit_event.name, (str(log.event_id),), {})]
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_nothing_is_enqueued_before_the_commit(enqueued, customer, product):
    with transaction.atomic():
        place_order(customer, [{"product": product.pk, "quantity": 1}])
        assert enqueued == []

    assert len(enqueued) == 1


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_event_is_delivered_inline_after_commit(
    register_plugin, customer, product
):
    sink = register_plugin(RecordingSink(), "sink")

    place_order(customer, [{"product": product.pk, "quantity": 1}])

    log = AuditLog.objects.get(action="order.created")
    assert sink.received(log.event_id) == 1
    assert log.delivered_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_failing_enqueue_is_logged_and_the_event_stays_in_the_outbox(
    broker_down_app, customer, product, caplog
):
    with caplog.at_level(logging.ERROR):
        order = place_order(customer, [{"product": product.pk, "quantity": 1}])

    assert Order.objects.filter(pk=order.pk).exists()
    log = AuditLog.objects.get(action="order.created")
    assert log.delivered_at is None
    assert f"Audit event {log.event_id} could not be enqueued" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_project_without_a_configured_celery_app_delivers_and_emails_in_process(
    register_plugin, customer, product
):
    # Celery's default app: no broker URL, not eager. Nothing may try to reach a broker.
    sink = register_plugin(RecordingSink(), "sink")
    with current_celery_app(Celery("unconfigured", set_as_current=False)):
        place_order(customer, [{"product": product.pk, "quantity": 1}])

    log = AuditLog.objects.get(action="order.created")
    assert sink.received(log.event_id) == 1
    assert log.delivered_at is not None
    assert len(mail.outbox) == 1
