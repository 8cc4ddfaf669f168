from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from nexus_accounts.conf import accounts_settings
from nexus_catalog.conf import catalog_settings


def check_ids() -> set[str]:
    return {message.id for message in run_checks()}


def test_defaults_apply_without_any_setting():
    assert catalog_settings.CURRENCY == "USD"
    assert catalog_settings.IDEMPOTENCY["TTL"] == timedelta(hours=24)


def test_override_settings_reloads_the_namespace():
    with override_settings(NEXUS_CATALOG={"CURRENCY": "EUR"}):
        assert catalog_settings.CURRENCY == "EUR"
    assert catalog_settings.CURRENCY == "USD"


def test_nested_namespace_merges_one_key_over_its_defaults():
    with override_settings(NEXUS_CATALOG={"IDEMPOTENCY": {"TTL": timedelta(hours=1)}}):
        assert catalog_settings.IDEMPOTENCY["TTL"] == timedelta(hours=1)
        assert catalog_settings.IDEMPOTENCY["HEADER"] == "Idempotency-Key"


def test_unknown_attribute_is_an_error():
    with pytest.raises(AttributeError):
        catalog_settings.CURENCY  # noqa: B018


def test_valid_settings_pass_the_checks():
    assert not {i for i in check_ids() if i and i.startswith("nexus_")}


@override_settings(NEXUS_CATALOG={"CURENCY": "EUR"})
def test_unknown_catalog_key_fails_the_system_check():
    assert "nexus_catalog.E001" in check_ids()


@override_settings(NEXUS_CATALOG={"IDEMPOTENCY": {"TTLL": 5}})
def test_unknown_nested_key_fails_the_system_check():
    messages = [m for m in run_checks() if m.id == "nexus_catalog.E001"]
    assert messages and "IDEMPOTENCY.TTLL" in messages[0].msg


@override_settings(NEXUS_CATALOG={"CURRENCY": "dollars"})
def test_bad_currency_fails_the_system_check():
    assert "nexus_catalog.E002" in check_ids()


@override_settings(NEXUS_CATALOG={"PAGE_SIZE": 0})
def test_non_positive_page_size_fails_the_system_check():
    assert "nexus_catalog.E002" in check_ids()


@pytest.mark.parametrize("limit", [-1, 2.5, "10000", True])
def test_count_limit_that_is_not_a_whole_number_fails_the_system_check(limit):
    with override_settings(NEXUS_CATALOG={"COUNT_LIMIT": limit}):
        assert "nexus_catalog.E002" in check_ids()


@pytest.mark.parametrize("limit", [None, 0, 10])
def test_count_limit_of_none_or_a_whole_number_passes(limit):
    with override_settings(NEXUS_CATALOG={"COUNT_LIMIT": limit}):
        assert "nexus_catalog.E002" not in check_ids()


@override_settings(NEXUS_ACCOUNTS={"LOGIN_THROTTLE": "1/min"})
def test_unknown_accounts_key_fails_the_system_check():
    assert "nexus_accounts.E001" in check_ids()
    assert accounts_settings.unknown_keys() == ["LOGIN_THROTTLE"]


@pytest.mark.parametrize("rate", ["60 a minute", "5/fortnight", 60, "/min"])
def test_malformed_cart_create_throttle_rate_fails_the_system_check(rate):
    with override_settings(NEXUS_CATALOG={"CART_CREATE_THROTTLE_RATE": rate}):
        assert "nexus_catalog.E002" in check_ids()


@pytest.mark.parametrize("rate", ["60/min", "500/hour", None])
def test_cart_create_throttle_rate_or_none_passes(rate):
    with override_settings(NEXUS_CATALOG={"CART_CREATE_THROTTLE_RATE": rate}):
        assert "nexus_catalog.E002" not in check_ids()
