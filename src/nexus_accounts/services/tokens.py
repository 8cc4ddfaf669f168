"""JWT pairs: issue, rotate, revoke one, revoke all of a user.

Built on SimpleJWT and its ``token_blacklist`` app. Rotation and revocation lock the
``OutstandingToken`` row of the presented token, so two racing uses of one refresh token
(a replay, or a double-submitted refresh) never both succeed on PostgreSQL: the second one
finds the token already blacklisted. Rotation also locks the user row, the lock that
:func:`nexus_accounts.services.accounts.change_password` takes, so a refresh racing a password
change cannot mint a token that outlives the change.

The blacklist models are imported inside the functions: when the blacklist app is missing,
the system check ``nexus_accounts.E002`` reports it instead of an import error at start-up.
"""

from __future__ import annotations

from typing import Any, TypedDict

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, update_last_login
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken

from nexus_accounts.exceptions import ForeignRefreshToken, InvalidRefreshToken

# SimpleJWT's own messages, so its translations apply.
_INACTIVE_OR_GONE = _("No active account found for the given token.")
_BLACKLISTED = _("Token is blacklisted")


class TokenPair(TypedDict):
    access: str
    refresh: str


def _pair(refresh: RefreshToken) -> TokenPair:
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def issue_token_pair(user: AbstractBaseUser) -> TokenPair:
    """A new access/refresh pair for ``user`` (the refresh token is recorded as outstanding)."""
    refresh = RefreshToken.for_user(user)
    if jwt_settings.UPDATE_LAST_LOGIN:
        update_last_login(None, user)
    return _pair(refresh)


def _parse(raw: str) -> RefreshToken:
    try:
        # Verifies the signature, the expiry, the token type and the blacklist.
        return RefreshToken(raw)
    except TokenError as exc:
        raise InvalidRefreshToken(str(exc.args[0]) if exc.args else None) from exc


def _lock_outstanding(token: RefreshToken) -> Any:
    """The token's ``OutstandingToken`` row, locked; blacklisted ones are refused."""
    from rest_framework_simplejwt.token_blacklist.models import (
        BlacklistedToken,
        OutstandingToken,
    )

    jti = token[jwt_settings.JTI_CLAIM]
    # Tokens minted by this package are always outstanding; outstand() covers the others.
    token.outstand()
    outstanding = OutstandingToken.objects.select_for_update().get(jti=jti)
    if BlacklistedToken.objects.filter(token=outstanding).exists():
        raise InvalidRefreshToken(_BLACKLISTED)
    return outstanding


def rotate_refresh_token(raw: str) -> TokenPair:
    """Trade a refresh token for a new pair; the presented token is blacklisted.

    Raises :class:`InvalidRefreshToken` for a bad, expired or already used token, and when its
    user no longer exists or is inactive.
    """
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

    token = _parse(raw)
    user_model = get_user_model()
    with transaction.atomic():
        user = (
            user_model._default_manager.select_for_update()
            .filter(**{jwt_settings.USER_ID_FIELD: token.get(jwt_settings.USER_ID_CLAIM)})
            .first()
        )
        if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
            raise InvalidRefreshToken(_INACTIVE_OR_GONE)
        BlacklistedToken.objects.create(token=_lock_outstanding(token))
        # The new refresh token keeps the claims of the old one, with a fresh id and lifetime.
        token.set_jti()
        token.set_exp()
        token.set_iat()
        token.outstand()
        return _pair(token)


def revoke_refresh_token(user: AbstractBaseUser, raw: str) -> None:
    """Blacklist one refresh token of ``user`` (logout).

    Raises :class:`InvalidRefreshToken` for a bad, expired or already blacklisted token and
    :class:`ForeignRefreshToken` for a token of another user.
    """
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

    token = _parse(raw)
    if str(token.get(jwt_settings.USER_ID_CLAIM)) != str(getattr(user, jwt_settings.USER_ID_FIELD)):
        raise ForeignRefreshToken()
    with transaction.atomic():
        BlacklistedToken.objects.create(token=_lock_outstanding(token))


def revoke_all_refresh_tokens(user: AbstractBaseUser) -> None:
    """Blacklist every unexpired, not yet blacklisted refresh token of ``user``.

    Expired tokens are skipped: they are refused anyway, and SimpleJWT's
    ``flushexpiredtokens`` command removes them.
    """
    from rest_framework_simplejwt.token_blacklist.models import (
        BlacklistedToken,
        OutstandingToken,
    )

    live = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=outstanding) for outstanding in live],
        # A concurrent rotation or logout may blacklist one of them first.
        ignore_conflicts=True,
    )
