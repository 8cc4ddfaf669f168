"""Vouchers: codes a customer enters for a discount, and their redemptions.

A code is stored upper-case and unique whatever its case (``nexus_voucher_code_upper``), so
``summer10`` and ``SUMMER10`` are one voucher. ``used_count`` is raised in the checkout
transaction, under the voucher's row lock, by a conditional ``UPDATE``: it never passes
``max_uses``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from nexus_catalog.models.orders import MONEY


class VoucherKind(models.TextChoices):
    PERCENT = "percent", _("Percent off the subtotal")
    FIXED = "fixed", _("Fixed amount off the subtotal")
    FREE_SHIPPING = "free_shipping", _("Free shipping")


class Voucher(models.Model):
    code = models.CharField(_("code"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=VoucherKind.choices)
    # Percent (0-100) for ``percent``, an amount for ``fixed``, unused for free shipping.
    value = models.DecimalField(
        _("value"), default=Decimal("0.00"), validators=[MinValueValidator(0)], **MONEY
    )
    min_subtotal = models.DecimalField(
        _("minimum subtotal"), default=Decimal("0.00"), validators=[MinValueValidator(0)], **MONEY
    )
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    max_uses = models.PositiveIntegerField(_("total uses"), null=True, blank=True)
    max_uses_per_customer = models.PositiveIntegerField(
        _("uses per customer"), null=True, blank=True
    )
    used_count = models.PositiveIntegerField(_("times used"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["code", "id"]
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        constraints = [
            models.UniqueConstraint(Upper("code"), name="nexus_voucher_code_upper"),
            models.CheckConstraint(
                condition=models.Q(max_uses__isnull=True)
                | models.Q(used_count__lte=models.F("max_uses")),
                name="nexus_voucher_used_within_max",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class VoucherRedemption(models.Model):
    """One use of a voucher by one order (by its customer, or its e-mail for a guest)."""

    voucher = models.ForeignKey(
        Voucher, verbose_name=_("voucher"), on_delete=models.PROTECT, related_name="redemptions"
    )
    order = models.OneToOneField(
        "nexus_catalog.Order",
        verbose_name=_("order"),
        on_delete=models.CASCADE,
        related_name="voucher_redemption",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("voucher redemption")
        verbose_name_plural = _("voucher redemptions")
        indexes = [models.Index(fields=["voucher", "user"], name="nexus_redemption_user")]

    def __str__(self) -> str:
        return f"{self.voucher} on order {self.order_id}"
