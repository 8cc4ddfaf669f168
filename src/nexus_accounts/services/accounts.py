"""Account rules: registration, login, profile changes and password changes.

Usernames and e-mail addresses are unique case-insensitively. Django's ``auth_user`` table
only enforces exact-case uniqueness of the username, so the rule is checked here, inside a
transaction that first takes a PostgreSQL advisory lock per lower-cased username and e-mail:
two racing registrations of ``Ann`` and ``ann`` (or of one address in two cases) are
serialised and the second one is refused with a message on the field. The e-mail rule is
also the database's: the unique index on ``LOWER(email)`` of
:class:`~nexus_accounts.models.EmailAddress`, whose row is written with the user's, refuses a
duplicate address whatever wrote it, on every database; the lock only turns that
``IntegrityError`` into the same tidy message on PostgreSQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from nexus_accounts.conf import accounts_settings
from nexus_accounts.exceptions import (
    AccountValidationError,
    EmailNotVerified,
    InvalidCredentials,
)
from nexus_accounts.services import verification
from nexus_accounts.services.tokens import revoke_all_refresh_tokens

USERNAME_TAKEN = "A user with that username already exists."
EMAIL_TAKEN = "A user with that email address already exists."
WRONG_OLD_PASSWORD = "Your old password was entered incorrectly."

# The fields a user may change on their own profile.
PROFILE_FIELDS = ("first_name", "last_name", "email")


def _lock_identities(**values: str) -> None:
    """Serialise, until the end of the transaction, every writer of these identities."""
    if connection.vendor != "postgresql":
        return
    keys = sorted(
        int.from_bytes(
            hashlib.blake2b(
                f"nexus_accounts:{kind}:{value.lower()}".encode(), digest_size=8
            ).digest(),
            "big",
            signed=True,
        )
        for kind, value in values.items()
    )
    with connection.cursor() as cursor:
        # Sorted keys: two transactions locking overlapping sets cannot deadlock.
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _username_taken(username: str) -> bool:
    user_model = get_user_model()
    lookup = {f"{user_model.USERNAME_FIELD}__iexact": username}
    return user_model._default_manager.filter(**lookup).exists()


def _email_taken(email: str, *, exclude: AbstractBaseUser | None = None) -> bool:
    user_model = get_user_model()
    users = user_model._default_manager.filter(
        **{f"{user_model.get_email_field_name()}__iexact": email}
    )
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.exists()


def password_errors(password: str, user: AbstractBaseUser) -> list[str]:
    """The messages of Django's ``AUTH_PASSWORD_VALIDATORS`` for ``password``, run against
    ``user``; empty when it passes."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def register_user(
    *,
    username: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
) -> AbstractBaseUser:
    """Create an active user after checking every rule, reporting all broken rules at once.

    Raises :class:`AccountValidationError` keyed by ``username``, ``email`` and ``password``
    (Django's ``AUTH_PASSWORD_VALIDATORS``, run against the would-be user).
    """
    user_model = get_user_model()
    username = user_model.normalize_username(username)
    email = user_model._default_manager.normalize_email(email)
    user = user_model(
        **{
            user_model.USERNAME_FIELD: username,
            user_model.get_email_field_name(): email,
            "first_name": first_name,
            "last_name": last_name,
        }
    )
    with transaction.atomic():
        _lock_identities(username=username, email=email)
        errors: dict[str, list[str]] = {}
        if _username_taken(username):
            errors["username"] = [USERNAME_TAKEN]
        if _email_taken(email):
            errors["email"] = [EMAIL_TAKEN]
        if weak := password_errors(password, user):
            errors["password"] = weak
        if errors:
            raise AccountValidationError(errors)
        user.set_password(password)
        try:
            with transaction.atomic():
                # The signal writes the EmailAddress row in the same savepoint.
                user.save()
        except IntegrityError as exc:
            # Reachable without the advisory lock (or with a host's own writes): a duplicate
            # username, or an address in any case (the LOWER(email) index), committed first.
            errors = {}
            if _username_taken(username):
                errors["username"] = [USERNAME_TAKEN]
            if _email_taken(email) or not errors:
                errors["email"] = [EMAIL_TAKEN]
            raise AccountValidationError(errors) from exc
        if verification.verification_on():
            verification.send_verification(user)
    return user


