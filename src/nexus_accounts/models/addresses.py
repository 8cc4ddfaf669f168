"""Postal addresses: one field definition (``AbstractAddress``) and the address book.

``AbstractAddress`` holds the fields of a postal address and nothing else, so that another
model (an order's shipping and billing snapshot) stores the same structure by inheriting it.
The country is an ISO 3166-1 alpha-2 code checked against :mod:`nexus_accounts.countries`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from nexus_accounts.countries import COUNTRIES

# The fields of a postal address, in display order (serializers and snapshots use it).
ADDRESS_FIELDS = (
    "name",
    "company",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
)


def validate_country_code(value: str) -> None:
    """Refuse anything but an upper-case ISO 3166-1 alpha-2 code of the shipped list."""
    if value not in COUNTRIES:
        raise ValidationError(
            _("%(value)s is not an ISO 3166-1 alpha-2 country code."),
            code="invalid_country",
            params={"value": value},
        )


class AbstractAddress(models.Model):
    """The fields of a postal address. ``line1``, ``city`` and ``country`` are required; the
    rest may be blank, since not every country uses a region or a postal code."""

    name = models.CharField(_("full name"), max_length=200)
    company = models.CharField(_("company"), max_length=200, blank=True)
    line1 = models.CharField(_("address line 1"), max_length=200)
    line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    region = models.CharField(_("region, state or province"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, validators=[validate_country_code])
    phone = models.CharField(_("phone number"), max_length=32, blank=True)

    class Meta:
        abstract = True

    def address_fields(self) -> dict[str, str]:
        """The address as a plain dict of :data:`ADDRESS_FIELDS` (for a snapshot)."""
        return {field: getattr(self, field) for field in ADDRESS_FIELDS}


class Address(AbstractAddress):
    """An entry of a user's address book. At most one default shipping and one default
    billing address per user, enforced by partial unique indexes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="nexus_addresses",
        verbose_name=_("user"),
    )
    is_default_shipping = models.BooleanField(_("default shipping address"), default=False)
    is_default_billing = models.BooleanField(_("default billing address"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default_shipping=True),
                name="nexus_address_one_default_shipping",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default_billing=True),
                name="nexus_address_one_default_billing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.line1}, {self.city} ({self.country})"
