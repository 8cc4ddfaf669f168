"""Throttles whose rate is a package setting, read on every request (so a changed setting,
``override_settings`` in tests, applies at once), and the catalog's own: cart creation.

Counters live in Django's default cache: share it between processes (Redis) or each process
counts alone. A rate of ``None`` turns a throttle off. The client is ``REMOTE_ADDR``;
``X-Forwarded-For`` is read only when DRF's ``NUM_PROXIES`` says how many proxies to trust.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings as drf_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from nexus_catalog.conf import catalog_settings


class SettingRateThrottle(SimpleRateThrottle):
    """A ``SimpleRateThrottle`` whose rate is the ``setting`` key of the settings namespace
    ``app_settings``, keyed by client IP, or by user for a signed-in caller when
    ``per_user``."""

    app_settings: Any = catalog_settings
    setting: str
    per_user = False

    def get_rate(self) -> str | None:
        return getattr(self.app_settings, self.setting)

    def get_ident(self, request: Request) -> str:
        # With NUM_PROXIES unset, DRF would take X-Forwarded-For as the client's address, so a
        # client could pick a new identity per request and never be throttled. Only a host
        # that declares its proxies (NUM_PROXIES) has X-Forwarded-For read.
        if drf_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR", "")
        return super().get_ident(request)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        user = getattr(request, "user", None)
        if self.per_user and user is not None and user.is_authenticated:
            ident = f"user:{user.pk}"
        else:
            # The IP: REMOTE_ADDR, or X-Forwarded-For as far as NUM_PROXIES says.
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class CartCreateRateThrottle(SettingRateThrottle):
    """New carts per signed-in user, or per client IP for anonymous callers: every cart is a
    row kept until ``CART_TTL``, so an unbounded script must not be able to fill the table."""

    scope = "nexus_catalog_cart_create"
    setting = "CART_CREATE_THROTTLE_RATE"
    per_user = True
