"""System checks of the accounts app.

E001: unknown key in ``NEXUS_ACCOUNTS``. E002: SimpleJWT's blacklist app is not installed
(logout, rotation and password change revoke refresh tokens through it). E003: SimpleJWT's
``ROTATE_REFRESH_TOKENS`` or ``BLACKLIST_AFTER_ROTATION`` is off: this package always rotates
and blacklists, and SimpleJWT's own views (which a project may also mount) must agree with it.
E004: a throttle rate that DRF cannot parse. E005: ``EMAIL_VERIFICATION`` is not one of
``"none"``, ``"optional"``, ``"mandatory"``. E006: a link template of an e-mail
(``PASSWORD_RESET_URL``, ``EMAIL_VERIFICATION_URL``) lacks a placeholder it needs, or the
verification link is unset while verification is on.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.checks import CheckMessage, Error, register

from nexus_accounts.conf import EMAIL_VERIFICATION_MODES, accounts_settings
from nexus_catalog.conf import is_throttle_rate

BLACKLIST_APP = "rest_framework_simplejwt.token_blacklist"
THROTTLE_RATE_KEYS = (
    "REGISTER_THROTTLE_RATE",
    "LOGIN_THROTTLE_RATE",
    "PASSWORD_CHANGE_THROTTLE_RATE",
    "PASSWORD_RESET_THROTTLE_RATE",
    "PASSWORD_RESET_EMAIL_THROTTLE_RATE",
    "EMAIL_VERIFICATION_THROTTLE_RATE",
    "EMAIL_VERIFICATION_RESEND_THROTTLE_RATE",
)
# Each link template and the placeholders it must hold.
LINK_PLACEHOLDERS = {
    "PASSWORD_RESET_URL": ("{uid}", "{token}"),
    "EMAIL_VERIFICATION_URL": ("{key}",),
}
LINK_EXAMPLES = {
    "PASSWORD_RESET_URL": "https://shop.example.com/reset/{uid}/{token}",
    "EMAIL_VERIFICATION_URL": "https://shop.example.com/verify/{key}",
}


@register()
def check_accounts_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = [
        Error(
            f"Unknown key {key!r} in settings.NEXUS_ACCOUNTS.",
            hint="Check the spelling against the settings reference in the docs.",
            id="nexus_accounts.E001",
        )
        for key in accounts_settings.unknown_keys()
    ]
    if errors:
        return errors
    for key in THROTTLE_RATE_KEYS:
        rate = getattr(accounts_settings, key)
        if not is_throttle_rate(rate):
            errors.append(
                Error(
                    f"NEXUS_ACCOUNTS[{key!r}] must be a rate such as '10/min' or None, "
                    f"not {rate!r}.",
                    id="nexus_accounts.E004",
                )
            )
    mode = accounts_settings.EMAIL_VERIFICATION
    if mode not in EMAIL_VERIFICATION_MODES:
        errors.append(
            Error(
                f"NEXUS_ACCOUNTS['EMAIL_VERIFICATION'] must be one of "
                f"{', '.join(map(repr, EMAIL_VERIFICATION_MODES))}, not {mode!r}.",
                id="nexus_accounts.E005",
            )
        )
    errors.extend(_link_errors(verification_on=mode in ("optional", "mandatory")))
    return errors


def _link_errors(*, verification_on: bool) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for key, placeholders in LINK_PLACEHOLDERS.items():
        template = getattr(accounts_settings, key)
        if template is None:
            if key == "EMAIL_VERIFICATION_URL" and verification_on:
                errors.append(
                    Error(
                        "NEXUS_ACCOUNTS['EMAIL_VERIFICATION_URL'] must be set when "
                        "EMAIL_VERIFICATION is 'optional' or 'mandatory'.",
                        hint="The page of your storefront that posts the key to "
                        f"/api/auth/email/verify/, such as {LINK_EXAMPLES[key]!r}.",
                        id="nexus_accounts.E006",
                    )
                )
            continue
        missing = [p for p in placeholders if not isinstance(template, str) or p not in template]
        if missing:
            errors.append(
                Error(
                    f"NEXUS_ACCOUNTS[{key!r}] must be a string holding {' and '.join(missing)}.",
                    hint=f"For example {LINK_EXAMPLES[key]!r}.",
                    id="nexus_accounts.E006",
                )
            )
    return errors


@register()
def check_simplejwt(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from rest_framework_simplejwt.settings import api_settings as jwt_settings

    errors: list[CheckMessage] = []
    if not apps.is_installed(BLACKLIST_APP):
        errors.append(
            Error(
                f"{BLACKLIST_APP!r} must be in INSTALLED_APPS.",
                hint="nexus_accounts blacklists refresh tokens on logout, refresh and "
                "password change; add the app and run migrate.",
                id="nexus_accounts.E002",
            )
        )
    for key in ("ROTATE_REFRESH_TOKENS", "BLACKLIST_AFTER_ROTATION"):
        if not getattr(jwt_settings, key):
            errors.append(
                Error(
                    f"SIMPLE_JWT[{key!r}] must be True.",
                    hint="Refresh tokens are single use: the refresh endpoint rotates them "
                    "and blacklists the old one, and SimpleJWT's own views must do the same.",
                    id="nexus_accounts.E003",
                )
            )
    return errors
