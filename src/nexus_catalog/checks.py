"""System checks: configuration mistakes surface at start-up, never at the first request."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.core.checks import CheckMessage, Error, register

from nexus_catalog.conf import catalog_settings

_CURRENCY = re.compile(r"^[A-Z]{3}$")


@register()
def check_catalog_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for key in catalog_settings.unknown_keys():
        errors.append(
            Error(
                f"Unknown key {key!r} in settings.NEXUS_CATALOG.",
                hint="Check the spelling against the settings reference in the docs.",
                id="nexus_catalog.E001",
            )
        )
    if errors:
        # The values below may be the misspelt ones; report the typo alone.
        return errors
    if not _CURRENCY.match(str(catalog_settings.CURRENCY)):
        errors.append(
            Error(
                f"NEXUS_CATALOG['CURRENCY'] must be an ISO 4217 code such as 'USD', "
                f"not {catalog_settings.CURRENCY!r}.",
                id="nexus_catalog.E002",
            )
        )
    for key in ("PAGE_SIZE", "MAX_PAGE_SIZE", "MAX_ORDER_LINES", "MAX_LINE_QUANTITY"):
        value = getattr(catalog_settings, key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            errors.append(
                Error(
                    f"NEXUS_CATALOG[{key!r}] must be a positive integer, not {value!r}.",
                    id="nexus_catalog.E002",
                )
            )
    for key in ("UNPAID_ORDER_TTL", "AUDIT_REDELIVERY_DELAY"):
        if not isinstance(getattr(catalog_settings, key), timedelta):
            errors.append(
                Error(
                    f"NEXUS_CATALOG[{key!r}] must be a datetime.timedelta.", id="nexus_catalog.E002"
                )
            )
    return errors
