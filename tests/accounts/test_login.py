from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests.accounts.conftest import url
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

WRONG_CREDENTIALS = {"detail": "No active account found with the given credentials."}


def test_login_returns_a_token_pair_for_the_user(api_client, alice):
    response = api_client.post(url("login"), {"username": "alice", "password": TEST_PASSWORD})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert AccessToken(body["access"])["user_id"] == str(alice.pk)
    assert RefreshToken(body["refresh"])["user_id"] == str(alice.pk)


def test_login_with_email_in_any_case(api_client, alice):
    response = api_client.post(
        url("login"), {"username": "ALICE@Example.com", "password": TEST_PASSWORD}
    )

    assert response.status_code == 200
    assert AccessToken(response.json()["access"])["user_id"] == str(alice.pk)


@override_settings(NEXUS_ACCOUNTS={"LOGIN_WITH_EMAIL": False})
def test_login_with_email_is_refused_when_turned_off(api_client, alice):
    response = api_client.post(
        url("login"), {"username": "alice@example.com", "password": TEST_PASSWORD}
    )

    assert response.status_code == 401


def test_login_accepts_a_username_that_looks_like_an_email(api_client):
    user = UserFactory(username="bob@home", email="bob@example.com")

    response = api_client.post(url("login"), {"username": "bob@home", "password": TEST_PASSWORD})

    assert response.status_code == 200
    assert AccessToken(response.json()["access"])["user_id"] == str(user.pk)


def test_login_with_wrong_password_is_401_without_saying_which_part(api_client, alice):
    response = api_client.post(url("login"), {"username": "alice", "password": "wrong-password"})

    assert response.status_code == 401
    assert response.json() == WRONG_CREDENTIALS
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_login_with_unknown_user_is_the_same_401(api_client, db):
    response = api_client.post(url("login"), {"username": "nobody", "password": TEST_PASSWORD})

    assert response.status_code == 401
    assert response.json() == WRONG_CREDENTIALS


def test_inactive_user_cannot_log_in(api_client):
    UserFactory(username="sleeper", is_active=False)

    response = api_client.post(url("login"), {"username": "sleeper", "password": TEST_PASSWORD})

    assert response.status_code == 401
    assert response.json() == WRONG_CREDENTIALS


@pytest.mark.parametrize("missing", ["username", "password"])
def test_login_requires_each_field(api_client, missing):
    data = {"username": "alice", "password": TEST_PASSWORD}
    del data[missing]

    response = api_client.post(url("login"), data)

    assert response.status_code == 400
    assert response.json() == {missing: ["This field is required."]}


def test_login_updates_last_login(api_client, alice):
    assert alice.last_login is None

    api_client.post(url("login"), {"username": "alice", "password": TEST_PASSWORD})

    alice.refresh_from_db()
    assert alice.last_login is not None
