"""Throttles of the accounts endpoints: per client IP for the anonymous-facing ones (register,
login, password reset, e-mail verification), per user for the password change and the
account deletion, and per e-mail address for the reset and resend requests.

The rate is read from ``accounts_settings`` when the throttle is built, that is on every
request, so a changed setting (``override_settings`` in tests) applies at once. Counters live
in Django's default cache: share it between processes (Redis) or each process counts alone.
A rate of ``None`` turns the throttle off. The client is ``REMOTE_ADDR``; ``X-Forwarded-For`` is
read only when DRF's ``NUM_PROXIES`` says how many proxies to trust.
"""

from __future__ import annotations

import hashlib

from rest_framework.request import Request
from rest_framework.views import APIView

from nexus_accounts.conf import accounts_settings
from nexus_catalog.api.throttles import SettingRateThrottle


class AccountsRateThrottle(SettingRateThrottle):
    """Keyed by client IP; the rate is the ``setting`` key of ``NEXUS_ACCOUNTS``."""

    app_settings = accounts_settings


class RegisterRateThrottle(AccountsRateThrottle):
    scope = "nexus_accounts_register"
    setting = "REGISTER_THROTTLE_RATE"


class LoginRateThrottle(AccountsRateThrottle):
    scope = "nexus_accounts_login"
    setting = "LOGIN_THROTTLE_RATE"


class PasswordChangeRateThrottle(AccountsRateThrottle):
    """Per user, not per address: whoever holds a user's access token (a stolen one
    included) gets this many tries at the old password, from however many addresses.
    Permissions are checked before throttles, so the caller is authenticated here."""

    scope = "nexus_accounts_password_change"
    setting = "PASSWORD_CHANGE_THROTTLE_RATE"
    per_user = True


class PasswordResetRateThrottle(AccountsRateThrottle):
    """Reset requests per client IP."""

    scope = "nexus_accounts_password_reset"
    setting = "PASSWORD_RESET_THROTTLE_RATE"


class PasswordResetConfirmRateThrottle(AccountsRateThrottle):
    """Reset confirmations per client IP (counted apart from the requests)."""

    scope = "nexus_accounts_password_reset_confirm"
    setting = "PASSWORD_RESET_THROTTLE_RATE"


class AddressRateThrottle(AccountsRateThrottle):
    """Keyed by the e-mail address a request names (lower-cased, then hashed, so the cache
    holds no address), or by the caller's own when authenticated: requests spread over many
    client addresses still share one counter per mailbox. Counted the same whether or not
    an account goes by the address. A request naming no valid address is not counted here
    (the serializer refuses it)."""

    field = "email"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            email = getattr(user, user.get_email_field_name(), "") or f"user:{user.pk}"
        else:
            data = request.data
            email = data.get(self.field) if hasattr(data, "get") else None
        if not isinstance(email, str) or "@" not in email:
            return None
        ident = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PasswordResetEmailRateThrottle(AddressRateThrottle):
    scope = "nexus_accounts_password_reset_email"
    setting = "PASSWORD_RESET_EMAIL_THROTTLE_RATE"


class EmailVerificationRateThrottle(AccountsRateThrottle):
    """Verify and resend per client IP (counted apart)."""

    scope = "nexus_accounts_email_verification"
    setting = "EMAIL_VERIFICATION_THROTTLE_RATE"

    def get_cache_key(self, request: Request, view: APIView) -> str:
        scope = f"{self.scope}_{type(view).__name__}"
        return self.cache_format % {"scope": scope, "ident": self.get_ident(request)}


class EmailVerificationResendRateThrottle(AddressRateThrottle):
    scope = "nexus_accounts_email_verification_resend"
    setting = "EMAIL_VERIFICATION_RESEND_THROTTLE_RATE"


class AccountDeleteRateThrottle(PasswordChangeRateThrottle):
    """Per user, at the password change's rate: the erasure checks the password too."""

    scope = "nexus_accounts_account_delete"
