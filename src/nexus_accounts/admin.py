"""Admin pages of the accounts app: the e-mail address rows (verification state) and the
address book. Changes go through the model's constraints like any other write."""

from django.contrib import admin

from nexus_accounts.models import Address, EmailAddress


@admin.register(EmailAddress)
class EmailAddressAdmin(admin.ModelAdmin):
    list_display = ("email", "user", "verified", "verified_at", "pending_email")
    list_filter = ("verified",)
    search_fields = ("email", "pending_email", "user__username")
    raw_id_fields = ("user",)
    # The address follows the user's own field (edit it on the user); verification may be set.
    readonly_fields = ("email", "pending_email")


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "country", "user", "is_default_shipping", "is_default_billing")
    list_filter = ("country", "is_default_shipping", "is_default_billing")
    search_fields = ("name", "city", "postal_code", "user__username")
    raw_id_fields = ("user",)
