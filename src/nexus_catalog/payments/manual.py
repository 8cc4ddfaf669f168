"""``manual``: money that reaches the shop outside the API (bank transfer, cash on delivery).

Starting a manual payment only records that the customer chose it: it stays ``pending``
until staff capture it (``POST /api/orders/<id>/payments/<payment id>/capture/``) once the
money is there, which marks the order paid. A refund records that staff gave the money
back by hand. There are no webhooks: the shop's own staff are the provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from nexus_catalog.exceptions import WebhookSignatureError
from nexus_catalog.models import Payment, PaymentStatus
from nexus_catalog.plugins.types import ProviderPayment, ProviderRefund, WebhookEvent


class ManualProvider:
    code = "manual"

    def start(self, payment: Payment, *, idempotency_key: str) -> ProviderPayment:
        return ProviderPayment(
            status=PaymentStatus.PENDING,
            reference=f"manual-{payment.uuid}",
            next_action={
                "type": "offline",
                "instructions": "Pay by bank transfer or on delivery; staff confirm receipt.",
            },
        )

    def capture(self, payment: Payment, *, idempotency_key: str) -> ProviderPayment:
        return ProviderPayment(
            status=PaymentStatus.CAPTURED,
            reference=payment.reference,
            amount=payment.amount,
            currency=payment.currency,
        )

    def refund(self, payment: Payment, amount: Decimal, *, idempotency_key: str) -> ProviderRefund:
        # The key names the refund: the same refund asked again is the same reference.
        return ProviderRefund(reference=f"manual-{idempotency_key[-24:]}", amount=amount)

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        raise WebhookSignatureError("The manual provider receives no webhooks.")

    def retrieve(self, payment: Payment) -> ProviderPayment:
        # Nobody to ask: the payment is what staff recorded.
        return ProviderPayment(
            status=payment.status,
            reference=payment.reference,
            amount=payment.amount,
            currency=payment.currency,
        )
