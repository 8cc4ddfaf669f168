"""Races on PostgreSQL: one refresh token rotated twice at once, one identity registered twice
at once. Real threads, each on its own connection, released together by a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from nexus_accounts import services
from nexus_accounts.exceptions import AccountValidationError, InvalidRefreshToken
from nexus_accounts.models import Address, EmailAddress
from nexus_accounts.services.accounts import EMAIL_TAKEN
from tests.accounts.conftest import STRONG_PASSWORD
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread at the same moment; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_one_refresh_token_rotates_once_under_concurrency():
    user = UserFactory()
    refresh = services.issue_token_pair(user)["refresh"]

    results = race([lambda: services.rotate_refresh_token(refresh)] * THREADS)

    pairs = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, InvalidRefreshToken)]
    assert len(pairs) == 1, results
    assert len(refused) == THREADS - 1, results


def test_one_refresh_token_logs_out_once_under_concurrency():
    user = UserFactory()
    refresh = services.issue_token_pair(user)["refresh"]

    results = race([lambda: services.revoke_refresh_token(user, refresh)] * THREADS)

    assert results.count(None) == 1, results
    assert sum(isinstance(r, InvalidRefreshToken) for r in results) == THREADS - 1


@pytest.mark.parametrize("round_", range(3))
def test_one_email_in_different_cases_registers_once_under_concurrency(round_):
    def register(n: int) -> Callable[[], Any]:
        email = f"Race{round_}@Example.com".swapcase() if n % 2 else f"race{round_}@example.com"
        return lambda: services.register_user(
            username=f"racer{round_}-{n}", email=email, password=STRONG_PASSWORD
        )

    results = race([register(n) for n in range(THREADS)])

    assert sum(not isinstance(r, Exception) for r in results) == 1, results
    assert all(
        isinstance(r, AccountValidationError) and "email" in r.errors
        for r in results
        if isinstance(r, Exception)
    )
    assert get_user_model().objects.filter(email__iexact=f"race{round_}@example.com").count() == 1


@pytest.mark.parametrize("round_", range(3))
def test_the_database_alone_keeps_one_address_per_account_under_a_register_race(
    round_, monkeypatch
):
    """The advisory lock and the early check switched off: the unique index on
    LOWER(email) of EmailAddress is all that stands between the racers."""
    monkeypatch.setattr("nexus_accounts.services.accounts._lock_identities", lambda **kw: None)
    monkeypatch.setattr("nexus_accounts.services.accounts._email_taken", lambda *a, **k: False)

    def register(n: int) -> Callable[[], Any]:
        email = f"Bare{round_}@Example.com".swapcase() if n % 2 else f"bare{round_}@example.com"
        return lambda: services.register_user(
            username=f"bare{round_}-{n}", email=email, password=STRONG_PASSWORD
        )

    results = race([register(n) for n in range(THREADS)])

    assert sum(not isinstance(r, Exception) for r in results) == 1, results
    assert all(
        isinstance(r, AccountValidationError) and r.errors == {"email": [EMAIL_TAKEN]}
        for r in results
        if isinstance(r, Exception)
    ), results
    assert get_user_model().objects.filter(email__iexact=f"bare{round_}@example.com").count() == 1
    assert EmailAddress.objects.filter(email__iexact=f"bare{round_}@example.com").count() == 1


def test_racing_default_shipping_addresses_leave_one_default():
    user = UserFactory()
    home = {"name": "N", "line1": "L", "city": "C", "country": "FR", "is_default_shipping": True}

    results = race([lambda: services.create_address(user, home)] * THREADS)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Address.objects.filter(user=user).count() == THREADS
    assert Address.objects.filter(user=user, is_default_shipping=True).count() == 1


def test_refresh_racing_a_password_change_leaves_no_live_token():
    user = UserFactory()
    refresh = services.issue_token_pair(user)["refresh"]

    results = race(
        [
            lambda: services.rotate_refresh_token(refresh),
            lambda: services.change_password(
                user, old_password=TEST_PASSWORD, new_password=STRONG_PASSWORD
            ),
        ]
    )

    assert results[1] is None
    live = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    assert list(live) == []
