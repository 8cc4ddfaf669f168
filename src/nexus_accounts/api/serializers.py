"""Request and response shapes of the accounts API. Parsing only: the rules are in services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from rest_framework import serializers

PASSWORD_MISMATCH = "The two password fields didn't match."


class PasswordField(serializers.CharField):
    """A write-only password: never echoed, never trimmed (spaces are part of a password)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("style", {"input_type": "password"})
        kwargs["write_only"] = True
        kwargs["trim_whitespace"] = False
        super().__init__(**kwargs)


class UserSerializer(serializers.ModelSerializer):
    """The user as the API shows it, and the fields a user may change on their profile
    (`first_name`, `last_name`, `email`); the rest is read-only."""

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "first_name", "last_name", "date_joined"]
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


class ErrorDetailSerializer(serializers.Serializer):
    """DRF's error shape for errors that concern no single field (schema only)."""

    detail = serializers.CharField(read_only=True)
