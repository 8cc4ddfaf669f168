from __future__ import annotations

import pytest
from django.test import override_settings

from nexus_accounts.checks import check_accounts_settings, check_simplejwt


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_the_test_settings_pass_every_check():
    assert check_accounts_settings() == []
    assert check_simplejwt() == []


@override_settings(NEXUS_ACCOUNTS={"LOGIN_THROTLE_RATE": "5/min"})
def test_unknown_key_is_e001():
    assert ids(check_accounts_settings()) == ["nexus_accounts.E001"]


@pytest.mark.parametrize("rate", ["5 per minute", "5/fortnight", 5, "/min"])
def test_malformed_throttle_rate_is_e004(rate):
    with override_settings(NEXUS_ACCOUNTS={"LOGIN_THROTTLE_RATE": rate}):
        assert ids(check_accounts_settings()) == ["nexus_accounts.E004"]


@pytest.mark.parametrize("rate", ["5/min", "100/hour", "1/s", "20/day", None])
def test_valid_throttle_rate_passes(rate):
    with override_settings(NEXUS_ACCOUNTS={"REGISTER_THROTTLE_RATE": rate}):
        assert check_accounts_settings() == []


def test_missing_blacklist_app_is_e002(settings):
    settings.INSTALLED_APPS = [
        app for app in settings.INSTALLED_APPS if app != "rest_framework_simplejwt.token_blacklist"
    ]

    assert ids(check_simplejwt()) == ["nexus_accounts.E002"]


@pytest.mark.parametrize("key", ["ROTATE_REFRESH_TOKENS", "BLACKLIST_AFTER_ROTATION"])
def test_rotation_or_blacklisting_turned_off_is_e003(settings, key):
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, key: False}

    messages = check_simplejwt()

    assert ids(messages) == ["nexus_accounts.E003"]
    assert key in messages[0].msg


@pytest.mark.parametrize("mode", ["Optional", "yes", None])
def test_unknown_verification_mode_is_e005(mode):
    with override_settings(NEXUS_ACCOUNTS={"EMAIL_VERIFICATION": mode}):
        assert ids(check_accounts_settings()) == ["nexus_accounts.E005"]


@pytest.mark.parametrize(
    "settings_",
    [
        {"PASSWORD_RESET_URL": "https://shop.example.com/reset/{token}"},
        {"PASSWORD_RESET_URL": 42},
        {"EMAIL_VERIFICATION_URL": "https://shop.example.com/verify/"},
        {"EMAIL_VERIFICATION": "mandatory"},
    ],
    ids=["reset-without-uid", "reset-not-a-string", "verify-without-key", "verify-unset"],
)
def test_bad_or_missing_link_template_is_e006(settings_):
    with override_settings(NEXUS_ACCOUNTS=settings_):
        assert ids(check_accounts_settings()) == ["nexus_accounts.E006"]


def test_verification_with_a_link_template_passes():
    with override_settings(
        NEXUS_ACCOUNTS={
            "EMAIL_VERIFICATION": "optional",
            "EMAIL_VERIFICATION_URL": "https://shop.example.com/verify/{key}",
        }
    ):
        assert check_accounts_settings() == []
