from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests.accounts.conftest import url

pytestmark = pytest.mark.django_db


def tamper(token: str) -> str:
    """The token with one character of its signature changed."""
    last = "A" if token[-2] != "A" else "B"
    return token[:-2] + last + token[-1]


def test_refresh_returns_a_new_pair(api_client, alice, alice_tokens):
    response = api_client.post(url("refresh"), {"refresh": alice_tokens["refresh"]})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert body["refresh"] != alice_tokens["refresh"]
    assert AccessToken(body["access"])["user_id"] == str(alice.pk)


def test_refresh_blacklists_the_old_refresh_token(api_client, alice_tokens):
    api_client.post(url("refresh"), {"refresh": alice_tokens["refresh"]})

    jti = RefreshToken(alice_tokens["refresh"], verify=False)["jti"]
    assert BlacklistedToken.objects.filter(token__jti=jti).exists()


def test_old_refresh_token_cannot_be_used_twice(api_client, alice_tokens):
    api_client.post(url("refresh"), {"refresh": alice_tokens["refresh"]})

    response = api_client.post(url("refresh"), {"refresh": alice_tokens["refresh"]})

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_rotated_refresh_token_works(api_client, alice_tokens):
    rotated = api_client.post(url("refresh"), {"refresh": alice_tokens["refresh"]}).json()

    response = api_client.post(url("refresh"), {"refresh": rotated["refresh"]})

    assert response.status_code == 200


def test_tampered_refresh_token_is_401(api_client, alice_tokens):
    response = api_client.post(url("refresh"), {"refresh": tamper(alice_tokens["refresh"])})

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_garbage_refresh_token_is_401(api_client, db):
    response = api_client.post(url("refresh"), {"refresh": "not.a.token"})

    assert response.status_code == 401


def test_access_token_is_not_a_refresh_token(api_client, alice_tokens):
    response = api_client.post(url("refresh"), {"refresh": alice_tokens["access"]})

    assert response.status_code == 401


def test_refresh_requires_the_field(api_client, db):
    response = api_client.post(url("refresh"), {})

    assert response.status_code == 400
    assert response.json() == {"refresh": ["This field is required."]}


def test_inactive_user_cannot_refresh(api_client, alice, alice_tokens):
    get_user_model().objects.filter(pk=alice.pk).update(is_active=False)

    response = api_client.post(url("refresh"), {"refresh": alice_tokens["refresh"]})

    assert response.status_code == 401
    assert response.json()["detail"] == "No active account found for the given token."


def test_deleted_user_cannot_refresh(api_client, alice, alice_tokens):
    alice.delete()

    response = api_client.post(url("refresh"), {"refresh": alice_tokens["refresh"]})

    assert response.status_code == 401
