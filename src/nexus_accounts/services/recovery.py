"""Password reset by e-mail, on Django's ``PasswordResetTokenGenerator``.

:func:`request_password_reset` does the same work whether or not an account goes by the
address, so neither its answer nor its time tells which addresses have accounts: one query
(through the unique index on the lower-cased address), one token, one rendering of the
e-mail (for a stand-in user when nobody matched); only the hand-over of the e-mail differs,
and with a Celery broker that is an enqueue after the response is ready, not a conversation
with the mail server.

The token is Django's: an HMAC of the user's id, password hash, last login and e-mail
address, with a timestamp. It expires after Django's ``PASSWORD_RESET_TIMEOUT``, and it is
single use: setting the password changes the hash it was made from. A successful reset
blacklists every refresh token of the user, as a password change does, and marks the
address verified (the link reached it).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from nexus_accounts.conf import accounts_settings
from nexus_accounts.exceptions import AccountValidationError
from nexus_accounts.services.accounts import password_errors
from nexus_accounts.services.mail import duration_text, render_email, send_on_commit
from nexus_accounts.services.tokens import revoke_all_refresh_tokens
from nexus_accounts.services.verification import find_by_email, mark_verified

INVALID_LINK = "The password reset link is invalid or has expired."
RESET_EMAIL = "password_reset"


def reset_link(uid: str, token: str) -> str:
    template = accounts_settings.PASSWORD_RESET_URL
    if template is None:
        raise ImproperlyConfigured(
            "NEXUS_ACCOUNTS['PASSWORD_RESET_URL'] must be set to send password reset e-mails, "
            "for example 'https://shop.example.com/reset/{uid}/{token}'."
        )
    return template.format(uid=uid, token=token)


def request_password_reset(email: str) -> None:
    """E-mail a reset link to the active account going by ``email`` (any case), if any.

    Returns nothing and raises nothing for an unknown address: the caller answers the same
    either way.
    """
    row = find_by_email(email)
    user = row.user if row is not None and row.user.has_usable_password() else None
    # A stand-in, never saved, so that the token and the e-mail cost the same.
    target = user if user is not None else get_user_model()(email=email)
    uid = urlsafe_base64_encode(force_bytes(target.pk if target.pk is not None else 0))
    token = default_token_generator.make_token(target)
    rendered = render_email(
        RESET_EMAIL,
        {
            "user": target,
            "email": email,
            "link": reset_link(uid, token),
            "uid": uid,
            "token": token,
            "timeout": duration_text(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)),
        },
    )
    if user is not None:
        send_on_commit([row.email], rendered)


def _user_from_uid(uidb64: str) -> AbstractBaseUser | None:
    user_model = get_user_model()
    try:
        pk = user_model._meta.pk.to_python(force_str(urlsafe_base64_decode(uidb64)))
        return user_model._default_manager.select_for_update().get(pk=pk)
    except (TypeError, ValueError, OverflowError, ValidationError, user_model.DoesNotExist):
        return None


def reset_password(*, uid: str, token: str, new_password: str) -> AbstractBaseUser:
    """Set ``new_password`` for the user of a valid ``uid`` and ``token``, then revoke every
    refresh token of that user.

    Raises :class:`AccountValidationError` keyed by ``token`` (a bad, used or expired link, or
    an inactive user) or by ``new_password`` (``AUTH_PASSWORD_VALIDATORS``).
    """
    with transaction.atomic():
        # Locked as a password change locks it: no refresh racing the reset survives it.
        user = _user_from_uid(uid)
        if (
            user is None
            or not user.is_active
            or not default_token_generator.check_token(user, token)
        ):
            raise AccountValidationError({"token": [INVALID_LINK]})
        if errors := password_errors(new_password, user):
            raise AccountValidationError({"new_password": errors})
        user.set_password(new_password)
        user.save(update_fields=["password"])
        revoke_all_refresh_tokens(user)
        mark_verified(user)
    return user
