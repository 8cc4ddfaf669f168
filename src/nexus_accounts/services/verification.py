"""E-mail verification, and the ``EmailAddress`` row that follows each user's address.

``NEXUS_ACCOUNTS["EMAIL_VERIFICATION"]``: ``"none"`` sends nothing (an e-mail change through
``me`` applies at once); ``"optional"`` and ``"mandatory"`` send a verification e-mail on
registration and on every change of address, and a changed address waits in
``pending_email`` until its key comes back: until then the account keeps its old address
(login, order e-mails and password resets use it). ``"mandatory"`` also refuses login to an
account whose address is not verified (:class:`~nexus_accounts.exceptions.EmailNotVerified`).

A key is ``django.core.signing`` over ``{user id, address}``, salted for this purpose and
accepted for ``EMAIL_VERIFICATION_TIMEOUT``. A key is good for the address it names only: one
for an address the user has since replaced is refused. Using a key twice is harmless (the
address is verified already).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from nexus_accounts.conf import accounts_settings
from nexus_accounts.exceptions import AccountValidationError
from nexus_accounts.models import EmailAddress
from nexus_accounts.services.mail import duration_text, render_email, send_on_commit

KEY_SALT = "nexus_accounts.email_verification"
INVALID_KEY = "The verification link is invalid or has expired."
EMAIL_TAKEN = "A user with that email address already exists."
VERIFICATION_EMAIL = "email_verification"


def verification_mode() -> str:
    return accounts_settings.EMAIL_VERIFICATION


def verification_on() -> bool:
    return verification_mode() != "none"


def email_of(user: AbstractBaseUser) -> str:
    return getattr(user, user.get_email_field_name(), "") or ""


# The row that follows the user ------------------------------------------------------------


def sync_email_address(user: AbstractBaseUser, *, created: bool = False) -> EmailAddress:
    """Make the user's ``EmailAddress`` row hold the user's current address.

    Called on every save of a user (``nexus_accounts.signals``). A changed address (other
    than by case) is no longer verified. Raises ``IntegrityError`` when another user has the
    address in any case: the database's unique index on ``LOWER(email)``.
    """
    email = email_of(user)
    row = None if created else _cached_row(user)
    if row is None:
        # Setting the row's user also caches the row on the user (user.nexus_email).
        return EmailAddress.objects.create(user=user, email=email)
    if row.email != email:
        if row.email.lower() != email.lower():
            row.verified, row.verified_at = False, None
        if row.pending_email.lower() == email.lower():
            row.pending_email = ""
        row.email = email
        row.save(update_fields=["email", "verified", "verified_at", "pending_email"])
    return row


def _cached_row(user: AbstractBaseUser) -> EmailAddress | None:
    """``user.nexus_email``: one query the first time, then cached on the user instance, so
    what a service changes is what a serializer of the same instance reads."""
    try:
        return user.nexus_email
    except EmailAddress.DoesNotExist:
        return None


def email_address_of(user: AbstractBaseUser) -> EmailAddress:
    """The user's row, created on the spot for a user whose row is missing (one loaded by
    ``loaddata``, which sends no signal the app acts on)."""
    row = _cached_row(user)
    return row if row is not None else sync_email_address(user)


def is_verified(user: AbstractBaseUser) -> bool:
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def find_by_email(email: str) -> EmailAddress | None:
    """The row of the active user going by ``email`` (any case), with the user; one query,
    through the unique index on ``LOWER(email)``."""
    return (
        EmailAddress.objects.select_related("user")
        .alias(email_lower=Lower("email"))
        .exclude(email="")
        .filter(email_lower=email.lower(), user__is_active=True)
        .first()
    )


# Keys and e-mails --------------------------------------------------------------------------


def make_key(user_id: Any, email: str) -> str:
    return signing.dumps({"user": user_id, "email": email}, salt=KEY_SALT)


def _link(key: str) -> str:
    template = accounts_settings.EMAIL_VERIFICATION_URL
    if template is None:
        raise ImproperlyConfigured(
            "NEXUS_ACCOUNTS['EMAIL_VERIFICATION_URL'] must be set to send verification e-mails."
        )
    return template.format(key=key)


def _timeout() -> timedelta:
    return accounts_settings.EMAIL_VERIFICATION_TIMEOUT


def render_verification(user: AbstractBaseUser, email: str) -> tuple[str, Any]:
    """The key for ``email`` and the rendered e-mail that carries its link."""
    key = make_key(user.pk, email)
    rendered = render_email(
        VERIFICATION_EMAIL,
        {"user": user, "email": email, "link": _link(key), "timeout": duration_text(_timeout())},
    )
    return key, rendered


def address_to_verify(row: EmailAddress) -> str:
    """The pending address, else the current one when unverified, else ``""``."""
    if row.pending_email:
        return row.pending_email
    return "" if row.verified or not row.email else row.email


def send_verification(user: AbstractBaseUser) -> str:
    """Send the verification e-mail for the address the user has to verify, if any, after
    commit; return that address (``""`` when there is none)."""
    email = address_to_verify(email_address_of(user))
    if email:
        _key, rendered = render_verification(user, email)
        send_on_commit([email], rendered)
    return email


def resend_verification_to(email: str) -> None:
    """Anonymous resend: the same work whether or not an active, unverified account goes by
    ``email`` (one query, one key, one rendering); the e-mail goes out only if one does."""
    row = find_by_email(email)
    user = row.user if row is not None else get_user_model()()
    _key, rendered = render_verification(user, email)
    if row is not None and not row.verified:
        send_on_commit([row.email], rendered)


def request_email_change(user: AbstractBaseUser, email: str) -> EmailAddress:
    """With verification on: keep ``email`` as the user's pending address and send it a
    verification e-mail. The caller checked that no other user has it."""
    row = email_address_of(user)
    row.pending_email = "" if email.lower() == row.email.lower() else email
    row.save(update_fields=["pending_email"])
    if row.pending_email:
        send_verification(user)
    return row


def verify_email(key: str) -> AbstractBaseUser:
    """Verify the address named by ``key``: the user's pending address replaces the current
    one, or the current one is marked verified. Raises :class:`AccountValidationError` keyed
    by ``key`` for a bad, expired or outdated key, and for an address another user took
    meanwhile."""
    try:
        payload = signing.loads(key, salt=KEY_SALT, max_age=_timeout())
        user_id, email = payload["user"], str(payload["email"])
    except (signing.BadSignature, KeyError, TypeError) as exc:
        raise AccountValidationError({"key": [INVALID_KEY]}) from exc
    with transaction.atomic():
        row = (
            EmailAddress.objects.select_for_update()
            .select_related("user")
            .filter(user_id=user_id, user__is_active=True)
            .first()
        )
        if row is None:
            raise AccountValidationError({"key": [INVALID_KEY]})
        user = row.user
        if row.pending_email and row.pending_email.lower() == email.lower():
            row.email, row.pending_email = row.pending_email, ""
        elif row.email.lower() != email.lower():
            raise AccountValidationError({"key": [INVALID_KEY]})
        if not row.verified or row.email != email_of(user):
            row.verified, row.verified_at = True, timezone.now()
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError as exc:
                raise AccountValidationError({"key": [EMAIL_TAKEN]}) from exc
            if email_of(user) != row.email:
                setattr(user, user.get_email_field_name(), row.email)
                # The row holds the address already: the signal finds nothing to change.
                user.save(update_fields=[user.get_email_field_name()])
    return user


def mark_verified(user: AbstractBaseUser) -> None:
    """Mark the user's current address verified (a password reset link reached it)."""
    EmailAddress.objects.filter(user=user, email=email_of(user), verified=False).update(
        verified=True, verified_at=timezone.now()
    )
