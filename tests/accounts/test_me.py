from __future__ import annotations

import pytest

from tests.accounts.conftest import url
from tests.accounts.test_refresh import tamper
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_me_returns_the_callers_profile(alice_client, alice):
    response = alice_client.get(url("me"))

    assert response.status_code == 200
    assert response.json() == {
        "id": alice.pk,
        "username": "alice",
        "email": "alice@example.com",
        "email_verified": False,
        "pending_email": None,
        "first_name": "",
        "last_name": "",
        "date_joined": response.json()["date_joined"],
    }


def test_me_never_returns_the_password(alice_client):
    response = alice_client.get(url("me"))

    assert "password" not in response.json()
    assert TEST_PASSWORD not in response.content.decode()


def test_me_without_token_is_401(api_client, db):
    response = api_client.get(url("me"))

    assert response.status_code == 401
    assert "detail" in response.json()


def test_me_with_tampered_access_token_is_401(api_client, alice_tokens):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tamper(alice_tokens['access'])}")

    response = api_client.get(url("me"))

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_me_with_a_refresh_token_as_bearer_is_401(api_client, alice_tokens):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {alice_tokens['refresh']}")

    assert api_client.get(url("me")).status_code == 401


def test_patch_me_changes_names_and_email(alice_client, alice):
    response = alice_client.patch(
        url("me"), {"first_name": "Alice", "last_name": "Liddell", "email": "al@example.org"}
    )

    assert response.status_code == 200
    assert response.json()["first_name"] == "Alice"
    alice.refresh_from_db()
    assert (alice.first_name, alice.last_name, alice.email) == (
        "Alice",
        "Liddell",
        "al@example.org",
    )


def test_patch_me_leaves_unsent_fields_alone(alice_client, alice):
    alice_client.patch(url("me"), {"first_name": "Alice"})

    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_patch_me_cannot_change_the_username(alice_client, alice):
    response = alice_client.patch(url("me"), {"username": "mallory"})

    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    alice.refresh_from_db()
    assert alice.username == "alice"


def test_patch_me_cannot_make_the_user_staff(alice_client, alice):
    alice_client.patch(url("me"), {"is_staff": True, "is_superuser": True})

    alice.refresh_from_db()
    assert not alice.is_staff
    assert not alice.is_superuser


@pytest.mark.parametrize("email", ["bob@example.com", "BOB@example.COM"])
def test_patch_me_refuses_another_users_email_in_any_case(alice_client, alice, email):
    UserFactory(username="bob", email="bob@example.com")

    response = alice_client.patch(url("me"), {"email": email})

    assert response.status_code == 400
    assert response.json() == {"email": ["A user with that email address already exists."]}
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_patch_me_accepts_own_email_in_another_case(alice_client, alice):
    response = alice_client.patch(url("me"), {"email": "ALICE@example.com"})

    assert response.status_code == 200
    assert response.json()["email"] == "ALICE@example.com"


@pytest.mark.parametrize("email", ["", "not-an-address"])
def test_patch_me_refuses_a_bad_email(alice_client, email):
    response = alice_client.patch(url("me"), {"email": email})

    assert response.status_code == 400
    assert list(response.json()) == ["email"]


def test_put_me_is_not_allowed(alice_client):
    response = alice_client.put(url("me"), {"first_name": "Alice", "email": "a@example.com"})

    assert response.status_code == 405
