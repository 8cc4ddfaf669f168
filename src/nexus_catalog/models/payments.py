"""Payments of orders, and the append-only log of what their providers said.

A :class:`Payment` is one attempt to take an order's money through one provider (``manual``,
``stripe``, a plugin's). Its amount and currency are copied from the order when it starts,
never taken from a client. Its status moves only through
``services.payments`` along ``services.payments.PAYMENT_TRANSITIONS``.

A :class:`PaymentEvent` records each thing a provider told us (a webhook, the answer to a
start, capture, refund or reconciliation). ``(provider, provider_event_id)`` is unique: a
webhook delivered twice is processed once, whatever the number of processes receiving it.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from nexus_catalog.models.orders import MONEY


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    REQUIRES_ACTION = "requires_action", _("Requires action")
    AUTHORIZED = "authorized", _("Authorized")
    CAPTURED = "captured", _("Captured")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")


#: The statuses of a payment whose outcome the provider has not told yet.
IN_FLIGHT = frozenset(
    {PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION, PaymentStatus.AUTHORIZED}
)
#: The statuses of a payment whose money was taken (some of it may have been given back).
CAPTURED_STATUSES = frozenset(
    {PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
)


class Payment(models.Model):
    # Stable across retries and unknown to clients: the root of the idempotency keys sent
    # to the provider when no Idempotency-Key came with the request.
    uuid = models.UUIDField(_("uuid"), default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(
        "nexus_catalog.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    provider = models.CharField(_("provider"), max_length=64)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=24, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    # The provider's id of the payment (a Stripe PaymentIntent id); empty until started.
    reference = models.CharField(_("provider reference"), max_length=255, blank=True)
    captured_amount = models.DecimalField(_("captured amount"), default=Decimal("0.00"), **MONEY)
    refunded_amount = models.DecimalField(_("refunded amount"), default=Decimal("0.00"), **MONEY)
    # Why a payment failed, in the provider's words or ours ("amount_mismatch").
    failure_code = models.CharField(_("failure code"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="nexus_payment_amount_gt_0"
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_amount__lte=models.F("captured_amount")),
                name="nexus_payment_refund_lte_captured",
            ),
            # A provider reference names one payment (empty until the provider answered).
            models.UniqueConstraint(
                fields=["provider", "reference"],
                condition=~models.Q(reference=""),
                name="nexus_payment_provider_reference",
            ),
        ]
        indexes = [
            # The reconciliation sweep: payments in flight older than a cut-off.
            models.Index(fields=["status", "created_at"], name="nexus_payment_status_created"),
        ]

    def __str__(self) -> str:
        return f"Payment #{self.pk} {self.provider} {self.amount} {self.currency} ({self.status})"

    @property
    def refundable_amount(self) -> Decimal:
        return self.captured_amount - self.refunded_amount


class PaymentEvent(models.Model):
    """One thing a provider said about a payment. Append-only, as the audit log."""

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="events"
    )
    provider = models.CharField(_("provider"), max_length=64)
    # The provider's id of the event (a Stripe ``evt_...``), or one the engine makes for an
    # answer that has none (``refund:re_...``): unique per provider.
    provider_event_id = models.CharField(_("provider event id"), max_length=255)
    type = models.CharField(_("type"), max_length=100)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_event_id"], name="nexus_paymentevent_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.provider_event_id}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError("Payment events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Payment events are append-only.")
