from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.accounts.conftest import login, url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_logout_blacklists_the_refresh_token(api_client, alice_client, alice_tokens):
    response = alice_client.post(url("logout"), {"refresh": alice_tokens["refresh"]})

    assert response.status_code == 204
    assert api_client.post(url("refresh"), {"refresh": alice_tokens["refresh"]}).status_code == 401


def test_refresh_after_logout_is_401(api_client, alice_client, alice_tokens):
    alice_client.post(url("logout"), {"refresh": alice_tokens["refresh"]})

    response = api_client.post(url("refresh"), {"refresh": alice_tokens["refresh"]})

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_logout_twice_is_400_on_the_refresh_field(alice_client, alice_tokens):
    alice_client.post(url("logout"), {"refresh": alice_tokens["refresh"]})

    response = alice_client.post(url("logout"), {"refresh": alice_tokens["refresh"]})

    assert response.status_code == 400
    assert response.json() == {"refresh": ["Token is blacklisted"]}


def test_logout_with_another_users_token_is_400_and_keeps_it_valid(api_client, alice_client, alice):
    UserFactory(username="bob")
    bob_tokens = login(APIClient(), "bob")

    response = alice_client.post(url("logout"), {"refresh": bob_tokens["refresh"]})

    assert response.status_code == 400
    assert response.json() == {"refresh": ["This refresh token belongs to another user."]}
    assert api_client.post(url("refresh"), {"refresh": bob_tokens["refresh"]}).status_code == 200


def test_logout_with_a_garbage_token_is_400(alice_client):
    response = alice_client.post(url("logout"), {"refresh": "garbage"})

    assert response.status_code == 400
    assert list(response.json()) == ["refresh"]


def test_logout_requires_the_field(alice_client):
    response = alice_client.post(url("logout"), {})

    assert response.status_code == 400
    assert response.json() == {"refresh": ["This field is required."]}


def test_logout_requires_authentication(api_client, alice_tokens):
    response = api_client.post(url("logout"), {"refresh": alice_tokens["refresh"]})

    assert response.status_code == 401
    assert api_client.post(url("refresh"), {"refresh": alice_tokens["refresh"]}).status_code == 200


def test_logout_leaves_other_sessions_alone(api_client, alice_client, alice_tokens):
    other_session = login(APIClient(), "alice")

    alice_client.post(url("logout"), {"refresh": alice_tokens["refresh"]})

    assert api_client.post(url("refresh"), {"refresh": other_session["refresh"]}).status_code == 200
