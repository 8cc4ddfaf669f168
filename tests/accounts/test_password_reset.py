"""Password reset by e-mail: request (no enumeration), confirm (single use, expiry), revocation."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.utils.http import urlsafe_base64_decode
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from nexus_accounts.models import EmailAddress
from nexus_accounts.services import request_password_reset
from tests.accounts.conftest import STRONG_PASSWORD, CommittingClient, login, url
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https://shop\.example\.com/reset/(?P<uid>[^/\s]+)/(?P<token>[^/\s]+)")


def request_reset(client, email: str):
    return client.post(url("password-reset"), {"email": email})


def reset_link(mail) -> dict[str, str]:
    match = LINK.search(mail.body)
    assert match, mail.body
    return match.groupdict()


def confirm(client, link: dict[str, str], password: str = STRONG_PASSWORD):
    return client.post(url("password-reset-confirm"), {**link, "new_password": password})


def test_reset_request_for_an_account_answers_202_and_mails_a_link(api_client, alice, mailoutbox):
    response = request_reset(api_client, "alice@example.com")

    assert response.status_code == 202
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["alice@example.com"]
    assert mail.subject == "Reset your password"
    assert mail.from_email == "shop@example.com"
    link = reset_link(mail)
    html, mimetype = mail.alternatives[0]
    assert mimetype == "text/html"
    assert f"https://shop.example.com/reset/{link['uid']}/{link['token']}" in html
    assert "expires in 3 days" in mail.body


def test_reset_request_matches_the_address_in_any_case(api_client, alice, mailoutbox):
    assert request_reset(api_client, "ALICE@Example.COM").status_code == 202

    assert [mail.to for mail in mailoutbox] == [["alice@example.com"]]


def test_unknown_address_gets_the_same_answer_and_no_mail(api_client, alice, mailoutbox):
    known = request_reset(api_client, "alice@example.com")
    unknown = request_reset(api_client, "nobody@example.com")

    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    assert len(mailoutbox) == 1


def test_inactive_account_gets_no_mail(api_client, mailoutbox):
    UserFactory(username="ina", email="ina@example.com", is_active=False)

    assert request_reset(api_client, "ina@example.com").status_code == 202
    assert mailoutbox == []


class CountingHasher(MD5PasswordHasher):
    runs = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.runs += 1
        return super().encode(password, salt)


@pytest.fixture
def work(settings, monkeypatch):
    """``work(client, email)``: the queries, password hashes, reset tokens and templates one
    reset request costs."""
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    tokens = []
    make_token = PasswordResetTokenGenerator.make_token

    def counting_make_token(self, user):
        tokens.append(user)
        return make_token(self, user)

    monkeypatch.setattr(PasswordResetTokenGenerator, "make_token", counting_make_token)

    def run(client, email: str) -> dict[str, object]:
        CountingHasher.runs = 0
        tokens.clear()
        templates = []

        def rendered(sender, template, context, **kwargs):
            templates.append(template.name)

        template_rendered.connect(rendered)
        try:
            with CaptureQueriesContext(connection) as queries:
                assert request_reset(client, email).status_code == 202
        finally:
            template_rendered.disconnect(rendered)
        return {
            "queries": len(queries),
            "hashes": CountingHasher.runs,
            "tokens": len(tokens),
            "templates": sorted(templates),
        }

    return run


def test_reset_request_does_the_same_work_for_an_unknown_address(api_client, alice, work):
    known = work(api_client, "alice@example.com")
    unknown = work(api_client, "nobody@example.com")

    assert unknown == known
    assert known["queries"] == 1
    assert known["tokens"] == 1
    assert known["templates"] == [
        "nexus_accounts/email/password_reset.html",
        "nexus_accounts/email/password_reset.txt",
        "nexus_accounts/email/password_reset_subject.txt",
    ]


def test_reset_request_refuses_a_malformed_address(api_client):
    response = request_reset(api_client, "not-an-address")

    assert response.status_code == 400
    assert "email" in response.json()


def test_confirm_sets_the_password_and_answers_204(api_client, alice, mailoutbox):
    request_reset(api_client, "alice@example.com")

    response = confirm(api_client, reset_link(mailoutbox[0]))

    assert response.status_code == 204
    alice.refresh_from_db()
    assert alice.check_password(STRONG_PASSWORD)
    login(api_client, "alice", STRONG_PASSWORD)


def test_confirm_revokes_every_refresh_token(api_client, alice, mailoutbox):
    sessions = [login(api_client, "alice") for _ in range(2)]
    request_reset(api_client, "alice@example.com")

    assert confirm(api_client, reset_link(mailoutbox[0])).status_code == 204

    assert not OutstandingToken.objects.filter(user=alice, blacklistedtoken__isnull=True).exists()
    for tokens in sessions:
        refreshed = api_client.post(url("refresh"), {"refresh": tokens["refresh"]})
        assert refreshed.status_code == 401


def test_a_reset_link_works_once(api_client, alice, mailoutbox):
    request_reset(api_client, "alice@example.com")
    link = reset_link(mailoutbox[0])
    assert confirm(api_client, link).status_code == 204

    again = confirm(api_client, link, "another-Orbit-plum-93")

    assert again.status_code == 400
    assert again.json() == {"token": ["The password reset link is invalid or has expired."]}
    alice.refresh_from_db()
    assert alice.check_password(STRONG_PASSWORD)


def test_an_expired_reset_link_is_refused(api_client, alice, mailoutbox, settings, monkeypatch):
    request_reset(api_client, "alice@example.com")
    link = reset_link(mailoutbox[0])
    issued = PasswordResetTokenGenerator()._now()
    later = issued + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)

    response = confirm(api_client, link)

    assert response.status_code == 400
    assert "token" in response.json()
    alice.refresh_from_db()
    assert alice.check_password(TEST_PASSWORD)


@pytest.mark.parametrize(
    "link",
    [
        {"uid": "MQ", "token": "nope-nope"},
        {"uid": "not base64!", "token": "x"},
        {"uid": "OTk5OTk5OTk5OTk5OTk5OTk5OQ", "token": "x"},
    ],
)
def test_a_forged_link_is_refused(api_client, alice, link):
    response = confirm(api_client, link)

    assert response.status_code == 400
    assert "token" in response.json()


def test_confirm_applies_the_password_validators(api_client, alice, mailoutbox):
    request_reset(api_client, "alice@example.com")

    response = confirm(api_client, reset_link(mailoutbox[0]), "12345678")

    assert response.status_code == 400
    assert "new_password" in response.json()
    alice.refresh_from_db()
    assert alice.check_password(TEST_PASSWORD)


def test_confirm_marks_the_address_verified(api_client, alice, mailoutbox):
    request_reset(api_client, "alice@example.com")

    confirm(api_client, reset_link(mailoutbox[0]))

    assert EmailAddress.objects.get(user=alice).verified is True


def test_reset_uid_is_the_users_id_encoded(api_client, alice, mailoutbox):
    request_reset(api_client, "alice@example.com")

    assert urlsafe_base64_decode(reset_link(mailoutbox[0])["uid"]).decode() == str(alice.pk)


def test_reset_link_template_is_the_setting(api_client, alice, mailoutbox, settings):
    settings.NEXUS_ACCOUNTS = {
        **settings.NEXUS_ACCOUNTS,
        "PASSWORD_RESET_URL": "https://other.example.org/#/reset?u={uid}&t={token}",
    }

    request_reset(api_client, "alice@example.com")

    assert "https://other.example.org/#/reset?u=" in mailoutbox[0].body
    parts = urlsplit(mailoutbox[0].body.split("https://", 1)[1].split()[0])
    assert parts.fragment.startswith("/reset?u=")


def test_reset_request_throttled_per_address(api_client, alice, settings):
    settings.NEXUS_ACCOUNTS = {
        **settings.NEXUS_ACCOUNTS,
        "PASSWORD_RESET_EMAIL_THROTTLE_RATE": "2/hour",
    }
    for n in range(2):
        other_client = CommittingClient(REMOTE_ADDR=f"10.0.0.{n}")
        assert request_reset(other_client, "alice@example.com").status_code == 202

    third = CommittingClient(REMOTE_ADDR="10.0.0.9")
    assert request_reset(third, "ALICE@example.com").status_code == 429
    # Another address is counted apart; an unknown one is counted the same way.
    assert request_reset(third, "nobody@example.com").status_code == 202


def test_reset_request_throttled_per_client(api_client, settings):
    settings.NEXUS_ACCOUNTS = {**settings.NEXUS_ACCOUNTS, "PASSWORD_RESET_THROTTLE_RATE": "2/hour"}
    for n in range(2):
        assert request_reset(api_client, f"user{n}@example.com").status_code == 202

    response = request_reset(api_client, "user9@example.com")

    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_reset_confirm_throttled_per_client(api_client, settings):
    settings.NEXUS_ACCOUNTS = {**settings.NEXUS_ACCOUNTS, "PASSWORD_RESET_THROTTLE_RATE": "1/hour"}
    confirm(api_client, {"uid": "MQ", "token": "x"})

    assert confirm(api_client, {"uid": "MQ", "token": "x"}).status_code == 429


def test_reset_without_a_link_template_is_a_configuration_error(alice, settings):
    settings.NEXUS_ACCOUNTS = {}

    with pytest.raises(ImproperlyConfigured, match="PASSWORD_RESET_URL"):
        request_password_reset("nobody@example.com")


def test_no_user_row_is_written_for_an_unknown_address(api_client, alice):
    users = get_user_model().objects.count()

    request_reset(api_client, "nobody@example.com")

    assert get_user_model().objects.count() == users
