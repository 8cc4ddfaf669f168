"""Fixtures of the accounts tests: URLs, a strong password, and a real token round trip."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import TEST_PASSWORD, UserFactory

# Passes every validator of tests.settings.AUTH_PASSWORD_VALIDATORS.
STRONG_PASSWORD = "plum-Orbit-sextant-71"


class CommittingClient(APIClient):
    """An ``APIClient`` that runs the after-commit callbacks each request registered (the
    accounts e-mails), as the commit of a real request would: the test's own transaction
    never commits."""

    def generic(self, *args, **kwargs):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().generic(*args, **kwargs)


@pytest.fixture
def api_client() -> APIClient:
    return CommittingClient()


def url(name: str, **kwargs) -> str:
    return reverse(f"nexus_accounts:{name}", kwargs=kwargs or None)


def login(client: APIClient, username: str, password: str = TEST_PASSWORD) -> dict[str, str]:
    """Log in through the API and return ``{access, refresh}``; fails the test otherwise."""
    response = client.post(url("login"), {"username": username, "password": password})
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="alice@example.com")


@pytest.fixture
def alice_tokens(api_client: APIClient, alice) -> dict[str, str]:
    return login(api_client, "alice")


@pytest.fixture
def alice_client(alice_tokens: dict[str, str]) -> APIClient:
    """A client that sends alice's real access token."""
    client = CommittingClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {alice_tokens['access']}")
    return client
