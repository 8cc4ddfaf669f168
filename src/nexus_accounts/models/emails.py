"""``EmailAddress``: one row per user, the database's guard of case-insensitive uniqueness.

Django's ``auth_user`` table only has a case-sensitive username index, and a reusable app
cannot add a constraint to a model it does not own (``auth.User`` is Django's, and a host
may swap in its own user model). So the accounts app keeps its own row per user, holding the
address the user goes by, whether it was verified, and an address waiting to be verified.
A unique index on ``LOWER(email)`` makes ``Ann@example.com`` and ``ann@example.com`` one
address whatever writes the users: two racing registrations on two server processes, the
admin, a host's own code. Blank addresses (Django allows them; erasure leaves them) are left
out of the index.

The row follows the user's ``email`` column: ``nexus_accounts.signals`` updates it on every
save of a user (and resets ``verified`` when the address changes), and the services write it
in the same transaction as the user.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class EmailAddress(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="nexus_email",
        verbose_name=_("user"),
    )
    # The same value as the user's e-mail column, kept in step by the services and a signal.
    email = models.EmailField(_("e-mail address"), max_length=254, blank=True)
    verified = models.BooleanField(_("verified"), default=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    # An address the user asked to change to: it replaces ``email`` once verified. Not
    # unique: until then it belongs to nobody.
    pending_email = models.EmailField(_("pending e-mail address"), max_length=254, blank=True)

    class Meta:
        verbose_name = _("e-mail address")
        verbose_name_plural = _("e-mail addresses")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="nexus_accounts_email_ci_unique",
                violation_error_message=_("A user with that email address already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.email
