"""``stripe``: Stripe PaymentIntents through the official SDK (``pip install
django-nexus-commerce[stripe]``).

* ``start`` creates a PaymentIntent of the payment's amount and currency (card payments,
  ``capture_method`` from ``PAYMENTS["STRIPE_CAPTURE_METHOD"]``), sending the engine's
  idempotency key; the client confirms it with Stripe.js and the ``client_secret``.
* Webhooks (``/api/payments/webhooks/stripe/``), verified with the endpoint's signing secret:
  ``payment_intent.succeeded`` (captured), ``payment_intent.payment_failed`` (failed),
  ``payment_intent.amount_capturable_updated`` (authorized), ``payment_intent.canceled``
  and ``charge.refunded`` (the amount refunded so far). Other types are ignored.
* ``capture`` and ``refund`` (with the engine's idempotency key), ``retrieve`` for
  reconciliation.

Amounts: Stripe counts in the currency's minor unit (cents); the engine in ``Decimal``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import stripe

from nexus_catalog.exceptions import PaymentProviderError, WebhookSignatureError
from nexus_catalog.models import Payment, PaymentStatus
from nexus_catalog.plugins.types import ProviderPayment, ProviderRefund, WebhookEvent

# Stripe's currencies without a minor unit: an amount is sent as is, not in hundredths.
ZERO_DECIMAL_CURRENCIES = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)

# A PaymentIntent's status, as a payment's.
_STATUSES = {
    "requires_payment_method": PaymentStatus.PENDING,
    "requires_confirmation": PaymentStatus.PENDING,
    "processing": PaymentStatus.PENDING,
    "requires_action": PaymentStatus.REQUIRES_ACTION,
    "requires_capture": PaymentStatus.AUTHORIZED,
    "succeeded": PaymentStatus.CAPTURED,
    "canceled": PaymentStatus.CANCELLED,
}

PAYMENT_INTENT_EVENTS = frozenset(
    {
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.amount_capturable_updated",
        "payment_intent.canceled",
    }
)


def to_minor_units(amount: Decimal, currency: str) -> int:
    if currency.upper() in ZERO_DECIMAL_CURRENCIES:
        return int(amount)
    return int((amount * 100).to_integral_value())


def from_minor_units(amount: int, currency: str) -> Decimal:
    if currency.upper() in ZERO_DECIMAL_CURRENCIES:
        return Decimal(amount).quantize(Decimal("0.01"))
    return (Decimal(amount) / 100).quantize(Decimal("0.01"))


class StripeProvider:
    code = "stripe"

    def __init__(
        self,
        *,
        secret_key: str,
        webhook_secret: str,
        api_base: str | None = None,
        capture_method: str = "automatic",
        max_network_retries: int = 2,
    ) -> None:
        self.webhook_secret = webhook_secret
        self.capture_method = capture_method
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=max_network_retries,
        )

    # -- calls ---------------------------------------------------------------------------

    def start(self, payment: Payment, *, idempotency_key: str) -> ProviderPayment:
        params: dict[str, Any] = {
            "amount": to_minor_units(payment.amount, payment.currency),
            "currency": payment.currency.lower(),
            "capture_method": self.capture_method,
            "payment_method_types": ["card"],
            "metadata": {"nexus_order": str(payment.order_id), "nexus_payment": str(payment.uuid)},
        }
        intent = self._call(
            self.client.v1.payment_intents.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        return self.payment_state(intent)

    def capture(self, payment: Payment, *, idempotency_key: str) -> ProviderPayment:
        intent = self._call(
            self.client.v1.payment_intents.capture,
            payment.reference,
            options={"idempotency_key": idempotency_key},
        )
        return self.payment_state(intent)

    def refund(self, payment: Payment, amount: Decimal, *, idempotency_key: str) -> ProviderRefund:
        refund = self._call(
            self.client.v1.refunds.create,
            params={
                "payment_intent": payment.reference,
                "amount": to_minor_units(amount, payment.currency),
            },
            options={"idempotency_key": idempotency_key},
        )
        data = _as_dict(refund)
        if data.get("status") in ("failed", "canceled"):
            raise PaymentProviderError(
                f"Stripe refused the refund ({data.get('failure_reason') or data.get('status')}).",
                code=str(data.get("failure_reason") or ""),
            )
        return ProviderRefund(
            reference=data["id"],
            amount=from_minor_units(data["amount"], data.get("currency") or payment.currency),
            status=data.get("status") or "succeeded",
            raw=data,
        )

    def retrieve(self, payment: Payment) -> ProviderPayment:
        intent = self._call(self.client.v1.payment_intents.retrieve, payment.reference)
        return self.payment_state(intent)

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        signature = headers.get("Stripe-Signature")
        if not signature or not self.webhook_secret:
            raise WebhookSignatureError()
        try:
            payload = body.decode("utf-8")
            stripe.WebhookSignature.verify_header(payload, signature, self.webhook_secret)
            event = json.loads(payload)
            event_id, event_type, obj = event["id"], event["type"], event["data"]["object"]
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
            raise WebhookSignatureError() from exc
        except (KeyError, TypeError) as exc:
            raise WebhookSignatureError("The webhook is signed but is not a Stripe event.") from exc
        if event_type in PAYMENT_INTENT_EVENTS:
            return WebhookEvent(event_id, event_type, obj.get("id", ""), self.payment_state(obj))
        if event_type == "charge.refunded":
            return WebhookEvent(
                event_id, event_type, obj.get("payment_intent") or "", self.charge_state(obj)
            )
        return WebhookEvent(event_id, event_type)

    # -- translation ---------------------------------------------------------------------

    def payment_state(self, intent: Any) -> ProviderPayment:
        """A PaymentIntent (an SDK object or its JSON) as a payment's state."""
        data = _as_dict(intent)
        currency = (data.get("currency") or "").upper()
        status = _STATUSES.get(data.get("status", ""), PaymentStatus.PENDING)
        error = data.get("last_payment_error") or {}
        if status == PaymentStatus.PENDING and error:
            status = PaymentStatus.FAILED  # the last attempt failed; another card may follow
        received = data.get("amount_received")
        if status == PaymentStatus.CAPTURED and received is None:
            received = data.get("amount")  # an emulator may leave amount_received out
        return ProviderPayment(
            status=status,
            reference=data.get("id", ""),
            amount=from_minor_units(data["amount"], currency) if "amount" in data else None,
            currency=currency,
            captured_amount=(
                from_minor_units(received, currency)
                if status == PaymentStatus.CAPTURED and received is not None
                else None
            ),
            client_secret=data.get("client_secret") or "",
            next_action=data.get("next_action") or None,
            failure_code=str(error.get("code") or "") if status == PaymentStatus.FAILED else "",
            raw={"id": data.get("id"), "status": data.get("status")},
        )

    def charge_state(self, charge: Mapping[str, Any]) -> ProviderPayment:
        """A refunded Charge as its payment's state: captured, with the amount refunded."""
        currency = (charge.get("currency") or "").upper()
        amount = from_minor_units(charge["amount"], currency)
        captured = charge.get("amount_captured")
        return ProviderPayment(
            status=PaymentStatus.CAPTURED,
            reference=charge.get("payment_intent") or "",
            amount=amount,
            currency=currency,
            captured_amount=from_minor_units(captured, currency) if captured else amount,
            refunded_amount=from_minor_units(charge.get("amount_refunded") or 0, currency),
            raw={"charge": charge.get("id"), "amount_refunded": charge.get("amount_refunded")},
        )

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except stripe.StripeError as exc:
            raise PaymentProviderError(
                f"Stripe: {exc.user_message or exc.__class__.__name__}",
                code=str(exc.code or ""),
            ) from exc


def _as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict) and not isinstance(obj, stripe.StripeObject):
        return obj
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
