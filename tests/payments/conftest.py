"""Fixtures of the payment tests: a provider under the test's control, orders to pay."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from nexus_catalog.exceptions import PaymentProviderError, WebhookSignatureError
from nexus_catalog.models import Payment, PaymentStatus
from nexus_catalog.plugins.hookspecs import hookimpl
from nexus_catalog.plugins.types import ProviderPayment, ProviderRefund, WebhookEvent
from nexus_catalog.services.ordering import place_order
from tests.factories import ProductFactory

SECRET = b"test-webhook-secret"


class ScriptedProvider:
    """A provider whose answers the test sets, and whose webhooks are HMAC-signed JSON:
    ``{"id", "type", "reference", "status", "amount", "currency", "refunded"}``."""

    code = "scripted"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []  # (method, idempotency key)
        self.refuse_refunds = False
        self.retrieve_status: str | None = None
        self.retrieve_error = False
        self.refunds = 0

    def start(self, payment: Payment, *, idempotency_key: str) -> ProviderPayment:
        self.calls.append(("start", idempotency_key))
        return ProviderPayment(
            status=PaymentStatus.PENDING, reference=f"sc-{payment.uuid}", client_secret="cs-1"
        )

    def capture(self, payment: Payment, *, idempotency_key: str) -> ProviderPayment:
        self.calls.append(("capture", idempotency_key))
        return ProviderPayment(
            status=PaymentStatus.CAPTURED, amount=payment.amount, currency=payment.currency
        )

    def refund(self, payment: Payment, amount: Decimal, *, idempotency_key: str) -> ProviderRefund:
        self.calls.append(("refund", idempotency_key))
        if self.refuse_refunds:
            raise PaymentProviderError("insufficient balance", code="balance")
        self.refunds += 1
        return ProviderRefund(reference=f"re-{idempotency_key[-12:]}", amount=amount)

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        expected = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("X-Signature", ""), expected):
            raise WebhookSignatureError()
        data = json.loads(body)
        if data["type"] == "ignored":
            return WebhookEvent(data["id"], data["type"])
        state = ProviderPayment(
            status=data["status"],
            reference=data["reference"],
            amount=Decimal(data["amount"]),
            currency=data["currency"],
            refunded_amount=Decimal(data["refunded"]) if data.get("refunded") else None,
        )
        return WebhookEvent(data["id"], data["type"], data["reference"], state)

    def retrieve(self, payment: Payment) -> ProviderPayment:
        self.calls.append(("retrieve", ""))
        if self.retrieve_error:
            raise PaymentProviderError("unreachable")
        return ProviderPayment(
            status=self.retrieve_status or payment.status,
            reference=payment.reference,
            amount=payment.amount,
            currency=payment.currency,
        )


class ScriptedPlugin:
    def __init__(self, provider: ScriptedProvider) -> None:
        self.provider = provider

    @hookimpl
    def nexus_payment_providers(self) -> list[Any]:
        return [self.provider]


@pytest.fixture
def provider(register_plugin) -> ScriptedProvider:
    scripted = ScriptedProvider()
    register_plugin(ScriptedPlugin(scripted), "tests.scripted-payments")
    return scripted


@pytest.fixture
def product(category):
    return ProductFactory(category=category, price="10.00", stock=10)


@pytest.fixture
def order(customer, product):
    """A pending order of 20.00 USD."""
    return place_order(customer, [{"product": product.pk, "quantity": 2}])


def signed(event: dict[str, Any]) -> tuple[bytes, str]:
    body = json.dumps(event).encode()
    return body, hmac.new(SECRET, body, hashlib.sha256).hexdigest()


def webhook_event(payment: Payment, event_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "payment.succeeded",
        "reference": payment.reference,
        "status": "captured",
        "amount": str(payment.amount),
        "currency": payment.currency,
        **fields,
    }
