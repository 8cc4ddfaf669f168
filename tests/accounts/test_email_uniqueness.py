"""E-mail addresses are unique ignoring case, by the database: the EmailAddress rows."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from nexus_accounts import services
from nexus_accounts.exceptions import AccountValidationError
from nexus_accounts.models import EmailAddress
from tests.accounts.conftest import STRONG_PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_new_user_gets_a_row_with_its_address():
    user = get_user_model().objects.create_user("dora", "Dora@Example.com", "x")

    row = EmailAddress.objects.get(user=user)
    assert (row.email, row.verified, row.pending_email) == ("Dora@example.com", False, "")


def test_the_database_refuses_one_address_in_two_cases():
    UserFactory(username="one", email="same@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="two", email="SAME@example.com")


def test_blank_addresses_do_not_collide():
    get_user_model().objects.create_user("one", "", "x")
    get_user_model().objects.create_user("two", "", "x")

    assert EmailAddress.objects.filter(email="").count() == 2


def test_a_changed_address_follows_and_is_no_longer_verified():
    user = UserFactory(email="old@example.com")
    EmailAddress.objects.filter(user=user).update(verified=True)
    user = get_user_model().objects.get(pk=user.pk)

    user.email = "new@example.com"
    user.save()

    row = EmailAddress.objects.get(user=user)
    assert (row.email, row.verified) == ("new@example.com", False)


def test_a_change_of_case_keeps_the_verification():
    user = UserFactory(email="case@example.com")
    EmailAddress.objects.filter(user=user).update(verified=True)
    user = get_user_model().objects.get(pk=user.pk)

    user.email = "Case@example.com"
    user.save()

    assert EmailAddress.objects.get(user=user).verified is True


def test_saves_without_the_email_field_cost_no_query(django_assert_num_queries):
    user = UserFactory()

    with django_assert_num_queries(1):
        user.save(update_fields=["last_login"])


def test_register_maps_the_databases_refusal_to_a_field_error(monkeypatch):
    """Without the advisory lock and the early check (as on SQLite under a race), the unique
    index still refuses the second address, and the caller gets the usual 400 message."""
    UserFactory(username="first", email="race@example.com")
    monkeypatch.setattr("nexus_accounts.services.accounts._email_taken", lambda *a, **k: False)

    with pytest.raises(AccountValidationError) as caught:
        services.register_user(
            username="second", email="RACE@example.com", password=STRONG_PASSWORD
        )

    assert "email" in caught.value.errors
    assert not get_user_model().objects.filter(username="second").exists()


def test_email_address_of_creates_a_missing_row():
    user = UserFactory()
    EmailAddress.objects.filter(user=user).delete()
    user = get_user_model().objects.get(pk=user.pk)

    row = services.email_address_of(user)

    assert row.pk is not None and row.email == user.email
