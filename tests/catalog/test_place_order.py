"""place_order: everything is checked before anything is written; prices come from the server."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings

from nexus_catalog.exceptions import OrderValidationError
from nexus_catalog.models import (
    AuditLog,
    InventoryMovement,
    Order,
    OrderLine,
    OrderStatus,
    Product,
)
from nexus_catalog.models.inventory import MovementReason
from nexus_catalog.services.audit import AuditContext
from nexus_catalog.services.ordering import place_order
from tests.catalog.conftest import ledger_mismatches
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def item(product, quantity=1):
    return {"product": product.pk, "quantity": quantity}


def errors_of(excinfo) -> dict:
    return excinfo.value.errors


def assert_nothing_written(*products: Product, stocks: tuple[int, ...]) -> None:
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()
    assert not AuditLog.objects.filter(action="order.created").exists()
    assert not InventoryMovement.objects.filter(reason=MovementReason.ORDER).exists()
    for product, stock in zip(products, stocks, strict=True):
        product.refresh_from_db()
        assert product.stock == stock


def test_order_is_priced_from_the_catalog(customer, product):
    order = place_order(customer, [item(product, 3)])

    line = order.lines.get()
    assert (line.unit_price, line.quantity, line.line_total) == (
        Decimal("10.00"),
        3,
        Decimal("30.00"),
    )
    assert (order.subtotal, order.total) == (Decimal("30.00"), Decimal("30.00"))
    assert order.status == OrderStatus.PENDING
    assert order.currency == "USD"


def test_order_takes_stock_and_writes_a_movement_per_line(customer, product):
    order = place_order(customer, [item(product, 4)])

    product.refresh_from_db()
    assert product.stock == 6
    movement = InventoryMovement.objects.get(reason=MovementReason.ORDER)
    assert (movement.change, movement.order_line, movement.actor) == (
        -4,
        order.lines.get(),
        customer,
    )
    assert ledger_mismatches() == {}


def test_order_stores_product_name_and_sku_as_they_were(customer, product):
    order = place_order(customer, [item(product)])

    line = order.lines.get()
    assert (line.product_name, line.product_sku) == (product.name, product.sku)


def test_price_change_does_not_change_an_existing_order(customer, product):
    order = place_order(customer, [item(product, 2)])

    Product.objects.filter(pk=product.pk).update(price=Decimal("99.00"), name="Renamed")

    order.refresh_from_db()
    line = order.lines.get()
    assert (line.unit_price, line.product_name, order.total) == (
        Decimal("10.00"),
        product.name,
        Decimal("20.00"),
    )


def test_currency_comes_from_the_settings(customer, product):
    with override_settings(NEXUS_CATALOG={"CURRENCY": "EUR"}):
        order = place_order(customer, [item(product)])

    assert order.currency == "EUR"


def test_order_created_is_audited_with_its_context(customer, product):
    order = place_order(customer, [item(product, 2)], context=AuditContext("req-1", "203.0.113.9"))

    log = AuditLog.objects.get(action="order.created")
    assert (log.object_id, log.actor, log.request_id, log.ip_address) == (
        str(order.pk),
        customer,
        "req-1",
        "203.0.113.9",
    )
    assert log.after["total"] == "20.00"
    assert log.after["lines"] == [{"product": product.pk, "quantity": 2, "unit_price": "10.00"}]


def test_note_and_shipping_address_are_stored(customer, product):
    order = place_order(customer, [item(product)], note="Ring twice", shipping_address="1 Main St")

    order.refresh_from_db()
    assert (order.note, order.shipping_address) == ("Ring twice", "1 Main St")


def test_duplicate_products_are_merged_into_one_line(customer, product):
    order = place_order(customer, [item(product, 2), item(product, 3)])

    line = order.lines.get()
    assert line.quantity == 5
    product.refresh_from_db()
    assert product.stock == 5


def test_merged_quantity_over_stock_is_refused(customer, product):
    with pytest.raises(OrderValidationError) as excinfo:
        place_order(customer, [item(product, 6), item(product, 6)])

    assert "quantity" in errors_of(excinfo)["items"][0]
    assert_nothing_written(product, stocks=(10,))


def test_empty_order_is_refused(customer):
    with pytest.raises(OrderValidationError) as excinfo:
        place_order(customer, [])

    assert errors_of(excinfo) == {"items": ["An order needs at least one item."]}
    assert not Order.objects.exists()


def test_items_that_are_not_a_list_are_refused(customer):
    with pytest.raises(OrderValidationError) as excinfo:
        place_order(customer, {"product": 1, "quantity": 1})

    assert errors_of(excinfo) == {"items": ["Expected a list of items."]}


@pytest.mark.parametrize("quantity", [0, -1, "2", 1.5, True, None])
def test_quantity_that_is_not_a_positive_whole_number_is_refused(customer, product, quantity):
    with pytest.raises(OrderValidationError) as excinfo:
        place_order(customer, [{"product": product.pk, "quantity": quantity}])

    assert list(errors_of(excinfo)["items"][0]) == ["quantity"]
    assert_nothing_written(product, stocks=(10,))


def test_quantity_over_stock_is_refused_naming_the_stock_left(customer, product):
    with pytest.raises(OrderValidationError) as excinfo:
        place_order(customer, [item(product, 11)])

    assert errors_of(excinfo) == {
        "items": {0: {"quantity": [f"Only 10 of {product.name} left in stock."]}}
    }
    assert_nothing_written(product, stocks=(10,))


def test_quantity_over_the_line_limit_is_refused(customer, product):
    with (
        override_settings(NEXUS_CATALOG={"MAX_LINE_QUANTITY": 3}),
        pytest.raises(OrderValidationError) as excinfo,
    ):
        place_order(customer, [item(product, 4)])

    assert errors_of(excinfo) == {"items": {0: {"quantity": ["At most 3 units per line."]}}}


def test_more_lines_than_the_limit_are_refused(customer, category):
    products = ProductFactory.create_batch(3, category=category)

    with (
        override_settings(NEXUS_CATALOG={"MAX_ORDER_LINES": 2}),
        pytest.raises(OrderValidationError) as excinfo,
    ):
        place_order(customer, [item(p) for p in products])

    assert errors_of(excinfo) == {"items": ["At most 2 items per order."]}


def test_unknown_product_is_refused(customer):
    with pytest.raises(OrderValidationError) as excinfo:
        place_order(customer, [{"product": 424242, "quantity": 1}])

    assert list(errors_of(excinfo)["items"][0]) == ["product"]
    assert not Order.objects.exists()


def test_inactive_product_is_refused(customer, category):
    hidden = ProductFactory(category=category, is_active=False)

    with pytest.raises(OrderValidationError) as excinfo:
        place_order(customer, [item(hidden)])

    assert errors_of(excinfo) == {"items": {0: {"product": [f"{hidden.name} is not available."]}}}
    assert_nothing_written(hidden, stocks=(10,))


def test_impossible_second_line_takes_nothing_of_the_first(customer, category):
    first = ProductFactory(category=category, stock=5)
    second = ProductFactory(category=category, stock=1)

    with pytest.raises(OrderValidationError) as excinfo:
        place_order(customer, [item(first, 2), item(second, 2)])

    assert list(errors_of(excinfo)["items"]) == [1]
    assert_nothing_written(first, second, stocks=(5, 1))


def test_every_wrong_item_is_reported_at_once(customer, category):
    good = ProductFactory(category=category)
    hidden = ProductFactory(category=category, is_active=False)

    with pytest.raises(OrderValidationError) as excinfo:
        place_order(customer, [item(hidden), item(good), {"product": 999999, "quantity": 1}])

    assert sorted(errors_of(excinfo)["items"]) == [0, 2]


def test_too_long_note_is_refused(customer, product):
    with pytest.raises(OrderValidationError) as excinfo:
        place_order(customer, [item(product)], note="x" * 2001)

    assert list(errors_of(excinfo)) == ["note"]
    assert_nothing_written(product, stocks=(10,))


def test_order_total_beyond_the_money_columns_is_a_pricing_error(customer, category):
    from nexus_catalog.exceptions import PricingError

    dear = ProductFactory(category=category, price=Decimal("9999999999.00"), stock=5)

    with pytest.raises(PricingError):
        place_order(customer, [item(dear, 2)])

    assert_nothing_written(dear, stocks=(5,))
