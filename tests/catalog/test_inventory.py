"""The stock ledger: every stock change is a movement, and stock is the sum of them."""

from __future__ import annotations

import pytest

from nexus_catalog.models import AuditLog, InventoryMovement, Product
from nexus_catalog.models.inventory import MovementReason
from nexus_catalog.services import catalog
from nexus_catalog.services.inventory import InsufficientStock, adjust_stock, set_stock
from nexus_catalog.services.ordering import cancel_order, place_order, transition_order
from tests.catalog.conftest import ledger_mismatches
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_adjust_stock_adds_and_records_a_movement(product, staff):
    movement = adjust_stock(product, 5, reason=MovementReason.RESTOCK, actor=staff, note="truck")

    product.refresh_from_db()
    assert product.stock == 15
    assert (movement.change, movement.reason, movement.actor, movement.note) == (
        5,
        MovementReason.RESTOCK,
        staff,
        "truck",
    )


def test_adjust_stock_below_zero_is_refused(product, staff):
    with pytest.raises(InsufficientStock):
        adjust_stock(product, -11, reason=MovementReason.ADJUSTMENT, actor=staff)

    product.refresh_from_db()
    assert product.stock == 10
    assert not InventoryMovement.objects.filter(reason=MovementReason.ADJUSTMENT).exists()


def test_adjust_stock_is_audited(product, staff):
    adjust_stock(product, -3, reason=MovementReason.ADJUSTMENT, actor=staff, note="broken")

    log = AuditLog.objects.get(action="product.stock_adjusted")
    assert (log.before, log.after["stock"], log.after["reason"]) == ({"stock": 10}, 7, "adjustment")


@pytest.mark.parametrize("change", [0, 1.5, "3", True])
def test_adjust_stock_needs_a_non_zero_whole_number(product, staff, change):
    with pytest.raises(ValueError):
        adjust_stock(product, change, reason=MovementReason.ADJUSTMENT, actor=staff)


def test_set_stock_upwards_is_a_restock(product, staff):
    movement = set_stock(product, 25, actor=staff)

    assert (movement.change, movement.reason) == (15, MovementReason.RESTOCK)
    assert Product.objects.get(pk=product.pk).stock == 25


def test_set_stock_downwards_is_an_adjustment(product, staff):
    movement = set_stock(product, 4, actor=staff)

    assert (movement.change, movement.reason) == (-6, MovementReason.ADJUSTMENT)


def test_set_stock_to_the_same_value_writes_nothing(product, staff):
    assert set_stock(product, 10, actor=staff) is None
    assert InventoryMovement.objects.filter(product=product).count() == 1


def test_set_stock_counts_from_the_stock_in_the_database(product, staff, customer):
    place_order(customer, [{"product": product.pk, "quantity": 3}])
    # The instance still believes there are 10: the ledger must record 7 -> 20, not 10 -> 20.
    movement = set_stock(product, 20, actor=staff)

    assert movement.change == 13
    assert ledger_mismatches() == {}


def test_stock_equals_the_sum_of_movements_after_a_mix_of_changes(category, customer, staff):
    a = catalog.create_product(
        {"name": "A", "sku": "A-1", "price": "5.00", "category": category}, stock=20, actor=staff
    )
    b = catalog.create_product(
        {"name": "B", "sku": "B-1", "price": "7.00", "category": category}, stock=8, actor=staff
    )
    c = ProductFactory(category=category, stock=3)

    first = place_order(
        customer, [{"product": a.pk, "quantity": 5}, {"product": b.pk, "quantity": 2}]
    )
    second = place_order(
        customer, [{"product": b.pk, "quantity": 6}, {"product": c.pk, "quantity": 1}]
    )
    catalog.update_product(a, {"price": "6.00"}, stock=40, actor=staff)
    cancel_order(first, customer)
    catalog.update_product(b, {}, stock=1, actor=staff)
    adjust_stock(c, 10, reason=MovementReason.RESTOCK, actor=staff)
    transition_order(second, "paid", staff)
    cancel_order(second, staff)
    third = place_order(customer, [{"product": a.pk, "quantity": 40}])
    transition_order(third, "paid", staff)

    assert ledger_mismatches() == {}
    assert dict(Product.objects.values_list("sku", "stock")) == {
        "A-1": 5,
        "B-1": 7,
        c.sku: 13,
    }
