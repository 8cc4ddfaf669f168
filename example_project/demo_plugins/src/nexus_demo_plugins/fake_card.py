"""DEMO ONLY: a fake card provider (``fake_card``). No money moves, nothing is charged.

It lets ``make run`` show the whole payment flow without a Stripe account: starting a
payment with ``{"provider": "fake_card"}`` "charges" the demo card at once, so the order
becomes paid (through the same engine path as a real provider's capture: audited, actor
``provider:fake_card``); staff refunds and cancelling the paid order refund it. Never
install this distribution in a shop.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from nexus_catalog.exceptions import WebhookSignatureError
from nexus_catalog.plugins import hookimpl
from nexus_catalog.plugins.types import ProviderPayment, ProviderRefund, WebhookEvent

LABEL = "DEMO ONLY - fake card, no money moves"


class FakeCardProvider:
    code = "fake_card"
    label = LABEL

    def start(self, payment: Any, *, idempotency_key: str) -> ProviderPayment:
        return ProviderPayment(
            status="captured",
            reference=f"fake-{payment.uuid}",
            amount=payment.amount,
            currency=payment.currency,
            next_action={"type": "demo", "notice": LABEL},
        )

    def capture(self, payment: Any, *, idempotency_key: str) -> ProviderPayment:
        return ProviderPayment(
            status="captured",
            reference=payment.reference,
            amount=payment.amount,
            currency=payment.currency,
        )

    def refund(self, payment: Any, amount: Decimal, *, idempotency_key: str) -> ProviderRefund:
        return ProviderRefund(reference=f"fake-refund-{idempotency_key[-16:]}", amount=amount)

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        raise WebhookSignatureError("The demo card provider sends no webhooks.")

    def retrieve(self, payment: Any) -> ProviderPayment:
        return ProviderPayment(
            status=payment.status,
            reference=payment.reference,
            amount=payment.amount,
            currency=payment.currency,
        )


@hookimpl
def nexus_payment_providers() -> list[FakeCardProvider]:
    return [FakeCardProvider()]
