from __future__ import annotations

import pytest
from django.test import override_settings

from tests.accounts.conftest import STRONG_PASSWORD, url

pytestmark = pytest.mark.django_db


def bad_login(client, ip: str = "10.0.0.1"):
    return client.post(url("login"), {"username": "nobody", "password": "wrong"}, REMOTE_ADDR=ip)


def register(client, n: int, ip: str = "10.0.0.1"):
    return client.post(
        url("register"),
        {
            "username": f"user{n}",
            "email": f"user{n}@example.com",
            "password": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
        },
        REMOTE_ADDR=ip,
    )


@override_settings(NEXUS_ACCOUNTS={"LOGIN_THROTTLE_RATE": "2/min"})
def test_login_over_the_rate_is_429_with_retry_after(api_client):
    assert [bad_login(api_client).status_code for _ in range(2)] == [401, 401]

    response = bad_login(api_client)

    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert "detail" in response.json()


@override_settings(NEXUS_ACCOUNTS={"REGISTER_THROTTLE_RATE": "2/hour"})
def test_register_over_the_rate_is_429_with_retry_after(api_client):
    assert [register(api_client, n).status_code for n in range(2)] == [201, 201]

    response = register(api_client, 2)

    assert response.status_code == 429
    assert 60 < int(response.headers["Retry-After"]) <= 3600


@override_settings(NEXUS_ACCOUNTS={"LOGIN_THROTTLE_RATE": "1/min"})
def test_login_throttle_is_per_client_ip(api_client):
    bad_login(api_client, ip="10.0.0.1")
    assert bad_login(api_client, ip="10.0.0.1").status_code == 429

    assert bad_login(api_client, ip="10.0.0.2").status_code == 401


@override_settings(
    NEXUS_ACCOUNTS={"LOGIN_THROTTLE_RATE": "1/min", "REGISTER_THROTTLE_RATE": "1/min"}
)
def test_login_and_register_count_separately(api_client):
    bad_login(api_client)

    assert register(api_client, 0).status_code == 201


@override_settings(NEXUS_ACCOUNTS={"LOGIN_THROTTLE_RATE": None})
def test_a_rate_of_none_turns_the_throttle_off(api_client):
    assert {bad_login(api_client).status_code for _ in range(30)} == {401}


def test_default_login_rate_applies_without_settings(api_client):
    # The default is 10/min: the eleventh request is refused.
    statuses = [bad_login(api_client).status_code for _ in range(11)]

    assert statuses == [401] * 10 + [429]


@override_settings(NEXUS_ACCOUNTS={"LOGIN_THROTTLE_RATE": "1/min"})
def test_refresh_is_not_throttled_by_the_login_rate(api_client):
    bad_login(api_client)

    response = api_client.post(url("refresh"), {"refresh": "x"}, REMOTE_ADDR="10.0.0.1")

    assert response.status_code == 401
