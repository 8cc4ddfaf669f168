"""The engine's side of the plugin contract: what it calls, when, and what it checks."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from django.test import override_settings

from nexus_catalog.exceptions import OrderRefused, PricingError, TransitionVetoed
from nexus_catalog.models import AuditLog, InventoryMovement, Order, OrderAdjustment, OrderStatus
from nexus_catalog.models.inventory import MovementReason
from nexus_catalog.plugins.types import Adjustment
from nexus_catalog.services.ordering import cancel_order, place_order, transition_order
from tests.plugins_fixtures import (
    Adjusting,
    Crashing,
    PriceList,
    Recording,
    Refusing,
    Vetoing,
)

pytestmark = pytest.mark.django_db


def order_of(customer, product, quantity=2):
    return place_order(customer, [{"product": product.pk, "quantity": quantity}])


def assert_no_order_and_stock(product, stock=10):
    assert not Order.objects.exists()
    assert not InventoryMovement.objects.filter(reason=MovementReason.ORDER).exists()
    product.refresh_from_db()
    assert product.stock == stock


def test_adjustments_add_up_and_are_stored_with_their_plugin(register_plugin, customer, product):
    register_plugin(Adjusting(Adjustment("ship", "Shipping", Decimal("4.99"))), "shipping")
    register_plugin(
        Adjusting(
            Adjustment("promo", "Promo", Decimal("-2.00")),
            Adjustment("vat", "VAT", Decimal("3.333")),
        ),
        "taxes",
    )

    order = order_of(customer, product)

    assert order.subtotal == Decimal("20.00")
    assert order.total == Decimal("26.32")  # 20 + 4.99 - 2 + 3.33
    stored = {(a.code, a.amount, a.source) for a in OrderAdjustment.objects.all()}
    assert stored == {
        ("ship", Decimal("4.99"), "shipping"),
        ("promo", Decimal("-2.00"), "taxes"),
        ("vat", Decimal("3.33"), "taxes"),
    }


def test_plugin_listed_in_settings_adjusts_orders(customer, product):
    with override_settings(NEXUS_CATALOG={"PLUGINS": ["tests.plugins_fixtures.TenPercentOff"]}):
        order = order_of(customer, product)

    adjustment = order.adjustments.get()
    assert (adjustment.amount, adjustment.source) == (
        Decimal("-2.00"),
        "tests.plugins_fixtures.TenPercentOff",
    )
    assert order.total == Decimal("18.00")


def test_adjustments_below_zero_total_are_a_pricing_error(register_plugin, customer, product):
    register_plugin(Adjusting(Adjustment("gift", "Gift", Decimal("-20.01"))), "generous")

    with pytest.raises(PricingError):
        order_of(customer, product)

    assert_no_order_and_stock(product)


def test_adjustment_of_the_wrong_type_is_a_pricing_error(register_plugin, customer, product):
    register_plugin(Adjusting(Adjustment("x", "X", 1.5)), "floaty")

    with pytest.raises(PricingError):
        order_of(customer, product)

    assert_no_order_and_stock(product)


def test_unit_price_plugin_sets_the_price_rounded_to_cents(register_plugin, customer, product):
    register_plugin(PriceList(Decimal("3.335")), "price-list")

    order = order_of(customer, product, 3)

    line = order.lines.get()
    assert (line.unit_price, line.line_total, order.total) == (
        Decimal("3.34"),
        Decimal("10.02"),
        Decimal("10.02"),
    )


@pytest.mark.parametrize("price", [Decimal("-1"), 5, 5.0, "5.00", Decimal("NaN")])
def test_unusable_unit_price_is_a_pricing_error(register_plugin, customer, product, price):
    register_plugin(PriceList(price), "bad-price")

    with pytest.raises(PricingError):
        order_of(customer, product)

    assert_no_order_and_stock(product)


def test_refusing_validator_stops_the_order_and_takes_no_stock(register_plugin, customer, product):
    register_plugin(Refusing(), "closed")

    with pytest.raises(OrderRefused) as excinfo:
        order_of(customer, product)

    assert excinfo.value.detail == {"items": [Refusing.message]}
    assert_no_order_and_stock(product)
    assert not AuditLog.objects.exists()


def test_veto_leaves_the_order_as_it_was(register_plugin, pending_order, product, staff):
    register_plugin(Vetoing(), "frozen")

    with pytest.raises(TransitionVetoed):
        cancel_order(pending_order, staff)

    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PENDING
    product.refresh_from_db()
    assert product.stock == 8
    assert not AuditLog.objects.filter(action="order.transitioned").exists()


def test_after_hooks_run_on_commit(
    register_plugin, customer, product, staff, django_capture_on_commit_callbacks
):
    recording = register_plugin(Recording(), "recording")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order = order_of(customer, product)
    assert recording.created == []

    for callback in callbacks:
        callback()
    with django_capture_on_commit_callbacks(execute=True):
        transition_order(order, "paid", staff)

    assert recording.created == [order.pk]
    assert recording.transitioned == [(order.pk, "pending", "paid")]


def test_after_hooks_do_not_run_for_a_rolled_back_order(
    register_plugin, customer, product, django_capture_on_commit_callbacks
):
    recording = register_plugin(Recording(), "recording")
    register_plugin(Refusing(), "closed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(OrderRefused):
        order_of(customer, product)

    assert callbacks == []
    assert recording.created == []


def test_after_hooks_do_not_run_for_a_vetoed_transition(
    register_plugin, pending_order, staff, django_capture_on_commit_callbacks
):
    recording = register_plugin(Recording(), "recording")
    register_plugin(Vetoing(), "frozen")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TransitionVetoed):
        transition_order(pending_order, "paid", staff)

    assert recording.transitioned == []


def test_failing_after_hook_is_logged_and_the_others_still_run(
    register_plugin, customer, product, caplog, django_capture_on_commit_callbacks
):
    recording = register_plugin(Recording(), "recording")
    register_plugin(Crashing(), "crashing")

    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        order = order_of(customer, product)

    assert recording.created == [order.pk]
    assert Order.objects.filter(pk=order.pk).exists()
    assert "Plugin crashing failed in nexus_order_created" in caplog.text
