"""Account erasure: the GDPR "right to erasure" path of a user's own account.

:func:`erase_account` deactivates the user and erases what identifies them: first and last
name, e-mail address (pending one included), username (replaced by a random
``erased-<hex>``), last login, the address book; the password becomes unusable and every
refresh token is revoked. The user row itself stays, inactive, so that the orders keep their
link to it: orders are the shop's books, which it must keep. What an order stored at the
time (its shipping address text, the audit trail's actor) is part of those books and is not
rewritten here.
"""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from nexus_accounts.exceptions import AccountValidationError
from nexus_accounts.models import Address, EmailAddress
from nexus_accounts.services.tokens import revoke_all_refresh_tokens

WRONG_PASSWORD = "Your password was entered incorrectly."


def erase_account(user: AbstractBaseUser, *, password: str) -> None:
    """Check ``password``, then erase the account (see the module). Raises
    :class:`AccountValidationError` keyed by ``password`` when it is wrong."""
    user_model = get_user_model()
    with transaction.atomic():
        # The lock that token rotation takes: no refresh racing the erasure survives it.
        locked = user_model._default_manager.select_for_update().get(pk=user.pk)
        if not locked.check_password(password):
            raise AccountValidationError({"password": [WRONG_PASSWORD]})
        setattr(locked, user_model.USERNAME_FIELD, f"erased-{uuid.uuid4().hex}")
        setattr(locked, locked.get_email_field_name(), "")
        for field in ("first_name", "last_name"):
            if hasattr(locked, field):
                setattr(locked, field, "")
        locked.is_active = False
        locked.last_login = None
        locked.set_unusable_password()
        locked.save()
        EmailAddress.objects.filter(user=locked).update(
            email="", pending_email="", verified=False, verified_at=None
        )
        Address.objects.filter(user=locked).delete()
        revoke_all_refresh_tokens(locked)
