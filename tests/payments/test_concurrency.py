"""Real threads against PostgreSQL: one event delivered many times at once, and a webhook
racing a customer's cancel. One outcome each, and an audit trail that agrees with it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nexus_catalog.exceptions import TransitionForbidden
from nexus_catalog.models import AuditLog, OrderStatus, Payment, PaymentEvent, PaymentStatus
from nexus_catalog.services import payments
from nexus_catalog.services.ordering import cancel_order, place_order
from tests.catalog.test_concurrency import run_together
from tests.factories import ProductFactory, UserFactory
from tests.payments.conftest import signed, webhook_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def deliver(event):
    body, signature = signed(event)
    return payments.handle_webhook("scripted", body, {"X-Signature": signature})


def started_order(customer, product):
    order = place_order(customer, [{"product": product.pk, "quantity": 1}])
    payment, _ = payments.start_payment(order, "scripted", customer)
    return order, payment


def order_transitions(order) -> list[dict]:
    return list(
        AuditLog.objects.filter(action="order.transitioned", object_id=str(order.pk)).values_list(
            "after", flat=True
        )
    )


def test_concurrent_deliveries_of_one_event_apply_it_once(provider):
    customer = UserFactory()
    order, payment = started_order(customer, ProductFactory(price="10.00", stock=5))
    event = webhook_event(payment, "evt_same")

    results = run_together([lambda: deliver(event) for _ in range(8)])

    assert sorted(results) == ["duplicate"] * 7 + ["processed"]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order_transitions(order) == [{"status": "paid"}]
    assert PaymentEvent.objects.filter(provider_event_id="evt_same").count() == 1
    assert AuditLog.objects.filter(action="payment.captured").count() == 1


def test_webhook_racing_a_cancel_has_one_outcome(provider):
    product = ProductFactory(price="10.00", stock=50)
    rounds = []
    for _ in range(10):
        customer = UserFactory()
        order, payment = started_order(customer, product)
        event = webhook_event(payment, f"evt_{payment.pk}")
        results = run_together(
            [lambda e=event: deliver(e), lambda o=order, c=customer: cancel_order(o, c)]
        )
        rounds.append((order, payment, results))

    for order, payment, (delivered, cancelled) in rounds:
        order.refresh_from_db()
        payment.refresh_from_db()
        assert delivered == "processed"
        if order.status == OrderStatus.PAID:
            # The payment came first: the customer may no longer cancel a paid order.
            assert isinstance(cancelled, TransitionForbidden)
            assert payment.status == PaymentStatus.CAPTURED
            assert order_transitions(order) == [{"status": "paid"}]
        else:
            # The cancel came first: the money that arrived is given back.
            assert order.status == OrderStatus.CANCELLED
            assert not isinstance(cancelled, Exception)
            assert (payment.status, payment.refunded_amount) == ("refunded", Decimal("10.00"))
            assert order_transitions(order) == [{"status": "cancelled"}]
    refunded = Payment.objects.filter(status=PaymentStatus.REFUNDED).count()
    assert provider.refunds == refunded
    product.refresh_from_db()
    paid = sum(1 for order, _, _ in rounds if order.status == OrderStatus.PAID)
    assert product.stock == 50 - paid
