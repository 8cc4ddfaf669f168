"""The accounts' recovery, verification, address book and erasure, driven through bravado
against the served ``/swagger.json`` (see test_swagger_contract.py): every request built
from the schema, every response's status documented and its body valid."""

from __future__ import annotations

import re

import pytest

from tests.contract.test_swagger_contract import PASSWORD, Caller
from tests.factories import TEST_PASSWORD

NEW_PASSWORD = "another-long-uncommon-passphrase-8"
HOME = {
    "name": "Ada Lovelace",
    "company": "",
    "line1": "12 St James's Square",
    "line2": "",
    "city": "London",
    "region": "",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
    "phone": "+44 20 7946 0000",
}


@pytest.fixture
def optional_verification(settings):
    settings.NEXUS_ACCOUNTS = {**settings.NEXUS_ACCOUNTS, "EMAIL_VERIFICATION": "optional"}


def link(mail, pattern: str) -> re.Match:
    found = re.search(pattern, mail.body)
    assert found, mail.body
    return found


def test_account_flow_agrees_with_the_schema(
    api, optional_verification, mailoutbox, django_capture_on_commit_callbacks
):
    anonymous = Caller(api)
    # The account e-mails leave after commit, which the test's transaction never does.
    with django_capture_on_commit_callbacks(execute=True):
        anonymous(
            "auth.auth_register_create",
            201,
            data={
                "username": "ada",
                "email": "ada@example.com",
                "password": PASSWORD,
                "password2": PASSWORD,
            },
        )
    ada = Caller(
        api,
        anonymous("auth.auth_login_create", 200, data={"username": "ada", "password": PASSWORD})[
            "access"
        ],
    )
    assert ada("auth.auth_me_read", 200)["email_verified"] is False

    # Verification: a bad key, then the key of the e-mail.
    anonymous("auth.auth_email_verify_create", 400, data={"key": "not-a-key"})
    key = link(mailoutbox[-1], r"https://shop\.example\.com/verify/(\S+)").group(1)
    anonymous("auth.auth_email_verify_create", 200, data={"key": key})
    assert ada("auth.auth_me_read", 200)["email_verified"] is True
    with django_capture_on_commit_callbacks(execute=True):
        ada("auth.auth_email_verify_resend_create", 202, data={})

    # Address book: create, list, read, edit, delete; another id is a 404.
    home = ada("addresses.auth_addresses_create", 201, data={**HOME, "is_default_shipping": True})
    assert [a["id"] for a in ada("addresses.auth_addresses_list", 200)] == [home["id"]]
    assert ada("addresses.auth_addresses_read", 200, id=home["id"])["country"] == "GB"
    edited = ada(
        "addresses.auth_addresses_partial_update", 200, id=home["id"], data={"line2": "Flat 1"}
    )
    assert edited["line2"] == "Flat 1" and edited["is_default_shipping"] is True
    ada("addresses.auth_addresses_update", 200, id=home["id"], data=HOME)
    ada("addresses.auth_addresses_read", 404, id=home["id"] + 1000)
    ada("addresses.auth_addresses_delete", 204, id=home["id"])

    # Password reset: the same 202 for an unknown address; the e-mailed link works once.
    anonymous("auth.auth_password_reset_create", 202, data={"email": "nobody@example.com"})
    with django_capture_on_commit_callbacks(execute=True):
        anonymous("auth.auth_password_reset_create", 202, data={"email": "ADA@example.com"})
    uid, token = link(mailoutbox[-1], r"https://shop\.example\.com/reset/([^/\s]+)/(\S+)").groups()
    confirm = {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    anonymous("auth.auth_password_reset_confirm_create", 204, data=confirm)
    anonymous("auth.auth_password_reset_confirm_create", 400, data=confirm)
    anonymous("auth.auth_login_create", 401, data={"username": "ada", "password": PASSWORD})
    ada.token = anonymous(
        "auth.auth_login_create", 200, data={"username": "ada", "password": NEW_PASSWORD}
    )["access"]

    # Password change, then erasure: the account is gone for login.
    ada(
        "auth.auth_password_change_create",
        204,
        data={
            "old_password": NEW_PASSWORD,
            "new_password": TEST_PASSWORD,
            "new_password2": TEST_PASSWORD,
        },
    )
    ada.token = anonymous(
        "auth.auth_login_create", 200, data={"username": "ada", "password": TEST_PASSWORD}
    )["access"]
    ada("auth.auth_me_delete_create", 400, data={"password": "wrong"})
    ada("auth.auth_me_delete_create", 204, data={"password": TEST_PASSWORD})
    anonymous("auth.auth_login_create", 401, data={"username": "ada", "password": TEST_PASSWORD})
