"""Account rules: registration, login, profile changes and password changes.

Usernames and e-mail addresses are unique case-insensitively. Django's ``auth_user`` table
only enforces exact-case uniqueness of the username, so the rule is checked here, inside a
transaction that first takes a PostgreSQL advisory lock per lower-cased username and e-mail:
two racing registrations of ``Ann`` and ``ann`` (or of one address in two cases) are
serialised and the second one is refused. On other databases the check runs without the
lock (fine for development; production runs on PostgreSQL).
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
from nexus_accounts.exceptions import AccountValidationError, InvalidCredentials
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


def _password_errors(password: str, user: AbstractBaseUser) -> list[str]:
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
        if password_errors := _password_errors(password, user):
            errors["password"] = password_errors
        if errors:
            raise AccountValidationError(errors)
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:
            # Only reachable without the advisory lock: an exact-case duplicate won the race.
            raise AccountValidationError({"username": [USERNAME_TAKEN]}) from exc
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
    if user is not None and jwt_settings.USER_AUTHENTICATION_RULE(user):
        return user
    raise InvalidCredentials()


def update_profile(user: AbstractBaseUser, changes: Mapping[str, Any]) -> AbstractBaseUser:
    """Apply ``changes`` (a subset of :data:`PROFILE_FIELDS`) to ``user`` and save them.

    A new e-mail address must not belong to another user, in any case; raises
    :class:`AccountValidationError` keyed by ``email`` otherwise.
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
        for field, value in changes.items():
            setattr(user, field, value)
        if changes:
            user.save(update_fields=list(changes))
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
        if password_errors := _password_errors(new_password, locked):
            raise AccountValidationError({"new_password": password_errors})
        locked.set_password(new_password)
        locked.save(update_fields=["password"])
        revoke_all_refresh_tokens(locked)
    user.password = locked.password
