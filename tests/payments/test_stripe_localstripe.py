"""The ``stripe`` provider with the official SDK against ``localstripe``, a Stripe emulator
run as a real server: create, confirm with a test card, the emulator's own signed
``payment_intent.succeeded`` webhook -> order paid; a bad signature; the same event twice;
partial and full refunds with the Idempotency-Key passed on; ``charge.refunded``.

The emulator's webhooks are received by a small server of the test and handed to the API
byte for byte, with the emulator's own ``Stripe-Signature``. The emulator ignores
``Idempotency-Key`` and sends no ``charge.refunded``: the key is asserted on the SDK's
outgoing requests, and that event is signed here with the endpoint secret as Stripe does.

Without the emulator the tests skip, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from decimal import Decimal

import pytest
import stripe
from django.test import override_settings

from nexus_catalog.models import AuditLog, OrderStatus, Payment, PaymentStatus
from nexus_catalog.services.ordering import place_order
from tests.payments.localstripe_server import LocalStripe, serve_inbox

WEBHOOK_SECRET = "whsec_nexus_tests"


@pytest.fixture(scope="module")
def localstripe(tmp_path_factory):
    try:
        server = LocalStripe(tmp_path_factory.mktemp("localstripe"))
        server.wait_ready()
    except (OSError, RuntimeError) as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI: localstripe could not start: {exc}", pytrace=False)
        pytest.skip(f"localstripe could not start: {exc}")
    inbox_server, inbox = serve_inbox()
    host, port = inbox_server.server_address[:2]
    server.register_webhook("nexus", f"http://{host}:{port}/", WEBHOOK_SECRET)
    yield server, inbox
    inbox_server.shutdown()
    server.stop()


@pytest.fixture
def stripe_settings(localstripe):
    server, _ = localstripe
    payments = {
        "STRIPE_SECRET_KEY": "sk_test_nexus",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": server.base,
    }
    with override_settings(NEXUS_CATALOG={"PAYMENTS": payments}):
        yield server


@pytest.fixture
def sent(monkeypatch):
    """The SDK's outgoing requests: (method, url, headers, body)."""
    requests: list[tuple[str, str, dict, str]] = []
    original = stripe.RequestsClient.request

    def recording(self, method, url, headers, post_data=None):
        requests.append((method, url, dict(headers or {}), post_data or ""))
        return original(self, method, url, headers, post_data)

    monkeypatch.setattr(stripe.RequestsClient, "request", recording)
    return requests


@pytest.fixture
def sdk(stripe_settings):
    return stripe.StripeClient("sk_test_nexus", base_addresses={"api": stripe_settings.base})


@pytest.fixture
def order(customer, category):
    from tests.factories import ProductFactory

    product = ProductFactory(category=category, price="12.50", stock=5)
    return place_order(customer, [{"product": product.pk, "quantity": 2}])


