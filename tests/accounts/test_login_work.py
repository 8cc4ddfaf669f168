"""A failed login costs the password hasher as much whether the account exists or not.

The time a login takes is the hasher's (PBKDF2 by default): an identifier that makes it run
more often for a real account than for an unknown one tells an attacker which accounts
exist. The hasher's runs are counted here, not timed.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher

from tests.accounts.conftest import url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class CountingHasher(MD5PasswordHasher):
    """The suite's MD5 hasher (same algorithm name, so existing hashes verify), counting
    every hash it computes: a check of a password and the dummy hash of an unknown user."""

    runs = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.runs += 1
        return super().encode(password, salt)


@pytest.fixture
def hasher_runs(settings):
    """``hasher_runs(client, identifier)``: how many hashes one failed login computed."""
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]

    def run(client, identifier: str) -> int:
        CountingHasher.runs = 0
        response = client.post(url("login"), {"username": identifier, "password": "wrong-pass"})
        assert response.status_code == 401
        return CountingHasher.runs

    return run


@pytest.fixture
def carol(db):
    return UserFactory(username="carol", email="carol@example.com")


@pytest.mark.parametrize(
    "identifier",
    ["carol", "carol@example.com", "CAROL@EXAMPLE.COM"],
    ids=["username", "email", "email-other-case"],
)
def test_wrong_password_of_an_account_hashes_as_often_as_an_unknown_account(
    api_client, hasher_runs, carol, identifier
):
    unknown = hasher_runs(api_client, "nobody@example.com")

    assert hasher_runs(api_client, identifier) == unknown == 1


def test_unknown_username_hashes_once(api_client, hasher_runs, carol):
    assert hasher_runs(api_client, "nobody") == 1


def test_inactive_account_hashes_once(api_client, hasher_runs):
    UserFactory(username="dave", email="dave@example.com", is_active=False)

    assert hasher_runs(api_client, "dave@example.com") == 1
