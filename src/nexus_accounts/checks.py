"""System checks of the accounts app."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from nexus_accounts.conf import accounts_settings


@register()
def check_accounts_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [
        Error(
            f"Unknown key {key!r} in settings.NEXUS_ACCOUNTS.",
            hint="Check the spelling against the settings reference in the docs.",
            id="nexus_accounts.E001",
        )
        for key in accounts_settings.unknown_keys()
    ]
