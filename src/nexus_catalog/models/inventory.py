"""The stock ledger: every change of ``Product.stock`` is one row here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MovementReason(models.TextChoices):
    ORDER = "order", _("Order placed")
    CANCEL = "cancel", _("Order cancelled")
    RESTOCK = "restock", _("Restock")
    ADJUSTMENT = "adjustment", _("Manual adjustment")


class InventoryMovement(models.Model):
    """A signed change of one product's stock.

    The invariant the services keep: ``product.stock == sum(movement.change)``.
    """

    product = models.ForeignKey(
        "nexus_catalog.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="movements",
        # nexus_move_product (product, created_at) serves every lookup by product.
        db_index=False,
    )
    change = models.IntegerField(_("change"))
    reason = models.CharField(_("reason"), max_length=16, choices=MovementReason.choices)
    order_line = models.ForeignKey(
        "nexus_catalog.OrderLine",
        verbose_name=_("order line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="movements",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("inventory movement")
        verbose_name_plural = _("inventory movements")
        indexes = [models.Index(fields=["product", "created_at"], name="nexus_move_product")]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.change:+d} ({self.reason})"
