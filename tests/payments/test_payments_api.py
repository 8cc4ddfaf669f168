"""The payments API with the manual provider and a scripted one: start, list, capture,
webhooks, refunds; the order goes paid through its transition, audited."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nexus_catalog.models import AuditLog, OrderStatus, Payment, PaymentEvent, PaymentStatus
from nexus_catalog.services.ordering import cancel_order, transition_order
from tests.factories import UserFactory
from tests.payments.conftest import signed, webhook_event

pytestmark = pytest.mark.django_db


def payments_url(order) -> str:
    return f"/api/orders/{order.pk}/payments/"


def post_webhook(api_client, event, *, signature=None, provider="scripted"):
    body, good = signed(event)
    return api_client.generic(
        "POST",
        f"/api/payments/webhooks/{provider}/",
        body,
        content_type="application/json",
        HTTP_X_SIGNATURE=good if signature is None else signature,
    )


def actions(obj) -> list[str]:
    return list(
        AuditLog.objects.filter(object_id=str(obj.pk), object_type=obj._meta.label_lower)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_start_takes_amount_and_currency_from_the_order(auth_client, customer, order):
    response = auth_client(customer).post(
        payments_url(order),
        {"provider": "manual", "amount": "0.01", "currency": "EUR"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["amount"], body["currency"], body["status"]) == ("20.00", "USD", "pending")
    assert body["next_action"]["type"] == "offline"
    payment = Payment.objects.get()
    assert (payment.amount, payment.provider) == (Decimal("20.00"), "manual")
    assert actions(payment) == ["payment.created"]


def test_unknown_provider_is_400_on_provider(auth_client, customer, order):
    response = auth_client(customer).post(payments_url(order), {"provider": "nope"}, format="json")
    assert response.status_code == 400
    assert "provider" in response.json()
    assert not Payment.objects.exists()


def test_other_users_order_is_404(auth_client, order):
    stranger = auth_client(UserFactory())
    assert stranger.post(payments_url(order), {"provider": "manual"}).status_code == 404
    assert stranger.get(payments_url(order)).status_code == 404


def test_anonymous_is_401(api_client, order):
    assert api_client.get(payments_url(order)).status_code == 401


def test_a_paid_order_cannot_be_paid_again(auth_client, customer, staff, order):
    transition_order(order, OrderStatus.PAID, staff)
    response = auth_client(customer).post(payments_url(order), {"provider": "manual"})
    assert response.status_code == 400
    assert "pending" in response.json()["provider"][0]


def test_owner_lists_payments(auth_client, customer, order):
    client = auth_client(customer)
    client.post(payments_url(order), {"provider": "manual"})
    listed = client.get(payments_url(order)).json()
    assert [p["provider"] for p in listed] == ["manual"]
    assert "client_secret" not in listed[0]


def test_staff_capture_of_manual_payment_marks_order_paid(auth_client, customer, staff, order):
    auth_client(customer).post(payments_url(order), {"provider": "manual"})
    payment = Payment.objects.get()
    response = auth_client(staff).post(f"{payments_url(order)}{payment.pk}/capture/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "captured"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    transition = AuditLog.objects.get(action="order.transitioned", object_id=str(order.pk))
    assert transition.after == {"status": "paid"}
    assert actions(payment) == ["payment.created", "payment.captured"]


def test_customer_cannot_capture(auth_client, customer, order):
    client = auth_client(customer)
    client.post(payments_url(order), {"provider": "manual"})
    payment = Payment.objects.get()
    assert client.post(f"{payments_url(order)}{payment.pk}/capture/").status_code == 403


def test_idempotency_key_is_passed_on_derived_and_stable(auth_client, customer, order, provider):
    client = auth_client(customer)
    first = client.post(payments_url(order), {"provider": "scripted"}, HTTP_IDEMPOTENCY_KEY="k-1")
    replay = client.post(payments_url(order), {"provider": "scripted"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert [c[0] for c in provider.calls] == ["start"]
    assert provider.calls[0][1].startswith("nexus-") and "k-1" not in provider.calls[0][1]
    assert Payment.objects.count() == 1


def test_provider_error_on_start_writes_nothing_and_retry_sends_the_same_key(
    auth_client, customer, order, provider, monkeypatch
):
    from nexus_catalog.exceptions import PaymentProviderError

    original = provider.start

    def failing(payment, *, idempotency_key):
        provider.calls.append(("start", idempotency_key))
        raise PaymentProviderError("timeout")

    monkeypatch.setattr(provider, "start", failing)
    client = auth_client(customer)
    response = client.post(payments_url(order), {"provider": "scripted"}, HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 502
    assert not Payment.objects.exists()
    monkeypatch.setattr(provider, "start", original)
    assert (
        client.post(
            payments_url(order), {"provider": "scripted"}, HTTP_IDEMPOTENCY_KEY="k"
        ).status_code
        == 201
    )
    assert provider.calls[0][1] == provider.calls[1][1]


# -- webhooks ------------------------------------------------------------------------------


@pytest.fixture
def started(auth_client, customer, order, provider) -> Payment:
    auth_client(customer).post(payments_url(order), {"provider": "scripted"})
    return Payment.objects.get()


def test_signed_webhook_captures_and_marks_order_paid_by_the_provider(api_client, started, order):
    response = post_webhook(api_client, webhook_event(started, "evt_1"))
    assert response.status_code == 200
    assert response.json() == {"status": "processed"}
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    transition = AuditLog.objects.get(action="order.transitioned", object_id=str(order.pk))
    assert transition.actor_repr == "provider:scripted"


def test_wrong_signature_is_400_and_writes_nothing(api_client, started, order):
    events = PaymentEvent.objects.count()
    audit_rows = AuditLog.objects.count()
    response = post_webhook(api_client, webhook_event(started, "evt_1"), signature="0" * 64)
    assert response.status_code == 400
    assert (PaymentEvent.objects.count(), AuditLog.objects.count()) == (events, audit_rows)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_same_event_twice_is_one_transition(api_client, started, order):
    assert post_webhook(api_client, webhook_event(started, "evt_1")).json()["status"] == "processed"
    second = post_webhook(api_client, webhook_event(started, "evt_1"))
    assert (second.status_code, second.json()["status"]) == (200, "duplicate")
    assert AuditLog.objects.filter(action="order.transitioned").count() == 1
    assert PaymentEvent.objects.filter(provider_event_id="evt_1").count() == 1


def test_ignored_type_is_200(api_client, started):
    response = post_webhook(api_client, {"id": "evt_x", "type": "ignored"})
    assert (response.status_code, response.json()["status"]) == (200, "ignored")


def test_unmatched_well_signed_event_is_200_and_writes_nothing(api_client, started):
    event = webhook_event(started, "evt_2", reference="sc-unknown")
    events = PaymentEvent.objects.count()
    response = post_webhook(api_client, event)
    assert (response.status_code, response.json()["status"]) == (200, "unmatched")
    assert PaymentEvent.objects.count() == events


def test_unknown_provider_webhook_is_404(api_client):
    assert post_webhook(api_client, {"id": "e"}, provider="nope").status_code == 404


def test_webhook_needs_no_csrf_token(started, order):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    assert post_webhook(client, webhook_event(started, "evt_1")).status_code == 200


def test_amount_mismatch_is_refused_and_audited(api_client, started, order):
    response = post_webhook(api_client, webhook_event(started, "evt_1", amount="19.99"))
    assert response.status_code == 200
    order.refresh_from_db()
    started.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert (started.status, started.failure_code) == ("failed", "amount_mismatch")
    row = AuditLog.objects.get(action="payment.mismatch")
    assert row.after["reported_amount"] == "19.99"


def test_currency_mismatch_is_refused(api_client, started, order):
    post_webhook(api_client, webhook_event(started, "evt_1", currency="EUR"))
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert AuditLog.objects.filter(action="payment.mismatch").exists()


def test_failed_event_marks_payment_failed(api_client, started, order):
    post_webhook(api_client, webhook_event(started, "evt_1", status="failed"))
    started.refresh_from_db()
    assert started.status == PaymentStatus.FAILED
    assert "payment.failed" in actions(started)


def test_capture_on_a_cancelled_order_is_refunded(api_client, customer, started, order, provider):
    cancel_order(order, customer)
    post_webhook(api_client, webhook_event(started, "evt_1"))
    started.refresh_from_db()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert (started.status, started.refunded_amount) == ("refunded", Decimal("20.00"))
    assert provider.refunds == 1


def test_refunded_amount_from_the_provider_only_grows(api_client, started, order):
    post_webhook(api_client, webhook_event(started, "evt_1"))
    post_webhook(api_client, webhook_event(started, "evt_2", refunded="5.00"))
    post_webhook(api_client, webhook_event(started, "evt_3", refunded="3.00"))
    started.refresh_from_db()
    assert (started.status, started.refunded_amount) == ("partially_refunded", Decimal("5.00"))


# -- refunds -------------------------------------------------------------------------------


@pytest.fixture
def paid(api_client, started, order) -> Payment:
    post_webhook(api_client, webhook_event(started, "evt_paid"))
    started.refresh_from_db()
    return started


def refunds_url(order) -> str:
    return f"/api/orders/{order.pk}/refunds/"


def test_partial_then_full_refund(auth_client, staff, paid, order, provider):
    client = auth_client(staff)
    partial = client.post(refunds_url(order), {"amount": "5.00"}, format="json")
    assert partial.status_code == 200, partial.json()
    assert partial.json()[0]["refunded_amount"] == "5.00"
    assert client.post(refunds_url(order), {}, format="json").json()[0]["status"] == "refunded"
    paid.refresh_from_db()
    assert paid.refunded_amount == Decimal("20.00")
    assert actions(paid).count("payment.refunded") == 2
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_refund_more_than_captured_is_400(auth_client, staff, paid, order, provider):
    response = auth_client(staff).post(refunds_url(order), {"amount": "20.01"}, format="json")
    assert response.status_code == 400
    assert provider.refunds == 0


def test_refund_is_staff_only(auth_client, customer, paid, order):
    assert auth_client(customer).post(refunds_url(order), {}).status_code == 403


def test_refused_refund_is_502_and_changes_nothing(auth_client, staff, paid, order, provider):
    provider.refuse_refunds = True
    response = auth_client(staff).post(refunds_url(order), {}, format="json")
    assert response.status_code == 502
    paid.refresh_from_db()
    assert paid.refunded_amount == Decimal("0.00")


def test_cancelling_a_paid_order_refunds_it(auth_client, staff, paid, order, provider, product):
    response = auth_client(staff).post(
        f"/api/orders/{order.pk}/transition/", {"status": "cancelled"}, format="json"
    )
    assert response.status_code == 200, response.json()
    paid.refresh_from_db()
    assert (paid.status, paid.refunded_amount) == ("refunded", Decimal("20.00"))
    product.refresh_from_db()
    assert product.stock == 10


def test_refused_refund_leaves_the_order_paid_and_says_so(
    auth_client, staff, paid, order, provider, product
):
    provider.refuse_refunds = True
    response = auth_client(staff).delete(f"/api/orders/{order.pk}/")
    assert response.status_code == 409
    assert "stays paid" in response.json()["status"][0]
    order.refresh_from_db()
    product.refresh_from_db()
    assert (order.status, product.stock) == (OrderStatus.PAID, 8)