def start(auth_client, customer, order, key="pay-1"):
    return auth_client(customer).post(
        f"/api/orders/{order.pk}/payments/",
        {"provider": "stripe"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def pay_with_test_card(sdk, reference: str) -> None:
    """What Stripe.js does in the browser: attach the card and confirm."""
    sdk.v1.payment_intents.update(reference, {"payment_method": "pm_card_visa"})
    sdk.v1.payment_intents.confirm(reference)


def deliver(api_client, delivery, *, signature=None):
    headers = {"HTTP_STRIPE_SIGNATURE": signature or delivery.headers["Stripe-Signature"]}
    return api_client.generic(
        "POST",
        "/api/payments/webhooks/stripe/",
        delivery.body,
        content_type="application/json",
        **headers,
    )


def stripe_signature(payload: bytes, secret: str = WEBHOOK_SECRET) -> str:
    timestamp = int(time.time())
    signed = f"{timestamp}.".encode() + payload
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


@pytest.fixture
def paid(api_client, auth_client, customer, order, sdk, localstripe, sent):
    """An order paid through the emulator, its succeeded webhook delivered once."""
    _, inbox = localstripe
    response = start(auth_client, customer, order)
    assert response.status_code == 201, response.json()
    reference = Payment.objects.get(order=order).reference
    pay_with_test_card(sdk, reference)
    delivery = inbox.wait_for("payment_intent.succeeded", reference)
    assert deliver(api_client, delivery).json() == {"status": "processed"}
    return Payment.objects.get(order=order), delivery


def test_start_creates_a_payment_intent_with_the_key_passed_on(
    auth_client, customer, order, stripe_settings, sent, sdk
):
    response = start(auth_client, customer, order, key="client-key-1")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["provider"] == "stripe" and body["client_secret"].startswith("pi_")
    intent = sdk.v1.payment_intents.retrieve(body["reference"])
    assert (intent.amount, intent.currency) == (2500, "usd")
    creates = [h for m, url, h, _ in sent if m == "post" and url.endswith("/v1/payment_intents")]
    assert len(creates) == 1
    key = creates[0]["Idempotency-Key"]
    assert key.startswith("nexus-") and "client-key-1" not in key


def test_emulator_webhook_marks_the_order_paid_once(api_client, order, paid):
    payment, delivery = paid
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert payment.status == PaymentStatus.CAPTURED
    assert payment.captured_amount == Decimal("25.00")
    again = deliver(api_client, delivery)
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    transitions = AuditLog.objects.filter(action="order.transitioned", object_id=str(order.pk))
    assert [t.actor_repr for t in transitions] == ["provider:stripe"]


def test_emulator_webhook_with_a_bad_signature_is_400(
    api_client, auth_client, customer, order, sdk, localstripe, sent
):
    _, inbox = localstripe
    start(auth_client, customer, order)
    reference = Payment.objects.get(order=order).reference
    pay_with_test_card(sdk, reference)
    delivery = inbox.wait_for("payment_intent.succeeded", reference)
    forged = stripe_signature(delivery.body, secret="whsec_someone_else")
    assert deliver(api_client, delivery, signature=forged).status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert not Payment.objects.get(order=order).events.filter(type__startswith="payment_").exists()


def test_partial_and_full_refund_through_stripe_with_the_key(
    auth_client, staff, order, paid, sent, sdk
):
    payment, _ = paid
    client = auth_client(staff)
    url = f"/api/orders/{order.pk}/refunds/"
    partial = client.post(url, {"amount": "5.00"}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert partial.status_code == 200, partial.json()
    full = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="r-2")
    assert full.status_code == 200, full.json()
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == ("refunded", Decimal("25.00"))
    refunds = [(h, body) for m, u, h, body in sent if m == "post" and u.endswith("/v1/refunds")]
    assert [body.count("amount=500") for _, body in refunds] == [1, 0]
    keys = [h["Idempotency-Key"] for h, _ in refunds]
    assert len(set(keys)) == 2 and all(k.startswith("nexus-") for k in keys)
    listed = sdk.v1.refunds.list({"payment_intent": payment.reference})
    assert sorted(r.amount for r in listed.data) == [500, 2000]


def test_charge_refunded_event_signed_with_the_endpoint_secret(api_client, order, paid, sdk):
    payment, _ = paid
    intent = sdk.v1.payment_intents.retrieve(payment.reference)
    charge_id = (
        intent.latest_charge if isinstance(intent.latest_charge, str) else intent.latest_charge.id
    )
    sdk.v1.refunds.create({"payment_intent": payment.reference})  # made in Stripe's dashboard
    event = {
        "id": "evt_charge_refunded_1",
        "object": "event",
        "type": "charge.refunded",
        "data": {
            "object": {
                "id": charge_id,
                "object": "charge",
                "payment_intent": payment.reference,
                "amount": 2500,
                "amount_captured": 2500,
                "amount_refunded": 2500,
                "currency": "usd",
            }
        },
    }
    body = json.dumps(event).encode()
    response = api_client.generic(
        "POST",
        "/api/payments/webhooks/stripe/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signature(body),
    )
    assert response.json() == {"status": "processed"}
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == ("refunded", Decimal("25.00"))
