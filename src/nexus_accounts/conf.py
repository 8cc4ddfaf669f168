"""The ``NEXUS_ACCOUNTS`` settings namespace (same shape as ``nexus_catalog.conf``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.signals import setting_changed

from nexus_catalog.conf import AppSettings

DEFAULTS: dict[str, Any] = {
    # DRF throttle rates ("number/period") of the anonymous-facing endpoints, per client IP
    # (DRF's NUM_PROXIES decides whether X-Forwarded-For is trusted); None turns one off.
    # Counters live in the default cache, so processes share them only through a shared
    # cache such as Redis. A bad rate fails the check nexus_accounts.E004.
    "REGISTER_THROTTLE_RATE": "5/min",
    "LOGIN_THROTTLE_RATE": "10/min",
    # Per user (a stolen access token must not allow guessing the old password freely).
    "PASSWORD_CHANGE_THROTTLE_RATE": "5/hour",
    # Whether login accepts the e-mail address (any case) in place of the username.
    "LOGIN_WITH_EMAIL": True,
    # The link of the password reset e-mail: a page of the storefront that posts uid, token
    # and the new password to /api/auth/password/reset/confirm/. Must hold {uid} and
    # {token} (check nexus_accounts.E006); None: a reset request is a configuration error.
    "PASSWORD_RESET_URL": None,
    # Password reset requests and confirmations, per client IP; requests also per address.
    "PASSWORD_RESET_THROTTLE_RATE": "10/hour",
    "PASSWORD_RESET_EMAIL_THROTTLE_RATE": "3/hour",
    # "none" (no verification), "optional" (verification e-mails; me shows email_verified)
    # or "mandatory" (login refused until verified). Check nexus_accounts.E005.
    "EMAIL_VERIFICATION": "none",
    # The link of the verification e-mail; must hold {key}; required unless "none" (E006).
    "EMAIL_VERIFICATION_URL": None,
    # How long a verification key is accepted.
    "EMAIL_VERIFICATION_TIMEOUT": timedelta(days=3),
    # Verify and resend, per client IP; resend also per address.
    "EMAIL_VERIFICATION_THROTTLE_RATE": "10/hour",
    "EMAIL_VERIFICATION_RESEND_THROTTLE_RATE": "3/hour",
    # Sender of the accounts e-mails; None means Django's DEFAULT_FROM_EMAIL.
    "EMAIL_FROM": None,
    # The most addresses one user's address book holds.
    "MAX_ADDRESSES": 50,
}

EMAIL_VERIFICATION_MODES = ("none", "optional", "mandatory")

accounts_settings = AppSettings("NEXUS_ACCOUNTS", DEFAULTS)


def _reload_accounts_settings(*, setting: str, **kwargs: Any) -> None:
    if setting == "NEXUS_ACCOUNTS":
        accounts_settings.reload()


setting_changed.connect(_reload_accounts_settings)
