"""Plugins found through the ``nexus`` entry-point group of an installed distribution."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings

from nexus_catalog.checks import check_plugins
from nexus_catalog.models import Product
from nexus_catalog.plugins.manager import PluginImportError, PluginOrigin, get_plugin_manager
from nexus_catalog.services.ordering import place_order
from tests.factories import ProductFactory, UserFactory

FIXED_PRICE_SOURCE = """
    from decimal import Decimal

    from nexus_catalog.plugins import hookimpl


    @hookimpl
    def nexus_unit_price(product, quantity, user):
        return Decimal("3.21")
"""


@pytest.fixture
def fixed_price_distribution(install_distribution) -> None:
    install_distribution(
        "nexus-fixed-price",
        "1.2.3",
        entry_points={"fixed_price": "nexus_test_fixed_price"},
        modules_source={"nexus_test_fixed_price": FIXED_PRICE_SOURCE},
    )


def unit_price() -> Decimal:
    product = Product(name="Lamp", price=Decimal("10.00"))
    return get_plugin_manager().hook.nexus_unit_price(product=product, quantity=1, user=None)


@pytest.mark.usefixtures("fixed_price_distribution", "autoload")
def test_an_entry_point_plugin_sets_the_unit_price():
    assert unit_price() == Decimal("3.21")


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_price_distribution", "autoload")
def test_an_entry_point_plugin_prices_the_lines_of_a_placed_order():
    product = ProductFactory(price=Decimal("10.00"), stock=5)

    order = place_order(UserFactory(), [{"product": product.pk, "quantity": 2}])

    [line] = order.lines.all()
    assert line.unit_price == Decimal("3.21")
    assert order.subtotal == Decimal("6.42")


@pytest.mark.usefixtures("fixed_price_distribution", "autoload")
def test_an_entry_point_plugin_is_named_by_its_entry_point_with_its_distribution():
    pm = get_plugin_manager()

    assert pm.get_plugin("fixed_price") is not None
    assert pm.origin_of("fixed_price") == PluginOrigin(
        PluginOrigin.ENTRY_POINT, "nexus-fixed-price", "1.2.3"
    )


@pytest.mark.usefixtures("fixed_price_distribution")
def test_entry_points_are_not_loaded_when_autoload_is_disabled():
    # tests/conftest.py sets NEXUS_DISABLE_PLUGIN_AUTOLOAD for the whole suite.
    assert get_plugin_manager().get_plugin("fixed_price") is None
    assert unit_price() == Decimal("10.00")


@pytest.mark.usefixtures("fixed_price_distribution", "autoload")
@override_settings(NEXUS_CATALOG={"DISABLED_PLUGINS": ["fixed_price"]})
def test_an_entry_point_plugin_can_be_disabled_by_name():
    assert get_plugin_manager().get_plugin("fixed_price") is None
    assert unit_price() == Decimal("10.00")


@pytest.mark.usefixtures("fixed_price_distribution", "autoload")
def test_nexus_plugins_lists_an_entry_point_plugin_with_its_distribution_and_hooks(capsys):
    call_command("nexus_plugins")

    lines = capsys.readouterr().out.splitlines()
    [line] = [line for line in lines if line.startswith("fixed_price ")]
    assert line.split() == [
        "fixed_price",
        "entry",
        "point",
        "nexus-fixed-price",
        "1.2.3",
        "nexus_unit_price",
    ]


@pytest.fixture
def broken_distribution(install_distribution) -> None:
    install_distribution(
        "nexus-broken",
        "0.1",
        entry_points={"broken": "nexus_test_not_shipped"},
        modules_source={},
    )


@pytest.mark.usefixtures("broken_distribution", "autoload")
def test_an_entry_point_that_does_not_import_is_an_error_naming_it_and_its_distribution():
    with pytest.raises(PluginImportError, match=r"'broken' of entry point nexus-broken 0\.1"):
        get_plugin_manager()


@pytest.mark.usefixtures("broken_distribution", "autoload")
def test_an_entry_point_that_does_not_import_fails_the_system_check():
    [error] = check_plugins()

    assert error.id == "nexus_catalog.E003"
    assert "'broken'" in error.msg and "nexus-broken" in error.msg
