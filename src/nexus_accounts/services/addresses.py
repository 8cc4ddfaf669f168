"""The address book: each user's postal addresses, one default of each kind.

Every write locks the user's row first, so two concurrent writes of one user's book are
serialised: moving the default shipping (or billing) address clears the previous default
and sets the new one in one transaction, and the partial unique indexes of
:class:`~nexus_accounts.models.Address` never see two defaults. Deleting the default leaves
the user without one of that kind; nothing is promoted behind the user's back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet

from nexus_accounts.conf import accounts_settings
from nexus_accounts.exceptions import AccountValidationError, AddressNotFound
from nexus_accounts.models import Address
from nexus_accounts.models.addresses import ADDRESS_FIELDS

DEFAULT_FLAGS = ("is_default_shipping", "is_default_billing")
WRITABLE_FIELDS = (*ADDRESS_FIELDS, *DEFAULT_FLAGS)
BOOK_FULL = "The address book is full: at most {limit} addresses."


def addresses_of(user: AbstractBaseUser) -> QuerySet[Address]:
    """The user's addresses, oldest first."""
    return Address.objects.filter(user=user).order_by("id")


def _lock_book(user: AbstractBaseUser) -> None:
    get_user_model()._default_manager.select_for_update().filter(pk=user.pk).exists()


def _take_defaults(user: AbstractBaseUser, values: Mapping[str, Any], keep: int | None) -> None:
    """Clear the user's current default of each kind that ``values`` sets."""
    for flag in DEFAULT_FLAGS:
        if values.get(flag):
            others = Address.objects.filter(user=user, **{flag: True})
            if keep is not None:
                others = others.exclude(pk=keep)
            others.update(**{flag: False})


def _checked(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(WRITABLE_FIELDS)
    if unknown:
        raise AccountValidationError(
            {field: ["This field cannot be changed."] for field in sorted(unknown)}
        )
    return dict(values)


def create_address(user: AbstractBaseUser, values: Mapping[str, Any]) -> Address:
    """Add an address to the user's book (at most ``MAX_ADDRESSES``); a default flag set on
    it moves that default from the user's other address."""
    values = _checked(values)
    with transaction.atomic():
        _lock_book(user)
        limit = accounts_settings.MAX_ADDRESSES
        if addresses_of(user).count() >= limit:
            raise AccountValidationError({"non_field_errors": [BOOK_FULL.format(limit=limit)]})
        _take_defaults(user, values, keep=None)
        address = Address(user=user, **values)
        address.full_clean()
        address.save()
    return address


def get_address(user: AbstractBaseUser, address_id: Any) -> Address:
    """The user's address ``address_id``; :class:`AddressNotFound` for anyone else's."""
    address = addresses_of(user).filter(pk=address_id).first()
    if address is None:
        raise AddressNotFound()
    return address


def update_address(user: AbstractBaseUser, address_id: Any, changes: Mapping[str, Any]) -> Address:
    changes = _checked(changes)
    with transaction.atomic():
        _lock_book(user)
        address = get_address(user, address_id)
        _take_defaults(user, changes, keep=address.pk)
        for field, value in changes.items():
            setattr(address, field, value)
        address.full_clean()
        address.save()
    return address


def delete_address(user: AbstractBaseUser, address_id: Any) -> None:
    with transaction.atomic():
        _lock_book(user)
        get_address(user, address_id).delete()
