"""Carts: what a customer collects before checking out, addressed by an unguessable token.

A cart is anonymous (``user`` empty: whoever holds the token may use it) or owned (only its
owner may, token or not). It holds quantities and the customer's choices, never a price:
every read prices it again through the same hooks as an order.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_cart_token() -> str:
    """32 random bytes, URL-safe (43 characters): a cart's handle and its only secret."""
    return secrets.token_urlsafe(32)


class CartStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CHECKED_OUT = "checked_out", _("Checked out")
    MERGED = "merged", _("Merged into another cart")


class Cart(models.Model):
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_cart_token)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="nexus_carts",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CartStatus.choices, default=CartStatus.OPEN
    )
    email = models.EmailField(_("e-mail"), blank=True)
    # ADDRESS_FIELDS of nexus_accounts, validated by the service; null until given.
    shipping_address = models.JSONField(_("shipping address"), null=True, blank=True)
    billing_address = models.JSONField(_("billing address"), null=True, blank=True)
    # A ShippingMethod code, or a code a nexus_shipping_methods plugin offers.
    shipping_method = models.CharField(_("shipping method"), max_length=64, blank=True)
    voucher_code = models.CharField(_("voucher code"), max_length=64, blank=True)
    order = models.OneToOneField(
        "nexus_catalog.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cart",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("cart")
        verbose_name_plural = _("carts")
        indexes = [
            models.Index(fields=["user", "status"], name="nexus_cart_user_status"),
            # The purge of carts untouched for CART_TTL.
            models.Index(fields=["updated_at"], name="nexus_cart_updated"),
        ]

    def __str__(self) -> str:
        return f"Cart #{self.pk} ({self.status})"


class CartLine(models.Model):
    cart = models.ForeignKey(
        Cart, verbose_name=_("cart"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        "nexus_catalog.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    # With CART_RESERVATION_MINUTES set: until when the line holds its quantity (a hold is
    # live while its cart is open and this is in the future; expiry is only time passing).
    # Null: the line holds nothing (reservations off, or the line predates them).
    reserved_until = models.DateTimeField(_("reserved until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        indexes = [
            # The sum of the live holds of a product: its lines still reserved, and nothing
            # of the lines that never held (every line when reservations are off).
            models.Index(
                fields=["product", "reserved_until"],
                name="nexus_cartline_hold",
                condition=models.Q(reserved_until__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="nexus_cartline_one_product"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="nexus_cartline_quantity_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x product {self.product_id}"
