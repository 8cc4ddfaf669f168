"""Request and response shapes of the accounts API. Parsing only: the rules are in services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from rest_framework import serializers

from nexus_accounts.countries import COUNTRY_CHOICES
from nexus_accounts.models import Address
from nexus_accounts.models.addresses import ADDRESS_FIELDS

PASSWORD_MISMATCH = "The two password fields didn't match."


class PasswordField(serializers.CharField):
    """A write-only password: never echoed, never trimmed (spaces are part of a password)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("style", {"input_type": "password"})
        kwargs["write_only"] = True
        kwargs["trim_whitespace"] = False
        super().__init__(**kwargs)


class BlankAsNullEmailField(serializers.EmailField):
    """An address stored blank when there is none, shown as `null` (a blank string is not
    an e-mail address, which the schema promises)."""

    def to_representation(self, value: Any) -> str | None:
        return super().to_representation(value) or None


class UserSerializer(serializers.ModelSerializer):
    """The user as the API shows it, and the fields a user may change on their profile
    (`first_name`, `last_name`, `email`); the rest is read-only.

    The view makes sure the user's `EmailAddress` row exists before rendering
    (`services.email_address_of`)."""

    email_verified = serializers.BooleanField(
        source="nexus_email.verified",
        read_only=True,
        help_text="Whether the address in `email` was verified (always false while "
        "EMAIL_VERIFICATION is 'none').",
    )
    pending_email = BlankAsNullEmailField(
        source="nexus_email.pending_email",
        read_only=True,
        allow_null=True,
        help_text="A new address waiting for verification (null when none): it replaces "
        "`email` once its verification link is used.",
    )

    class Meta:
        model = get_user_model()
        fields = [
            "id",
            "username",
            "email",
            "email_verified",
            "pending_email",
            "first_name",
            "last_name",
            "date_joined",
        ]
        read_only_fields = ["id", "username", "date_joined"]
        # A blank address would collide with every other blank one and cannot log in.
        extra_kwargs = {"email": {"required": True, "allow_blank": False}}


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    email = serializers.EmailField(max_length=254)
    password = PasswordField()
    password2 = PasswordField(help_text="The password again, to catch typing mistakes.")
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["password"] != attrs["password2"]:
            raise serializers.ValidationError({"password2": [PASSWORD_MISMATCH]})
        return attrs


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(
        help_text="The username, or the e-mail address when LOGIN_WITH_EMAIL is on."
    )
    password = PasswordField()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(read_only=True, help_text="Short-lived access token (JWT).")
    refresh = serializers.CharField(
        read_only=True, help_text="Refresh token; single use, rotated by the refresh endpoint."
    )


class RefreshTokenSerializer(serializers.Serializer):
    refresh = serializers.CharField(help_text="A refresh token obtained from login or refresh.")


class PasswordChangeSerializer(serializers.Serializer):
    old_password = PasswordField()
    new_password = PasswordField()
    new_password2 = PasswordField(help_text="The new password again.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["new_password"] != attrs["new_password2"]:
            raise serializers.ValidationError({"new_password2": [PASSWORD_MISMATCH]})
        return attrs


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(
        max_length=254, help_text="The address of the account, in any case."
    )


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64, help_text="The `{uid}` of the e-mailed link.")
    token = serializers.CharField(max_length=128, help_text="The `{token}` of the e-mailed link.")
    new_password = PasswordField()


class EmailVerifySerializer(serializers.Serializer):
    key = serializers.CharField(max_length=1024, help_text="The `{key}` of the e-mailed link.")


class EmailVerifiedSerializer(serializers.Serializer):
    email = serializers.EmailField(read_only=True, help_text="The account's address, verified.")
    email_verified = serializers.BooleanField(read_only=True)


class EmailResendSerializer(serializers.Serializer):
    email = serializers.EmailField(
        max_length=254,
        required=False,
        help_text="Without an access token: the unverified address to send the link to "
        "again. With one: ignored (the caller's own address is used).",
    )


class AcceptedSerializer(serializers.Serializer):
    """The body of every 202 of the recovery and resend endpoints, the same whatever was
    found."""

    detail = serializers.CharField(read_only=True)


class AccountDeleteSerializer(serializers.Serializer):
    password = PasswordField(help_text="The caller's current password.")


class AddressSerializer(serializers.ModelSerializer):
    """An entry of the address book. `country` is an ISO 3166-1 alpha-2 code (`"FR"`);
    setting a default flag moves that default from the user's other address."""

    country = serializers.ChoiceField(
        choices=COUNTRY_CHOICES,
        help_text="ISO 3166-1 alpha-2 code, upper case.",
    )

    class Meta:
        model = Address
        fields = ["id", *ADDRESS_FIELDS, "is_default_shipping", "is_default_billing"]
        read_only_fields = ["id"]


class ErrorDetailSerializer(serializers.Serializer):
    """DRF's error shape for errors that concern no single field (schema only)."""

    detail = serializers.CharField(read_only=True)
