"""Orders, their lines and their price adjustments.

Every price is stored on the order when it is placed, so a later catalog change never
rewrites history. Status moves only through ``services.ordering.transition_order``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nexus_accounts.models.addresses import AbstractAddress

MONEY = {"max_digits": 12, "decimal_places": 2}


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class Order(models.Model):
    # ``None`` for a guest order (``GUEST_CHECKOUT``): its customer is whoever holds the
    # secret whose hash is ``guest_secret_hash``.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        # An order is a financial record: a user with orders cannot be deleted by accident.
        on_delete=models.PROTECT,
        related_name="nexus_orders",
    )
    # The SHA-256 (hex) of a guest order's secret; the secret itself is never stored, so
    # reading the database gives no access to the order.
    guest_secret_hash = models.CharField(
        _("guest secret hash"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    currency = models.CharField(_("currency"), max_length=3)
    subtotal = models.DecimalField(_("subtotal"), default=Decimal("0.00"), **MONEY)
    total = models.DecimalField(_("total"), default=Decimal("0.00"), **MONEY)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    shipping_address = models.TextField(_("shipping address"), blank=True, max_length=2000)
    # Set by a checkout: the cart's e-mail, chosen shipping method (its code) and the
    # structured addresses as they were then.
    email = models.EmailField(_("e-mail"), blank=True)
    shipping_method = models.CharField(_("shipping method"), max_length=64, blank=True)
    shipping_postal_address = models.OneToOneField(
        "nexus_catalog.OrderAddress",
        verbose_name=_("shipping postal address"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    billing_postal_address = models.OneToOneField(
        "nexus_catalog.OrderAddress",
        verbose_name=_("billing postal address"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total__gte=0), name="nexus_order_total_gte_0"
            ),
            # An order without a user is a guest order, reachable by its secret only.
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(guest_secret_hash__isnull=False),
                name="nexus_order_user_or_guest_secret",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="nexus_order_user_created"),
            # The unpaid-order sweep: pending orders older than a cut-off.
            models.Index(fields=["status", "created_at"], name="nexus_order_status_created"),
        ]

    def __str__(self) -> str:
        return f"Order #{self.pk} ({self.status})"


class OrderAddress(AbstractAddress):
    """A postal address as it was when an order was placed (the accounts' address shape):
    editing or deleting the address book entry later never changes the order."""

    class Meta:
        verbose_name = _("order address")
        verbose_name_plural = _("order addresses")

    def __str__(self) -> str:
        return f"{self.name}, {self.line1}, {self.city} ({self.country})"


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        "nexus_catalog.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="order_lines",
    )
    # As they were when the order was placed.
    product_name = models.CharField(_("product name"), max_length=200)
    product_sku = models.CharField(_("product SKU"), max_length=64)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    quantity = models.PositiveIntegerField(_("quantity"))
    line_total = models.DecimalField(_("line total"), **MONEY)

    class Meta:
        ordering = ["id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="nexus_orderline_quantity_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name}"


class OrderAdjustment(models.Model):
    """A labelled amount added to the subtotal by a pricing plugin: negative for a discount."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="adjustments"
    )
    code = models.SlugField(_("code"), max_length=64)
    label = models.CharField(_("label"), max_length=200)
    amount = models.DecimalField(_("amount"), **MONEY)
    source = models.CharField(_("source plugin"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("order adjustment")
        verbose_name_plural = _("order adjustments")

    def __str__(self) -> str:
        return f"{self.label}: {self.amount}"
