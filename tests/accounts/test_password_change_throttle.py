"""Password changes are throttled per user: a stolen access token cannot be used to guess the
old password freely, whichever addresses the guesses come from."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests.accounts.conftest import url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def wrong_change(client, ip: str = "10.0.0.1"):
    return client.post(
        url("password-change"),
        {
            "old_password": "a-guess",
            "new_password": "plum-Orbit-sextant-71",
            "new_password2": "plum-Orbit-sextant-71",
        },
        REMOTE_ADDR=ip,
    )


@override_settings(NEXUS_ACCOUNTS={"PASSWORD_CHANGE_THROTTLE_RATE": "3/hour"})
def test_password_change_over_the_rate_is_429_with_retry_after(auth_client, customer):
    client = auth_client(customer)
    assert [wrong_change(client).status_code for _ in range(3)] == [400] * 3

    response = wrong_change(client)

    assert response.status_code == 429
    assert 60 < int(response.headers["Retry-After"]) <= 3600


@override_settings(NEXUS_ACCOUNTS={"PASSWORD_CHANGE_THROTTLE_RATE": "2/hour"})
def test_password_change_throttle_counts_per_user_not_per_address(auth_client, customer):
    client = auth_client(customer)
    wrong_change(client, ip="10.0.0.1")
    wrong_change(client, ip="10.0.0.2")

    assert wrong_change(client, ip="10.0.0.3").status_code == 429
    assert wrong_change(auth_client(UserFactory()), ip="10.0.0.3").status_code == 400


def test_default_password_change_rate_applies_without_settings(auth_client, customer):
    # The default is 5/hour: the sixth attempt is refused.
    client = auth_client(customer)

    statuses = [wrong_change(client).status_code for _ in range(6)]

    assert statuses == [400] * 5 + [429]


@override_settings(NEXUS_ACCOUNTS={"PASSWORD_CHANGE_THROTTLE_RATE": None})
def test_a_password_change_rate_of_none_turns_the_throttle_off(auth_client, customer):
    client = auth_client(customer)

    assert {wrong_change(client).status_code for _ in range(12)} == {400}


@override_settings(NEXUS_ACCOUNTS={"PASSWORD_CHANGE_THROTTLE_RATE": "5 per hour"})
def test_malformed_password_change_rate_is_e004():
    from nexus_accounts.checks import check_accounts_settings

    assert [message.id for message in check_accounts_settings()] == ["nexus_accounts.E004"]
