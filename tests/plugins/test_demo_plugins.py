"""The demo plugin distribution of the example project (``example_project/demo_plugins``)."""

from __future__ import annotations

from decimal import Decimal

import pluggy
import pytest
from nexus_demo_plugins import flat_tax, shipping_fee, volume_discount

from nexus_catalog.models import Product, ShippingMethod
from nexus_catalog.plugins import hookspecs
from nexus_catalog.plugins.builtin import CatalogPricing
from nexus_catalog.plugins.types import DraftLine
from nexus_catalog.services.ordering import place_order
from tests.factories import ProductFactory, UserFactory
from tests.plugins.sample_plugins import FIXED_PRICE, FixedPricePlugin


@pytest.mark.parametrize(
    ("price", "quantity", "expected"),
    [
        ("20.00", 4, "20.00"),
        ("20.00", 5, "18.00"),
        ("19.99", 12, "17.99"),  # 17.991
        ("0.05", 5, "0.05"),  # 0.045: half-up, not half-even
    ],
)
def test_volume_discount_takes_ten_percent_from_five_items(price, quantity, expected):
    assert volume_discount.discounted_unit_price(Decimal(price), quantity) == Decimal(expected)


@pytest.mark.parametrize(
    ("subtotal", "expected"), [("0.00", "0.00"), ("10.06", "0.80"), ("10.07", "0.81")]
)
def test_flat_tax_is_eight_percent_rounded_half_up(subtotal, expected):
    assert flat_tax.tax_for(Decimal(subtotal)) == Decimal(expected)


@pytest.mark.parametrize(
    ("subtotal", "expected"), [("49.99", "4.99"), ("50.00", "0.00"), ("120.00", "0.00")]
)
def test_shipping_is_free_from_fifty(subtotal, expected):
    assert shipping_fee.shipping_for(Decimal(subtotal)) == Decimal(expected)


def manager(*plugins: object) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for plugin in plugins:
        pm.register(plugin)
    pm.check_pending()
    return pm


def test_volume_discount_wraps_the_catalog_price():
    pm = manager(CatalogPricing(), volume_discount)
    lamp = Product(name="Lamp", price=Decimal("20.00"))

    assert pm.hook.nexus_unit_price(product=lamp, quantity=4, user=None) == Decimal("20.00")
    assert pm.hook.nexus_unit_price(product=lamp, quantity=5, user=None) == Decimal("18.00")


def test_volume_discount_applies_to_the_price_another_plugin_chose():
    pm = manager(CatalogPricing(), FixedPricePlugin(), volume_discount)
    lamp = Product(name="Lamp", price=Decimal("20.00"))

    discounted = pm.hook.nexus_unit_price(product=lamp, quantity=5, user=None)

    assert discounted == (FIXED_PRICE * Decimal("0.9")).quantize(Decimal("0.01"))


def adjustments(*lines: DraftLine) -> dict[str, Decimal]:
    pm = manager(flat_tax, shipping_fee)
    results = pm.hook.nexus_order_adjustments(order=None, lines=list(lines), user=None)
    return {adj.code: adj.amount for result in results for adj in result}


def line(unit_price: str, quantity: int) -> DraftLine:
    return DraftLine(
        product=Product(name="Lamp", price=Decimal(unit_price)),
        quantity=quantity,
        unit_price=Decimal(unit_price),
    )


def test_a_small_order_pays_tax_and_shipping():
    assert adjustments(line("12.50", 2)) == {"tax": Decimal("2.00"), "shipping": Decimal("4.99")}


def test_an_order_from_fifty_pays_tax_and_no_shipping():
    assert adjustments(line("18.00", 5), line("2.50", 2)) == {"tax": Decimal("7.60")}


@pytest.mark.django_db
@pytest.mark.usefixtures("autoload")  # the demo distribution is installed: found by entry point
def test_a_demo_order_shows_the_discount_the_tax_and_the_shipping():
    lamp = ProductFactory(price=Decimal("20.00"), stock=10)
    bulb = ProductFactory(price=Decimal("3.00"), stock=10)

    order = place_order(
        UserFactory(),
        [{"product": lamp.pk, "quantity": 5}, {"product": bulb.pk, "quantity": 1}],
    )

    assert {line.product_id: line.unit_price for line in order.lines.all()} == {
        lamp.pk: Decimal("18.00"),  # volume discount
        bulb.pk: Decimal("3.00"),
    }
    assert order.subtotal == Decimal("93.00")
    assert {(a.code, a.amount, a.source) for a in order.adjustments.all()} == {
        ("tax", Decimal("7.44"), "flat_tax")
    }
    assert order.total == Decimal("100.44")


@pytest.mark.django_db
@pytest.mark.usefixtures("autoload")
def test_a_small_demo_order_pays_shipping():
    product = ProductFactory(price=Decimal("10.00"), stock=10)

    order = place_order(UserFactory(), [{"product": product.pk, "quantity": 2}])

    assert {(a.code, a.amount, a.source) for a in order.adjustments.all()} == {
        ("tax", Decimal("1.60"), "flat_tax"),
        ("shipping", Decimal("4.99"), "shipping_fee"),
    }
    assert order.total == Decimal("26.59")


@pytest.mark.django_db
@pytest.mark.usefixtures("autoload")
def test_a_demo_cart_with_a_shipping_method_is_charged_what_it_shows(auth_client, customer):
    # The demo's shipping fee steps aside when the customer chose a shipping method, in the
    # cart's price as at checkout: one shipping adjustment, and the total shown is charged.
    ShippingMethod.objects.create(code="standard", name="Standard", price=Decimal("5.00"))
    product = ProductFactory(price=Decimal("10.00"), stock=10)
    client = auth_client(customer)
    token = client.post("/api/carts/", {}, format="json").json()["token"]
    lines = client.post(
        f"/api/carts/{token}/lines/", {"product": product.pk, "quantity": 2}, format="json"
    )
    assert lines.status_code == 201
    address = {
        "name": "Ada",
        "line1": "1 Lane",
        "city": "Leeds",
        "postal_code": "LS1",
        "country": "GB",
    }
    body = {"email": "ada@example.com", "shipping_address": address, "shipping_method": "standard"}
    shown = client.patch(f"/api/carts/{token}/", body, format="json").json()

    placed = client.post(
        f"/api/carts/{token}/checkout/", {"expected_total": shown["total"]}, format="json"
    )

    assert placed.status_code == 201, placed.content
    assert [a["code"] for a in shown["adjustments"]].count("shipping") == 1
    assert placed.json()["total"] == shown["total"] == "26.60"
