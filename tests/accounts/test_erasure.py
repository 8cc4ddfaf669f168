"""POST /api/auth/me/delete/: the GDPR erasure of one's own account; orders are kept."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from nexus_accounts.models import Address, EmailAddress
from nexus_catalog.models import Order
from tests.accounts.conftest import login, url
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

HOME = {"name": "Alice Liddell", "line1": "1 Rabbit Hole", "city": "Oxford", "country": "GB"}


@pytest.fixture
def alice_with_data(alice, alice_client):
    alice.first_name, alice.last_name = "Alice", "Liddell"
    alice.save()
    alice_client.post("/api/auth/addresses/", HOME, format="json")
    order = Order.objects.create(user=alice, shipping_address="1 Rabbit Hole, Oxford")
    return alice, order


def erase(client, password: str = TEST_PASSWORD):
    return client.post(url("me-delete"), {"password": password})


def test_erasure_answers_204_and_erases_personal_data(alice_client, alice_with_data):
    alice, _order = alice_with_data

    response = erase(alice_client)

    assert response.status_code == 204
    alice.refresh_from_db()
    assert alice.is_active is False
    assert (alice.first_name, alice.last_name, alice.email) == ("", "", "")
    assert alice.username.startswith("erased-") and "alice" not in alice.username
    assert alice.last_login is None
    assert not alice.has_usable_password()
    assert not Address.objects.filter(user=alice).exists()
    row = EmailAddress.objects.get(user=alice)
    assert (row.email, row.pending_email, row.verified) == ("", "", False)


def test_erasure_keeps_the_orders_linked(alice_client, alice_with_data):
    alice, order = alice_with_data

    erase(alice_client)

    order.refresh_from_db()
    assert order.user_id == alice.pk
    assert Order.objects.filter(user=alice).count() == 1


def test_erasure_revokes_every_refresh_token(api_client, alice_client, alice_with_data):
    alice, _ = alice_with_data
    other_session = login(api_client, "alice")

    erase(alice_client)

    assert not OutstandingToken.objects.filter(user=alice, blacklistedtoken__isnull=True).exists()
    assert api_client.post(url("refresh"), {"refresh": other_session["refresh"]}).status_code == 401


def test_the_access_token_dies_with_the_account(alice_client, alice_with_data):
    erase(alice_client)

    assert alice_client.get(url("me")).status_code == 401


def test_erased_account_cannot_log_in_nor_reset(
    api_client, alice_client, alice_with_data, mailoutbox
):
    erase(alice_client)

    assert (
        api_client.post(
            url("login"), {"username": "alice@example.com", "password": TEST_PASSWORD}
        ).status_code
        == 401
    )
    api_client.post(url("password-reset"), {"email": "alice@example.com"})
    assert mailoutbox == []


def test_the_address_is_free_again_after_erasure(api_client, alice_client, alice_with_data):
    erase(alice_client)

    response = api_client.post(
        url("register"),
        {
            "username": "alice2",
            "email": "ALICE@example.com",
            "password": "plum-Orbit-sextant-71",
            "password2": "plum-Orbit-sextant-71",
        },
    )

    assert response.status_code == 201


def test_erasure_with_a_wrong_password_is_400_and_changes_nothing(alice_client, alice_with_data):
    alice, _ = alice_with_data

    response = erase(alice_client, "wrong-password")

    assert response.status_code == 400
    assert response.json() == {"password": ["Your password was entered incorrectly."]}
    alice.refresh_from_db()
    assert alice.is_active and alice.email == "alice@example.com"
    assert Address.objects.filter(user=alice).exists()


def test_erasure_needs_a_token(api_client, db):
    assert erase(api_client).status_code == 401


def test_erasure_is_throttled_per_user(alice_client, alice, settings):
    settings.NEXUS_ACCOUNTS = {**settings.NEXUS_ACCOUNTS, "PASSWORD_CHANGE_THROTTLE_RATE": "2/hour"}
    for _ in range(2):
        assert erase(alice_client, "wrong").status_code == 400

    assert erase(alice_client, "wrong").status_code == 429


def test_only_the_caller_is_erased(alice_client, alice_with_data):
    other = get_user_model().objects.create_user("bob", "bob@example.com", "x-Orbit-plum-81")

    erase(alice_client)

    other.refresh_from_db()
    assert other.is_active and other.email == "bob@example.com"
