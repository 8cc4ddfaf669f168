"""The plugin manager: what it registers, under which name, and what it refuses."""

from __future__ import annotations

import sys
from decimal import Decimal

import pytest
from django.test import override_settings

from nexus_catalog.models import Product
from nexus_catalog.plugins.builtin import CatalogPricing, LoggingAuditSink
from nexus_catalog.plugins.manager import (
    PluginContractError,
    PluginImportError,
    PluginOrigin,
    build_plugin_manager,
    get_plugin_manager,
)
from tests.plugins import sample_plugins

SAMPLES = "tests.plugins.sample_plugins"


def unit_price(price: str = "10.00", quantity: int = 1) -> Decimal:
    product = Product(name="Lamp", price=Decimal(price))
    return get_plugin_manager().hook.nexus_unit_price(product=product, quantity=quantity, user=None)


def test_builtin_plugins_are_registered_under_nexus_names():
    pm = get_plugin_manager()

    assert isinstance(pm.get_plugin("nexus.pricing"), CatalogPricing)
    assert isinstance(pm.get_plugin("nexus.audit.logging"), LoggingAuditSink)
    assert pm.origin_of("nexus.pricing") == PluginOrigin(PluginOrigin.BUILTIN)


def test_catalog_price_is_the_default_unit_price():
    assert unit_price("12.34") == Decimal("12.34")


def test_the_manager_is_built_once_and_reused():
    assert get_plugin_manager() is get_plugin_manager()


@override_settings(NEXUS_CATALOG={"PLUGINS": [f"{SAMPLES}.FixedPricePlugin"]})
def test_a_class_in_plugins_is_instantiated_and_named_by_its_path():
    pm = get_plugin_manager()

    plugin = pm.get_plugin(f"{SAMPLES}.FixedPricePlugin")
    assert isinstance(plugin, sample_plugins.FixedPricePlugin)
    assert pm.origin_of(f"{SAMPLES}.FixedPricePlugin") == PluginOrigin(PluginOrigin.SETTING)
    assert unit_price() == sample_plugins.FIXED_PRICE


@override_settings(NEXUS_CATALOG={"PLUGINS": [f"{SAMPLES}.recording_sink"]})
def test_an_object_in_plugins_is_registered_as_it_is():
    assert (
        get_plugin_manager().get_plugin(f"{SAMPLES}.recording_sink")
        is sample_plugins.recording_sink
    )


@override_settings(NEXUS_CATALOG={"PLUGINS": [f"{SAMPLES}.recording_sink"] * 2})
def test_the_same_plugin_listed_twice_is_registered_once():
    pm = get_plugin_manager()

    assert len(pm.get_hookcallers(sample_plugins.recording_sink)) == 1
    sinks = [impl.plugin for impl in pm.hook.nexus_audit_event.get_hookimpls()]
    assert sinks.count(sample_plugins.recording_sink) == 1


@override_settings(NEXUS_CATALOG={"PLUGINS": [f"{SAMPLES}.FixedPricePlugin"] * 2})
def test_the_same_class_listed_twice_is_instantiated_once():
    pm = get_plugin_manager()

    assert len(pm.hook.nexus_unit_price.get_hookimpls()) == 2  # the catalog price, and it


def test_the_manager_is_rebuilt_when_the_settings_change():
    before = get_plugin_manager()
    with override_settings(NEXUS_CATALOG={"PLUGINS": [f"{SAMPLES}.FixedPricePlugin"]}):
        assert get_plugin_manager() is not before
        assert unit_price() == sample_plugins.FIXED_PRICE
    assert unit_price("10.00") == Decimal("10.00")


@override_settings(NEXUS_CATALOG={"PLUGINS": ["tests.plugins.no_such_module.Plugin"]})
def test_a_wrong_dotted_path_is_an_error_naming_it():
    with pytest.raises(PluginImportError, match=r"tests\.plugins\.no_such_module\.Plugin"):
        get_plugin_manager()


@override_settings(NEXUS_CATALOG={"PLUGINS": [f"{SAMPLES}.NoSuchPlugin"]})
def test_a_missing_attribute_is_an_error_naming_the_path():
    with pytest.raises(PluginImportError, match=rf"{SAMPLES}\.NoSuchPlugin"):
        build_plugin_manager()


@override_settings(NEXUS_CATALOG={"PLUGINS": f"{SAMPLES}.FixedPricePlugin"})
def test_plugins_given_as_a_string_instead_of_a_list_is_an_error():
    with pytest.raises(PluginImportError, match="must be a list"):
        build_plugin_manager()


@override_settings(NEXUS_CATALOG={"PLUGINS": [f"{SAMPLES}.UnknownHookPlugin"]})
def test_an_unknown_hook_is_an_error_naming_plugin_and_hook():
    with pytest.raises(PluginContractError) as info:
        build_plugin_manager()

    assert info.value.name == f"{SAMPLES}.UnknownHookPlugin"
    assert "nexus_order_shipped" in str(info.value)


@override_settings(NEXUS_CATALOG={"PLUGINS": [f"{SAMPLES}.WrongArgumentPlugin"]})
def test_a_hook_argument_missing_from_the_spec_is_an_error_naming_the_plugin():
    with pytest.raises(PluginContractError, match="colour") as info:
        build_plugin_manager()

    assert info.value.name == f"{SAMPLES}.WrongArgumentPlugin"


@override_settings(NEXUS_CATALOG={"DISABLED_PLUGINS": ["nexus.audit.logging"]})
def test_a_builtin_plugin_can_be_disabled():
    pm = get_plugin_manager()

    assert pm.get_plugin("nexus.audit.logging") is None
    sinks = [impl.plugin_name for impl in pm.hook.nexus_audit_event.get_hookimpls()]
    assert "nexus.audit.logging" not in sinks


@override_settings(
    NEXUS_CATALOG={
        "PLUGINS": [f"{SAMPLES}.FixedPricePlugin"],
        "DISABLED_PLUGINS": [f"{SAMPLES}.FixedPricePlugin"],
    }
)
def test_a_settings_plugin_can_be_disabled():
    assert get_plugin_manager().get_plugin(f"{SAMPLES}.FixedPricePlugin") is None
    assert unit_price("10.00") == Decimal("10.00")


@override_settings(
    NEXUS_CATALOG={
        "PLUGINS": ["not.installed.Plugin"],
        "DISABLED_PLUGINS": ["not.installed.Plugin"],
    }
)
def test_a_disabled_dotted_path_is_not_imported():
    assert get_plugin_manager().get_plugin("not.installed.Plugin") is None


def test_a_module_path_loads_a_submodule_nothing_imported_yet(tmp_path, monkeypatch):
    package = tmp_path / "shop_pricing_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "rules.py").write_text(
        "from decimal import Decimal\n"
        "from nexus_catalog.plugins import hookimpl\n\n"
        "@hookimpl\n"
        "def nexus_unit_price(product, quantity, user):\n"
        "    return Decimal('1.23')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "shop_pricing_pkg", raising=False)
    monkeypatch.delitem(sys.modules, "shop_pricing_pkg.rules", raising=False)

    with override_settings(NEXUS_CATALOG={"PLUGINS": ["shop_pricing_pkg.rules"]}):
        assert unit_price() == Decimal("1.23")
