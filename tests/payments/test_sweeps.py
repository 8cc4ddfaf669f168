"""The unpaid-order sweep asks the provider before it cancels an order with a payment in
flight; the reconciliation task re-reads payments pending too long."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from nexus_catalog.models import Order, OrderStatus, Payment, PaymentStatus
from nexus_catalog.services import payments, unpaid
from nexus_catalog.tasks import reconcile_payments

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_order(order, customer, provider):
    payments.start_payment(order, "scripted", customer)
    past = timezone.now() - timedelta(days=2)
    Order.objects.filter(pk=order.pk).update(created_at=past)
    Payment.objects.filter(order=order).update(created_at=past)
    return order


def test_sweep_asks_the_provider_and_a_paid_order_stays(old_order, provider):
    provider.retrieve_status = PaymentStatus.CAPTURED
    assert unpaid.cancel_unpaid_orders() == 0
    old_order.refresh_from_db()
    assert old_order.status == OrderStatus.PAID
    assert ("retrieve", "") in provider.calls


def test_sweep_leaves_the_order_when_the_provider_cannot_be_asked(old_order, provider):
    provider.retrieve_error = True
    assert unpaid.cancel_unpaid_orders() == 0
    old_order.refresh_from_db()
    assert old_order.status == OrderStatus.PENDING


def test_sweep_leaves_an_authorized_payment_to_staff(old_order, provider):
    provider.retrieve_status = PaymentStatus.AUTHORIZED
    assert unpaid.cancel_unpaid_orders() == 0
    old_order.refresh_from_db()
    assert old_order.status == OrderStatus.PENDING


def test_sweep_cancels_after_asking_and_cancels_the_payment(old_order, provider):
    assert unpaid.cancel_unpaid_orders() == 1
    old_order.refresh_from_db()
    assert old_order.status == OrderStatus.CANCELLED
    assert Payment.objects.get(order=old_order).status == PaymentStatus.CANCELLED
    assert ("retrieve", "") in provider.calls


def test_reconciliation_task_applies_what_the_provider_says(old_order, provider):
    provider.retrieve_status = PaymentStatus.CAPTURED
    assert reconcile_payments.delay().get() == 1
    old_order.refresh_from_db()
    assert old_order.status == OrderStatus.PAID


def test_reconciliation_skips_recent_payments(order, customer, provider):
    payments.start_payment(order, "scripted", customer)
    provider.retrieve_status = PaymentStatus.CAPTURED
    assert payments.reconcile_payments() == 0
    assert ("retrieve", "") not in provider.calls


def test_reconciliation_writes_nothing_when_nothing_changed(old_order, provider):
    events = Payment.objects.get(order=old_order).events.count()
    assert payments.reconcile_payments() == 0
    assert Payment.objects.get(order=old_order).events.count() == events