def authenticate_user(request: Any, identifier: str, password: str) -> AbstractBaseUser:
    """The active user whose username (or, with ``LOGIN_WITH_EMAIL``, e-mail) and password
    match; :class:`InvalidCredentials` otherwise, whatever the reason.

    An identifier with ``@`` is first looked up as an e-mail address, case-insensitively;
    when that finds exactly one user, that user's password is checked, otherwise the
    identifier is taken as a username (Django usernames may hold ``@``). Authentication goes
    through Django's backends (``request``, a Django or DRF request or ``None``, is handed to
    them), so ``user_login_failed`` fires and ``is_active`` is honoured.

    Exactly one account is tried. Django's ``ModelBackend`` hashes the password once for an
    unknown username, as it does to check a known one's, so a failed login costs one hash
    whether the account exists or not; trying the e-mail's account and then the identifier
    as a username would cost two for a registered address, and the time would tell an
    attacker which addresses have accounts.
    """
    username = identifier
    if accounts_settings.LOGIN_WITH_EMAIL and "@" in identifier:
        user_model = get_user_model()
        usernames = list(
            user_model._default_manager.filter(
                **{f"{user_model.get_email_field_name()}__iexact": identifier}
            ).values_list(user_model.USERNAME_FIELD, flat=True)[:2]
        )
        if len(usernames) == 1:
            username = usernames[0]
    user = authenticate(request, username=username, password=password)
    if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
        raise InvalidCredentials()
    if verification.verification_mode() == "mandatory" and not verification.is_verified(user):
        raise EmailNotVerified()
    return user


def update_profile(user: AbstractBaseUser, changes: Mapping[str, Any]) -> AbstractBaseUser:
    """Apply ``changes`` (a subset of :data:`PROFILE_FIELDS`) to ``user`` and save them.

    A new e-mail address must not belong to another user, in any case; raises
    :class:`AccountValidationError` keyed by ``email`` otherwise. With e-mail verification
    on, a new address (other than the current one in another case) does not replace the
    current one: it becomes the pending address and is sent a verification e-mail, and it
    replaces the current one once verified.
    """
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise AccountValidationError(
            {field: ["This field cannot be changed."] for field in sorted(unknown)}
        )
    changes = dict(changes)
    with transaction.atomic():
        if "email" in changes:
            changes["email"] = get_user_model()._default_manager.normalize_email(changes["email"])
            _lock_identities(email=changes["email"])
            if _email_taken(changes["email"], exclude=user):
                raise AccountValidationError({"email": [EMAIL_TAKEN]})
            if verification.verification_on():
                # A new address waits (pending); the current one in another case, or the
                # current one again, applies now and drops any pending address.
                verification.request_email_change(user, changes["email"])
                if changes["email"].lower() != verification.email_of(user).lower():
                    del changes["email"]
        for field, value in changes.items():
            setattr(user, field, value)
        if changes:
            try:
                with transaction.atomic():
                    user.save(update_fields=list(changes))
            except IntegrityError as exc:
                raise AccountValidationError({"email": [EMAIL_TAKEN]}) from exc
    return user


def change_password(user: AbstractBaseUser, *, old_password: str, new_password: str) -> None:
    """Check ``old_password``, validate and set ``new_password``, then blacklist every
    outstanding refresh token of the user: every session must log in again.

    Raises :class:`AccountValidationError` keyed by ``old_password`` or ``new_password``.
    """
    user_model = get_user_model()
    with transaction.atomic():
        # The lock token rotation also takes: no refresh racing this change survives it.
        locked = user_model._default_manager.select_for_update().get(pk=user.pk)
        if not locked.check_password(old_password):
            raise AccountValidationError({"old_password": [WRONG_OLD_PASSWORD]})
        if weak := password_errors(new_password, locked):
            raise AccountValidationError({"new_password": weak})
        locked.set_password(new_password)
        locked.save(update_fields=["password"])
        revoke_all_refresh_tokens(locked)
    user.password = locked.password
