"""E-mail verification in its three modes: none, optional, mandatory."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import signing

from nexus_accounts.models import EmailAddress
from nexus_accounts.services.verification import KEY_SALT, make_key
from tests.accounts.conftest import STRONG_PASSWORD, CommittingClient, login, url
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https://shop\.example\.com/verify/(?P<key>\S+)")


@pytest.fixture
def mode(settings):
    def set_mode(value: str) -> None:
        settings.NEXUS_ACCOUNTS = {**settings.NEXUS_ACCOUNTS, "EMAIL_VERIFICATION": value}

    return set_mode


def register(client, username="carol", email="carol@example.com"):
    return client.post(
        url("register"),
        {
            "username": username,
            "email": email,
            "password": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
        },
    )


def key_of(mail) -> str:
    match = LINK.search(mail.body)
    assert match, mail.body
    return match["key"]


def verify(client, key: str):
    return client.post(url("email-verify"), {"key": key})


# none ----------------------------------------------------------------------------------------


def test_none_sends_nothing_on_register(api_client, mailoutbox):
    response = register(api_client)

    assert response.status_code == 201
    assert response.json()["email_verified"] is False
    assert mailoutbox == []


def test_none_lets_an_unverified_account_log_in(api_client):
    register(api_client)

    login(api_client, "carol", STRONG_PASSWORD)


def test_none_applies_an_email_change_at_once(alice_client, alice, mailoutbox):
    response = alice_client.patch(url("me"), {"email": "new@example.com"})

    assert response.json()["email"] == "new@example.com"
    assert response.json()["pending_email"] is None
    assert mailoutbox == []
    assert EmailAddress.objects.get(user=alice).email == "new@example.com"


@pytest.mark.parametrize("name", ["email-verify", "email-verify-resend"])
def test_none_has_no_verification_endpoints(api_client, name):
    response = api_client.post(url(name), {"key": "x", "email": "a@example.com"})

    assert response.status_code == 404


# optional ------------------------------------------------------------------------------------


def test_optional_register_sends_a_verification_link(api_client, mode, mailoutbox):
    mode("optional")

    response = register(api_client)

    assert response.status_code == 201
    assert response.json()["email_verified"] is False
    [mail] = mailoutbox
    assert mail.to == ["carol@example.com"]
    assert mail.subject == "Confirm your e-mail address"
    key = key_of(mail)
    assert f"https://shop.example.com/verify/{key}" in mail.alternatives[0][0]
    assert "expires in 3 days" in mail.body


def test_optional_verify_marks_the_address_verified(api_client, mode, mailoutbox):
    mode("optional")
    register(api_client)

    response = verify(api_client, key_of(mailoutbox[0]))

    assert response.status_code == 200
    assert response.json() == {"email": "carol@example.com", "email_verified": True}
    tokens = login(api_client, "carol", STRONG_PASSWORD)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api_client.get(url("me")).json()["email_verified"] is True


def test_optional_lets_an_unverified_account_log_in(api_client, mode):
    mode("optional")
    register(api_client)

    login(api_client, "carol", STRONG_PASSWORD)


def test_a_key_used_twice_is_harmless(api_client, mode, mailoutbox):
    mode("optional")
    register(api_client)
    key = key_of(mailoutbox[0])
    verify(api_client, key)

    assert verify(api_client, key).status_code == 200


@pytest.mark.parametrize(
    "key",
    [
        "garbage",
        signing.dumps({"user": 1, "email": "carol@example.com"}, salt="another.purpose"),
        signing.dumps({"nothing": True}, salt=KEY_SALT),
    ],
    ids=["garbage", "other-salt", "no-payload"],
)
def test_a_bad_key_is_refused(api_client, mode, key):
    mode("optional")
    register(api_client)

    response = verify(api_client, key)

    assert response.status_code == 400
    assert response.json() == {"key": ["The verification link is invalid or has expired."]}


def test_an_expired_key_is_refused(api_client, mode, mailoutbox, settings):
    mode("optional")
    register(api_client)
    key = key_of(mailoutbox[0])
    settings.NEXUS_ACCOUNTS = {
        **settings.NEXUS_ACCOUNTS,
        "EMAIL_VERIFICATION_TIMEOUT": timedelta(seconds=-1),
    }

    assert verify(api_client, key).status_code == 400
    assert EmailAddress.objects.get(email="carol@example.com").verified is False


def test_optional_email_change_waits_for_verification(alice_client, alice, mode, mailoutbox):
    mode("optional")

    response = alice_client.patch(url("me"), {"email": "Alice.New@Example.com"})

    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.com"
    assert response.json()["pending_email"] == "Alice.New@example.com"
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"
    [mail] = mailoutbox
    assert mail.to == ["Alice.New@example.com"]


def test_the_pending_address_counts_once_verified(
    api_client, alice_client, alice, mode, mailoutbox
):
    mode("optional")
    alice_client.patch(url("me"), {"email": "new@example.com"})
    # Not yet: the new address does not log in, the old one does.
    assert (
        api_client.post(
            url("login"), {"username": "new@example.com", "password": TEST_PASSWORD}
        ).status_code
        == 401
    )

    assert verify(api_client, key_of(mailoutbox[0])).status_code == 200

    alice.refresh_from_db()
    assert alice.email == "new@example.com"
    row = EmailAddress.objects.get(user=alice)
    assert (row.email, row.verified, row.pending_email) == ("new@example.com", True, "")
    login(api_client, "new@example.com")


def test_a_key_for_a_replaced_pending_address_is_refused(
    api_client, alice_client, alice, mode, mailoutbox
):
    mode("optional")
    alice_client.patch(url("me"), {"email": "first@example.com"})
    alice_client.patch(url("me"), {"email": "second@example.com"})

    assert verify(api_client, key_of(mailoutbox[0])).status_code == 400
    assert verify(api_client, key_of(mailoutbox[1])).status_code == 200
    alice.refresh_from_db()
    assert alice.email == "second@example.com"


def test_a_pending_address_taken_meanwhile_is_refused(
    api_client, alice_client, alice, mode, mailoutbox
):
    mode("optional")
    alice_client.patch(url("me"), {"email": "shared@example.com"})
    UserFactory(username="bob", email="SHARED@example.com")

    response = verify(api_client, key_of(mailoutbox[0]))

    assert response.status_code == 400
    assert response.json() == {"key": ["A user with that email address already exists."]}
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_changing_back_to_the_current_address_drops_the_pending_one(alice_client, alice, mode):
    mode("optional")
    alice_client.patch(url("me"), {"email": "new@example.com"})

    response = alice_client.patch(url("me"), {"email": "alice@example.com"})

    assert response.json()["pending_email"] is None


def test_key_of_an_erased_or_inactive_user_is_refused(api_client, mode):
    mode("optional")
    user = UserFactory(is_active=False)

    assert verify(api_client, make_key(user.pk, user.email)).status_code == 400


# mandatory -----------------------------------------------------------------------------------


def test_mandatory_refuses_login_until_verified_with_a_403_code(api_client, mode, mailoutbox):
    mode("mandatory")
    register(api_client)

    refused = api_client.post(url("login"), {"username": "carol", "password": STRONG_PASSWORD})

    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "The e-mail address of this account is not verified yet.",
        "code": "email_not_verified",
    }
    verify(api_client, key_of(mailoutbox[0]))
    login(api_client, "carol", STRONG_PASSWORD)


def test_mandatory_wrong_password_is_still_401(api_client, mode):
    mode("mandatory")
    register(api_client)

    response = api_client.post(url("login"), {"username": "carol", "password": "wrong"})

    assert response.status_code == 401


def test_anonymous_resend_sends_a_new_link(api_client, mode, mailoutbox):
    mode("mandatory")
    register(api_client)

    response = api_client.post(url("email-verify-resend"), {"email": "CAROL@example.com"})

    assert response.status_code == 202
    assert len(mailoutbox) == 2
    assert verify(api_client, key_of(mailoutbox[1])).status_code == 200


def test_anonymous_resend_answers_the_same_for_an_unknown_address(api_client, mode, mailoutbox):
    mode("mandatory")
    register(api_client)
    mailoutbox.clear()

    known = api_client.post(url("email-verify-resend"), {"email": "carol@example.com"})
    unknown = api_client.post(url("email-verify-resend"), {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert [mail.to for mail in mailoutbox] == [["carol@example.com"]]


def test_anonymous_resend_needs_an_address(api_client, mode):
    mode("mandatory")

    response = api_client.post(url("email-verify-resend"), {})

    assert response.status_code == 400
    assert "email" in response.json()


def test_authenticated_resend_sends_to_the_pending_address(alice_client, mode, mailoutbox):
    mode("optional")
    alice_client.patch(url("me"), {"email": "new@example.com"})

    response = alice_client.post(url("email-verify-resend"), {})

    assert response.status_code == 202
    assert [mail.to for mail in mailoutbox] == [["new@example.com"], ["new@example.com"]]


def test_resend_for_a_verified_address_sends_nothing(alice_client, alice, mode, mailoutbox):
    mode("optional")
    EmailAddress.objects.filter(user=alice).update(verified=True)

    assert alice_client.post(url("email-verify-resend"), {}).status_code == 202
    assert mailoutbox == []


def test_resend_is_throttled_per_address(mode, settings):
    mode("mandatory")
    settings.NEXUS_ACCOUNTS = {
        **settings.NEXUS_ACCOUNTS,
        "EMAIL_VERIFICATION_RESEND_THROTTLE_RATE": "1/hour",
    }
    first = CommittingClient(REMOTE_ADDR="10.0.0.1")
    second = CommittingClient(REMOTE_ADDR="10.0.0.2")

    assert first.post(url("email-verify-resend"), {"email": "x@example.com"}).status_code == 202
    assert second.post(url("email-verify-resend"), {"email": "X@example.com"}).status_code == 429


def test_verify_is_throttled_per_client(api_client, mode, settings):
    mode("optional")
    settings.NEXUS_ACCOUNTS = {
        **settings.NEXUS_ACCOUNTS,
        "EMAIL_VERIFICATION_THROTTLE_RATE": "2/hour",
    }
    for _ in range(2):
        assert verify(api_client, "garbage").status_code == 400

    assert verify(api_client, "garbage").status_code == 429
