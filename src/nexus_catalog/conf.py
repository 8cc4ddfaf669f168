"""The ``NEXUS_CATALOG`` settings namespace.

Modelled on DRF's ``api_settings``: one object, a ``DEFAULTS`` dict that lists every key,
lazy reads, and a reload whenever Django's ``setting_changed`` fires (``override_settings``
in tests). No key is an import string: ``PLUGINS`` holds dotted paths, but the plugin
manager imports them itself, since a plugin's name is its path. Nothing else in the package reads ``django.conf.settings``
for these keys.

Usage::

    from nexus_catalog.conf import catalog_settings
    catalog_settings.CURRENCY
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

# The largest value the stock column holds (``PositiveIntegerField``: a 32-bit integer on
# PostgreSQL); MAX_STOCK must stay below it (check nexus_catalog.E002).
STOCK_COLUMN_MAX = 2_147_483_647
# The largest primary key the tables hold (``BigAutoField``). A query parameter or body field
# naming an id is bounded by it: SQLite cannot even compare a larger number (OverflowError).
ID_COLUMN_MAX = 2**63 - 1

# DRF's SimpleRateThrottle.parse_rate reads "<count>/<period>", the period by its first letter.
_THROTTLE_RATE = re.compile(r"^\d+/[smhd][a-z]*$")


def is_throttle_rate(value: Any) -> bool:
    """Whether ``value`` is a rate DRF's throttles parse, such as ``"10/min"``, or ``None``
    (no throttle): what the checks of both apps accept for a ``*_THROTTLE_RATE`` key."""
    return value is None or (isinstance(value, str) and bool(_THROTTLE_RATE.match(value)))


DEFAULTS: dict[str, Any] = {
    # ISO 4217 code stored on every order; all prices are in this currency.
    "CURRENCY": "USD",
    # Page-number pagination of every list endpoint; ``page_size`` is capped at MAX_PAGE_SIZE.
    "PAGE_SIZE": 20,
    "MAX_PAGE_SIZE": 100,
    # Lists count at most this many matching rows; past it a page's ``count`` is null (an
    # exact COUNT(*) reads every matching row). ``None``: always count exactly. Counting
    # 10,001 rows took PostgreSQL about 2.8 ms a request, more than the page itself; 1,001
    # about 0.3 ms, so a list costs about the same on any catalog.
    "COUNT_LIMIT": 1_000,
    # Unrestricted-consumption guards on order placement.
    "MAX_ORDER_LINES": 50,
    "MAX_LINE_QUANTITY": 1000,
    # The most stock a staff edit may set. The stock column holds 2,147,483,647; the rest is
    # room for the units of open orders to come back when they are cancelled.
    "MAX_STOCK": 1_000_000_000,
    # Pending orders older than this are cancelled by the beat sweep and their stock returned.
    "UNPAID_ORDER_TTL": timedelta(hours=24),
    # Cart reservations: a line added or changed holds its units for this many minutes
    # (docs/guide/checkout.md, "Reservations"). ``None`` or 0: off, no unit is held.
    "CART_RESERVATION_MINUTES": None,
    # Carts untouched (no line or detail changed) for this long are deleted by the beat
    # purge and by ``manage.py nexus_purge_carts``.
    "CART_TTL": timedelta(days=30),
    # DRF throttle rate ("number/period") of cart creation: per client IP for anonymous
    # callers (DRF's NUM_PROXIES decides whether X-Forwarded-For is trusted), per user when
    # signed in; None turns it off. Counters live in the default cache (share it through
    # Redis, or each process counts alone). A bad rate fails nexus_catalog.E002.
    "CART_CREATE_THROTTLE_RATE": "60/min",
    # Extra plugins by dotted path (a module, an object, or a class instantiated with no
    # arguments), and plugin names never to register: a dotted path, an entry-point name, or
    # a built-in's ``nexus.*`` name. The plugin manager imports the paths itself, since a
    # plugin's name is its path.
    "PLUGINS": [],
    "DISABLED_PLUGINS": [],
    # Audit events not delivered to the sinks after this delay are redelivered by the beat sweep.
    "AUDIT_REDELIVERY_DELAY": timedelta(minutes=5),
    # Webhook audit sink: http(s) URLs that receive every audit event as JSON, signed with
    # HMAC-SHA256 keyed by WEBHOOK_SECRET (required when URLs are set: nexus_catalog.E005);
    # WEBHOOK_TIMEOUT is in seconds, per request. No URL, no webhook sink.
    "WEBHOOK_URLS": [],
    "WEBHOOK_SECRET": "",
    "WEBHOOK_TIMEOUT": 5.0,
    # Guest checkout (docs/guide/checkout.md): an anonymous cart with an e-mail and a
    # shipping address checks out; the order has no user and is reached with the secret
    # returned once by the checkout. Off: an anonymous checkout is a 401.
    "GUEST_CHECKOUT": False,
    # Catalog search on PostgreSQL: the text-search configuration (``english``, ``simple``,
    # ``french``...; see ``\\dF`` in psql). Migration 0010 builds the GIN index in the
    # configuration set when it runs; the search reads this one (see the catalog guide on
    # changing it). SQLite ignores it (substring search).
    "SEARCH_LANGUAGE": "english",
    # Upper bounds of the facets' price bands, ascending: [10, 50] gives 0-10, 10-50, 50+.
    "FACET_PRICE_BANDS": [10, 25, 50, 100, 250],
    # The largest product image a staff upload may send, in bytes.
    "MAX_IMAGE_BYTES": 5 * 1024 * 1024,
    # Sender of order e-mails; ``None`` means Django's DEFAULT_FROM_EMAIL.
    "ORDER_EMAIL_FROM": None,
    # Payments (docs/guide/payments.md); a nested namespace of its own. The built-in
    # ``stripe`` provider is offered when STRIPE_SECRET_KEY is set; ``manual`` when MANUAL is.
    "PAYMENTS": {
        "MANUAL": True,
        "STRIPE_SECRET_KEY": "",
        "STRIPE_WEBHOOK_SECRET": "",
        # Another API address (an emulator such as localstripe); empty: Stripe's own.
        "STRIPE_API_BASE": "",
        # "automatic": the money is taken when the customer confirms; "manual": it is only
        # authorized, and staff capture it (POST .../payments/<id>/capture/).
        "STRIPE_CAPTURE_METHOD": "automatic",
        # Payments still in flight this long after they started are asked about by the
        # reconciliation beat task.
        "RECONCILE_AFTER": timedelta(minutes=15),
    },
    # Idempotency-Key middleware; a nested namespace of its own.
    "IDEMPOTENCY": {
        "HEADER": "Idempotency-Key",
        "METHODS": ["POST", "PUT", "PATCH", "DELETE"],
        "PATH_PREFIXES": ["/api/"],
        "REQUIRED": [],
        "TTL": timedelta(hours=24),
        "LOCK_TIMEOUT": timedelta(seconds=5),
        "MAX_BODY_BYTES": 1024 * 1024,
    },
}


class AppSettings:
    """A namespace of settings with defaults, read from one dict in the Django settings.

    Nested dict defaults (such as ``IDEMPOTENCY``) are merged key by key, so a project
    overrides one inner key without repeating the others.
    """

    def __init__(self, setting_name: str, defaults: Mapping[str, Any]) -> None:
        self.setting_name = setting_name
        self.defaults = defaults
        self._cached: set[str] = set()

    @property
    def user_settings(self) -> Mapping[str, Any]:
        return getattr(settings, self.setting_name, None) or {}

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_") or attr not in self.defaults:
            raise AttributeError(f"Invalid {self.setting_name} setting: {attr!r}")
        default = self.defaults[attr]
        value = self.user_settings.get(attr, default)
        if isinstance(default, dict):
            value = {**default, **(value or {})}
        self._cached.add(attr)
        setattr(self, attr, value)
        return value

    def unknown_keys(self) -> list[str]:
        """Every key of the user's dict, nested ones as ``OUTER.INNER``, that has no default."""
        unknown = []
        for key, value in self.user_settings.items():
            if key not in self.defaults:
                unknown.append(key)
            elif isinstance(self.defaults[key], dict) and isinstance(value, dict):
                unknown.extend(f"{key}.{k}" for k in value if k not in self.defaults[key])
        return unknown

    def reload(self) -> None:
        for attr in self._cached:
            self.__dict__.pop(attr, None)
        self._cached.clear()


catalog_settings = AppSettings("NEXUS_CATALOG", DEFAULTS)


def _reload_catalog_settings(*, setting: str, **kwargs: Any) -> None:
    if setting == "NEXUS_CATALOG":
        catalog_settings.reload()


setting_changed.connect(_reload_catalog_settings)
