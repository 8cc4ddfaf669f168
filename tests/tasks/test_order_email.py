"""The order-created e-mail: rendered from the packaged templates, sent once per order by
the audit sink that reacts to the ``order.created`` event."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail

from nexus_catalog import notifications
from nexus_catalog.models import AuditLog
from nexus_catalog.notifications import OrderEmailNotifier, send_order_created
from nexus_catalog.plugins.manager import get_plugin_manager
from nexus_catalog.services.audit import deliver_event
from nexus_catalog.services.ordering import cancel_order, place_order
from nexus_catalog.tasks import deliver_audit_event
from tests.factories import UserFactory
from tests.tasks.conftest import RecordingSink

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(customer, product):
    return place_order(
        customer,
        [{"product": product.pk, "quantity": 2}],
        shipping_address="1 Rue de la Paix\n75002 Paris",
    )


def test_the_email_goes_to_the_customer_with_the_order_in_plain_text(order):
    assert send_order_created(order.pk) is True

    [message] = mail.outbox
    assert message.to == ["buyer@example.com"]
    assert message.subject == f"Order #{order.pk} received"
    assert "2 x " in message.body
    assert "Total: 25.00 USD" in message.body
    assert "75002 Paris" in message.body
    assert "<" not in message.body and "&" not in message.body


def test_the_sender_is_order_email_from(order, settings):
    settings.NEXUS_CATALOG = {"ORDER_EMAIL_FROM": "orders@shop.example"}

    send_order_created(order.pk)

    assert mail.outbox[0].from_email == "orders@shop.example"


def test_without_order_email_from_the_sender_is_default_from_email(order, settings):
    settings.DEFAULT_FROM_EMAIL = "hello@shop.example"

    send_order_created(order.pk)

    assert mail.outbox[0].from_email == "hello@shop.example"


def order_created_event(order) -> str:
    return str(AuditLog.objects.get(action="order.created", object_id=str(order.pk)).event_id)


def test_the_email_is_sent_once_per_order(order):
    send_order_created(order.pk)
    second = send_order_created(order.pk)

    assert second is False
    assert len(mail.outbox) == 1
    assert AuditLog.objects.filter(action="order.email_sent", object_id=str(order.pk)).count() == 1


def test_the_sent_email_is_in_the_order_audit_trail_as_the_system(order):
    send_order_created(order.pk)

    log = AuditLog.objects.get(action="order.email_sent")
    assert (log.object_type, log.object_id) == ("nexus_catalog.order", str(order.pk))
    assert log.actor_repr == "system"


def test_no_email_for_a_user_without_an_address(product):
    order = place_order(UserFactory(email=""), [{"product": product.pk, "quantity": 1}])

    assert send_order_created(order.pk) is False

    assert mail.outbox == []
    assert not AuditLog.objects.filter(action="order.email_sent").exists()


def test_a_failing_mail_server_records_nothing_so_a_retry_sends_it(order, monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr(notifications, "send_mail", refuse)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send_order_created(order.pk)
    assert not AuditLog.objects.filter(action="order.email_sent").exists()
    monkeypatch.undo()

    assert send_order_created(order.pk) is True
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_is_retried_and_the_email_sent_once(order, monkeypatch):
    calls = []

    def flaky_send_mail(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("connection lost")
        return mail.send_mail(*args, **kwargs)

    monkeypatch.setattr(notifications, "send_mail", flaky_send_mail)
    event_id = order_created_event(order)

    assert deliver_audit_event.apply(args=[event_id]).result == "delivered"
    assert len(calls) == 2
    assert len(mail.outbox) == 1
    assert AuditLog.objects.filter(action="order.email_sent", object_id=str(order.pk)).count() == 1


def test_a_retry_of_the_email_does_not_call_the_other_sinks_again(
    order, register_plugin, monkeypatch
):
    other = register_plugin(RecordingSink(), "other")
    failures = [smtplib.SMTPServerDisconnected("connection lost")]

    def flaky_send_mail(*args, **kwargs):
        if failures:
            raise failures.pop()
        return mail.send_mail(*args, **kwargs)

    monkeypatch.setattr(notifications, "send_mail", flaky_send_mail)
    event_id = order_created_event(order)

    deliver_audit_event.apply(args=[event_id])

    assert other.received(event_id) == 1
    assert AuditLog.objects.get(event_id=event_id).delivery_attempts == 2


def test_the_email_sent_event_is_delivered_without_another_email(order):
    deliver_event(order_created_event(order))
    sent = AuditLog.objects.get(action="order.email_sent", object_id=str(order.pk))

    assert deliver_event(sent.event_id).status.value == "delivered"

    assert len(mail.outbox) == 1
    assert AuditLog.objects.filter(action="order.email_sent").count() == 1


def test_another_event_of_the_order_sends_no_email(order):
    cancel_order(order, None)

    deliver_event(AuditLog.objects.get(action="order.transitioned").event_id)

    assert mail.outbox == []


def test_an_unknown_order_sends_nothing():
    assert send_order_created(999_999) is False
    assert mail.outbox == []


def test_the_notifier_is_a_builtin_plugin():
    assert isinstance(
        get_plugin_manager().get_plugin("nexus.notifications.email"), OrderEmailNotifier
    )


def test_a_placed_order_sends_its_email_after_commit(
    customer, product, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(customer, [{"product": product.pk, "quantity": 1}])
        assert mail.outbox == []

    [message] = mail.outbox
    assert f"#{order.pk}" in message.subject


def test_the_email_sent_event_recorded_during_the_delivery_is_delivered_too(
    customer, product, register_plugin, django_capture_on_commit_callbacks
):
    sink = register_plugin(RecordingSink(), "sink")

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(customer, [{"product": product.pk, "quantity": 1}])

    sent = AuditLog.objects.get(action="order.email_sent", object_id=str(order.pk))
    assert sent.delivered_at is not None
    assert sink.received(sent.event_id) == 1
    assert AuditLog.objects.get(action="order.created").delivered_at is not None


def test_the_notifier_can_be_disabled_by_name(
    customer, product, settings, django_capture_on_commit_callbacks
):
    settings.NEXUS_CATALOG = {"DISABLED_PLUGINS": ["nexus.notifications.email"]}

    with django_capture_on_commit_callbacks(execute=True):
        place_order(customer, [{"product": product.pk, "quantity": 1}])

    assert mail.outbox == []
    assert not AuditLog.objects.filter(action="order.email_sent").exists()
    assert AuditLog.objects.get(action="order.created").delivered_at is not None
