"""Per-client-IP throttles of the anonymous-facing endpoints (register, login).

The rate is read from ``accounts_settings`` when the throttle is built, that is on every
request, so a changed setting (``override_settings`` in tests) applies at once. Counters live
in Django's default cache: share it between processes (Redis) or each process counts alone.
A rate of ``None`` turns the throttle off.
"""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from nexus_accounts.conf import accounts_settings


class AccountsRateThrottle(SimpleRateThrottle):
    """A ``SimpleRateThrottle`` keyed by client IP whose rate is the ``setting`` key of
    ``NEXUS_ACCOUNTS``."""

    setting: str

    def get_rate(self) -> str | None:
        return getattr(accounts_settings, self.setting)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        # The IP as DRF sees it: REMOTE_ADDR, or X-Forwarded-For with NUM_PROXIES set.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class RegisterRateThrottle(AccountsRateThrottle):
    scope = "nexus_accounts_register"
    setting = "REGISTER_THROTTLE_RATE"


class LoginRateThrottle(AccountsRateThrottle):
    scope = "nexus_accounts_login"
    setting = "LOGIN_THROTTLE_RATE"
