"""Token responses are credentials: the Idempotency-Key middleware never stores them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from nexus_catalog.models import IdempotencyRecord
from tests.accounts.conftest import url
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_keyed_login_is_not_stored_nor_replayed(api_client, alice):
    credentials = {"username": "alice", "password": TEST_PASSWORD}

    first = api_client.post(url("login"), credentials, HTTP_IDEMPOTENCY_KEY="login-1")
    second = api_client.post(url("login"), credentials, HTTP_IDEMPOTENCY_KEY="login-1")

    assert first.status_code == second.status_code == 200
    assert "Idempotent-Replayed" not in second.headers
    assert first.json()["refresh"] != second.json()["refresh"]
    assert not IdempotencyRecord.objects.exists()


def test_keyed_refresh_is_not_stored(api_client, alice_tokens):
    response = api_client.post(
        url("refresh"), {"refresh": alice_tokens["refresh"]}, HTTP_IDEMPOTENCY_KEY="refresh-1"
    )

    assert response.status_code == 200
    assert not IdempotencyRecord.objects.exists()


def test_keyed_register_is_stored_since_it_returns_no_credentials(api_client):
    body = {
        "username": "carol",
        "email": "carol@example.com",
        "password": "plum-Orbit-sextant-71",
        "password2": "plum-Orbit-sextant-71",
    }

    response = api_client.post(url("register"), body, HTTP_IDEMPOTENCY_KEY="register-1")

    assert response.status_code == 201
    assert IdempotencyRecord.objects.filter(key="register-1").exists()


def test_keyed_register_with_an_authorization_header_is_replayed_not_run_twice(api_client):
    # Register reads no credentials, so whatever Authorization header a client sends, its
    # key is honoured in the anonymous scope.
    body = {
        "username": "dave",
        "email": "dave@example.com",
        "password": "plum-Orbit-sextant-71",
        "password2": "plum-Orbit-sextant-71",
    }
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    first = api_client.post(url("register"), body, HTTP_IDEMPOTENCY_KEY="register-2")
    retry = api_client.post(url("register"), body, HTTP_IDEMPOTENCY_KEY="register-2")

    assert first.status_code == retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert get_user_model().objects.filter(username="dave").count() == 1
