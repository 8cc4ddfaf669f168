from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.accounts.conftest import STRONG_PASSWORD, login, url
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def change(client: APIClient, old: str = TEST_PASSWORD, new: str = STRONG_PASSWORD, new2=None):
    return client.post(
        url("password-change"),
        {"old_password": old, "new_password": new, "new_password2": new2 or new},
    )


def test_password_change_answers_204_and_sets_the_password(alice_client, alice):
    response = change(alice_client)

    assert response.status_code == 204
    alice.refresh_from_db()
    assert alice.check_password(STRONG_PASSWORD)


def test_login_works_with_the_new_password_only(alice_client):
    change(alice_client)

    fresh = APIClient()
    assert login(fresh, "alice", STRONG_PASSWORD)
    old = fresh.post(url("login"), {"username": "alice", "password": TEST_PASSWORD})
    assert old.status_code == 401


def test_password_change_blacklists_every_refresh_token_of_the_user(
    api_client, alice_client, alice_tokens
):
    other_session = login(APIClient(), "alice")

    change(alice_client)

    for refresh in (alice_tokens["refresh"], other_session["refresh"]):
        assert api_client.post(url("refresh"), {"refresh": refresh}).status_code == 401


def test_password_change_leaves_other_users_tokens_alone(api_client, alice_client):
    from tests.factories import UserFactory

    UserFactory(username="bob")
    bob_tokens = login(APIClient(), "bob")

    change(alice_client)

    assert api_client.post(url("refresh"), {"refresh": bob_tokens["refresh"]}).status_code == 200


def test_wrong_old_password_is_400_and_changes_nothing(alice_client, alice, alice_tokens):
    response = change(alice_client, old="not-my-password")

    assert response.status_code == 400
    assert response.json() == {"old_password": ["Your old password was entered incorrectly."]}
    alice.refresh_from_db()
    assert alice.check_password(TEST_PASSWORD)
    assert APIClient().post(url("refresh"), {"refresh": alice_tokens["refresh"]}).status_code == 200


@pytest.mark.parametrize("weak", ["short1", "password123", "alice1234"])
def test_weak_new_password_is_400_and_changes_nothing(alice_client, alice, weak):
    response = change(alice_client, new=weak)

    assert response.status_code == 400
    assert list(response.json()) == ["new_password"]
    alice.refresh_from_db()
    assert alice.check_password(TEST_PASSWORD)


def test_new_password2_mismatch_is_400(alice_client, alice):
    response = change(alice_client, new2=STRONG_PASSWORD + "x")

    assert response.status_code == 400
    assert response.json() == {"new_password2": ["The two password fields didn't match."]}
    alice.refresh_from_db()
    assert alice.check_password(TEST_PASSWORD)


def test_password_change_requires_authentication(api_client, alice):
    response = change(api_client)

    assert response.status_code == 401
    alice.refresh_from_db()
    assert alice.check_password(TEST_PASSWORD)
