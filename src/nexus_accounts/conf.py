"""The ``NEXUS_ACCOUNTS`` settings namespace (same shape as ``nexus_catalog.conf``)."""

from __future__ import annotations

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
}

accounts_settings = AppSettings("NEXUS_ACCOUNTS", DEFAULTS)


def _reload_accounts_settings(*, setting: str, **kwargs: Any) -> None:
    if setting == "NEXUS_ACCOUNTS":
        accounts_settings.reload()


setting_changed.connect(_reload_accounts_settings)
