"""System checks of the plugin configuration: start-up errors, not first-request crashes."""

from __future__ import annotations

from django.core import checks
from django.test import override_settings

from nexus_catalog.checks import check_plugins

SAMPLES = "tests.plugins.sample_plugins"


def plugin_errors() -> list[checks.CheckMessage]:
    # Called directly rather than through run_checks, so that another app's check cannot
    # mask or break these; registration is pinned by its own test.
    return check_plugins()


def test_the_plugin_check_is_registered():
    assert check_plugins in checks.registry.registry.get_checks()


def test_the_default_configuration_passes():
    assert plugin_errors() == []


@override_settings(NEXUS_CATALOG={"PLUGINS": ["shop.plugins.Loyalty", f"{SAMPLES}.recording_sink"]})
def test_an_unknown_dotted_path_fails_the_check_with_its_name():
    [error] = plugin_errors()

    assert error.id == "nexus_catalog.E003"
    assert "'shop.plugins.Loyalty'" in error.msg


@override_settings(NEXUS_CATALOG={"PLUGINS": ["shop.a.Plugin", "shop.b.Plugin"]})
def test_every_unknown_dotted_path_is_reported():
    errors = plugin_errors()

    assert [e.id for e in errors] == ["nexus_catalog.E003"] * 2
    assert "'shop.a.Plugin'" in errors[0].msg and "'shop.b.Plugin'" in errors[1].msg


@override_settings(NEXUS_CATALOG={"PLUGINS": [f"{SAMPLES}.UnknownHookPlugin"]})
def test_a_plugin_with_an_unknown_hook_fails_the_check_naming_plugin_and_hook():
    [error] = plugin_errors()

    assert error.id == "nexus_catalog.E004"
    assert f"'{SAMPLES}.UnknownHookPlugin'" in error.msg
    assert "'nexus_order_shipped'" in error.msg
    assert "DISABLED_PLUGINS" in error.hint


@override_settings(NEXUS_CATALOG={"WEBHOOK_URLS": ["https://hooks.example.com/nexus"]})
def test_webhook_urls_without_a_secret_fail_the_check():
    [error] = plugin_errors()

    assert error.id == "nexus_catalog.E005"
    assert "WEBHOOK_SECRET" in error.msg


@override_settings(
    NEXUS_CATALOG={"WEBHOOK_URLS": ["file:///etc/passwd"], "WEBHOOK_SECRET": "s3cret"}
)
def test_a_webhook_url_that_is_not_http_fails_the_check():
    [error] = plugin_errors()

    assert error.id == "nexus_catalog.E005"
    assert "'file:///etc/passwd'" in error.msg


@override_settings(
    NEXUS_CATALOG={"WEBHOOK_URLS": ["https://hooks.example.com/nexus"], "WEBHOOK_SECRET": "s3cret"}
)
def test_webhook_urls_with_a_secret_pass():
    assert plugin_errors() == []


@override_settings(
    NEXUS_CATALOG={"WEBHOOK_URLS": "https://hooks.example.com/nexus", "WEBHOOK_SECRET": "s3cret"}
)
def test_webhook_urls_given_as_a_string_fail_the_check_once():
    [error] = plugin_errors()

    assert error.id == "nexus_catalog.E005"
    assert "must be a list" in error.msg
