"""Keeps each user's ``EmailAddress`` row in step with the user's e-mail address.

Connected to ``post_save`` of the user model by ``NexusAccountsConfig.ready``: whatever saves
a user (the API's services, the admin, ``createsuperuser``, a host's own code), the row
follows, so the unique index on ``LOWER(email)`` guards every path. A save that names its
``update_fields`` without the e-mail field (login's ``last_login``, a password change) costs
nothing.
"""

from __future__ import annotations

from typing import Any

from nexus_accounts.services.verification import sync_email_address


def user_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        # loaddata: the fixture brings its own rows.
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and instance.get_email_field_name() not in update_fields:
        return
    sync_email_address(instance, created=created)
