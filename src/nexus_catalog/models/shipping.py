"""Shipping methods a shop offers: a price, a free-over amount, the countries served."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from nexus_catalog.models.orders import MONEY


class ShippingMethod(models.Model):
    """A way to ship an order. ``countries`` lists ISO 3166-1 alpha-2 codes; empty means
    everywhere. An order whose subtotal reaches ``free_over`` ships for nothing."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    price = models.DecimalField(_("price"), validators=[MinValueValidator(0)], **MONEY)
    free_over = models.DecimalField(
        _("free over"), null=True, blank=True, validators=[MinValueValidator(0)], **MONEY
    )
    countries = models.JSONField(_("countries"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["price", "id"]
        verbose_name = _("shipping method")
        verbose_name_plural = _("shipping methods")

    def __str__(self) -> str:
        return self.name
