"""System checks: configuration mistakes surface at start-up, never at the first request."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.checks import CheckMessage, Error, register
from django.db import connections, router

from nexus_catalog.conf import STOCK_COLUMN_MAX, catalog_settings, is_throttle_rate
from nexus_catalog.models import Product
from nexus_catalog.services.inventory import can_take_stock

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
    for key in (
        "PAGE_SIZE",
        "MAX_PAGE_SIZE",
        "MAX_ORDER_LINES",
        "MAX_LINE_QUANTITY",
        "MAX_IMAGE_BYTES",
    ):
        value = getattr(catalog_settings, key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            errors.append(
                Error(
                    f"NEXUS_CATALOG[{key!r}] must be a positive integer, not {value!r}.",
                    id="nexus_catalog.E002",
                )
            )
    max_stock = catalog_settings.MAX_STOCK
    room = STOCK_COLUMN_MAX - catalog_settings.MAX_LINE_QUANTITY
    if not isinstance(max_stock, int) or isinstance(max_stock, bool) or not 1 <= max_stock <= room:
        errors.append(
            Error(
                f"NEXUS_CATALOG['MAX_STOCK'] must be a whole number from 1 to {room:,} (the "
                f"stock column's {STOCK_COLUMN_MAX:,} less MAX_LINE_QUANTITY, room for a "
                f"cancelled order's units to come back), not {max_stock!r}.",
                id="nexus_catalog.E002",
            )
        )
    limit = catalog_settings.COUNT_LIMIT
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
        errors.append(
            Error(
                f"NEXUS_CATALOG['COUNT_LIMIT'] must be a whole number from 0, or None, "
                f"not {limit!r}.",
                id="nexus_catalog.E002",
            )
        )
    minutes = catalog_settings.CART_RESERVATION_MINUTES
    if minutes is not None and (
        not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 0
    ):
        errors.append(
            Error(
                "NEXUS_CATALOG['CART_RESERVATION_MINUTES'] must be a whole number of minutes "
                f"(0 or None: no reservations), not {minutes!r}.",
                id="nexus_catalog.E002",
            )
        )
    bands = catalog_settings.FACET_PRICE_BANDS
    if not (
        isinstance(bands, (list, tuple))
        and all(isinstance(b, (int, Decimal)) and not isinstance(b, bool) for b in bands)
        and all(a < b for a, b in zip([0, *bands], bands, strict=False))
    ):
        errors.append(
            Error(
                "NEXUS_CATALOG['FACET_PRICE_BANDS'] must be a list of ascending positive "
                f"numbers (ints or Decimals), not {bands!r}.",
                id="nexus_catalog.E002",
            )
        )
    language = catalog_settings.SEARCH_LANGUAGE
    if not (isinstance(language, str) and re.fullmatch(r"[a-z_]+", language)):
        errors.append(
            Error(
                "NEXUS_CATALOG['SEARCH_LANGUAGE'] must be a PostgreSQL text-search "
                f"configuration name such as 'english', not {language!r}.",
                id="nexus_catalog.E002",
            )
        )
    for key in ("UNPAID_ORDER_TTL", "AUDIT_REDELIVERY_DELAY", "CART_TTL"):
        if not isinstance(getattr(catalog_settings, key), timedelta):
            errors.append(
                Error(
                    f"NEXUS_CATALOG[{key!r}] must be a datetime.timedelta.", id="nexus_catalog.E002"
                )
            )
    rate = catalog_settings.CART_CREATE_THROTTLE_RATE
    if not is_throttle_rate(rate):
        errors.append(
            Error(
                f"NEXUS_CATALOG['CART_CREATE_THROTTLE_RATE'] must be a rate such as '60/min' "
                f"or None, not {rate!r}.",
                id="nexus_catalog.E002",
            )
        )
    errors += _payment_settings_errors(catalog_settings.PAYMENTS)
    return errors


def _payment_settings_errors(payments: dict[str, Any]) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if payments["STRIPE_CAPTURE_METHOD"] not in ("automatic", "manual"):
        errors.append(
            Error(
                "NEXUS_CATALOG['PAYMENTS']['STRIPE_CAPTURE_METHOD'] must be 'automatic' or "
                f"'manual', not {payments['STRIPE_CAPTURE_METHOD']!r}.",
                id="nexus_catalog.E002",
            )
        )
    if not isinstance(payments["RECONCILE_AFTER"], timedelta):
        errors.append(
            Error(
                "NEXUS_CATALOG['PAYMENTS']['RECONCILE_AFTER'] must be a datetime.timedelta.",
                id="nexus_catalog.E002",
            )
        )
    if payments["STRIPE_SECRET_KEY"] and not payments["STRIPE_WEBHOOK_SECRET"]:
        errors.append(
            Error(
                "NEXUS_CATALOG['PAYMENTS']['STRIPE_WEBHOOK_SECRET'] is required when "
                "STRIPE_SECRET_KEY is set: without it no Stripe webhook can be verified, so "
                "no payment would ever mark an order paid.",
                hint="Copy the signing secret (whsec_...) of your webhook endpoint.",
                id="nexus_catalog.E007",
            )
        )
    return errors


@register()
def check_plugins(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E003: a plugin does not import; E004: it breaks the hook contract; E005: webhooks."""
    # Imported here: the manager loads the built-in plugins, which may need the models.
    from nexus_catalog.plugins import manager
    from nexus_catalog.plugins.webhooks import webhook_configuration_errors

    if catalog_settings.unknown_keys():
        return []  # E001 reports the typo; the values below may be the misspelt ones.
    errors: list[CheckMessage] = [
        Error(message, id="nexus_catalog.E005")
        for message in webhook_configuration_errors(
            catalog_settings.WEBHOOK_URLS, catalog_settings.WEBHOOK_SECRET
        )
    ]
    errors += [
        Error(
            str(exc),
            hint="Check the dotted path and that its package is installed.",
            id="nexus_catalog.E003",
        )
        for exc in manager.plugin_import_errors()
    ]
    if errors:
        return errors
    try:
        manager.build_plugin_manager()
    except manager.PluginImportError as exc:  # a broken entry point
        errors.append(Error(str(exc), id="nexus_catalog.E003"))
    except manager.PluginContractError as exc:
        errors.append(
            Error(
                str(exc),
                hint="Compare the plugin with nexus_catalog.plugins.hookspecs, or disable it "
                f"with NEXUS_CATALOG['DISABLED_PLUGINS'] = [{exc.name!r}].",
                id="nexus_catalog.E004",
            )
        )
    return errors


@register()
def check_database(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E006: the database cannot take stock the way orders are placed (``UPDATE ...
    RETURNING``). Reads the configured engine and the SQLite library; no query."""
    alias = router.db_for_write(Product)
    connection = connections[alias]
    if can_take_stock(connection):
        return []
    return [
        Error(
            f"The database {alias!r} ({connection.display_name}) has no UPDATE ... RETURNING, "
            "which placing an order uses to take stock.",
            hint="Use PostgreSQL, or SQLite 3.35 or later.",
            id="nexus_catalog.E006",
        )
    ]
