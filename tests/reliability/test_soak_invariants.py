"""The soak test's invariant checker (``benchmarks/soak/invariants.py``) finds what it must."""

from __future__ import annotations

import pytest
from django.db.models import F

from benchmarks.soak.invariants import check
from nexus_catalog.models import AuditLog, Product
from nexus_catalog.services.ordering import cancel_order, place_order, transition_order
from tests.factories import CategoryFactory, ProductFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    """Two products of 10 units, four orders: pending, cancelled, paid, shipped."""
    category = CategoryFactory()
    products = [ProductFactory(category=category, stock=10) for _ in range(2)]
    customer, staff = UserFactory(), StaffUserFactory()
    orders = [
        place_order(customer, [{"product": p.pk, "quantity": 2} for p in products])
        for _ in range(4)
    ]
    cancel_order(orders[1], customer)
    transition_order(orders[2], "paid", staff)
    for status in ("paid", "shipped"):
        transition_order(orders[3], status, staff)
    return {"starting": {p.pk: 10 for p in products}, "products": products, "orders": orders}


def test_consistent_shop_has_no_violation(shop):
    report = check(shop["starting"])

    assert report.violations == 0
    assert (report.orders, report.units_on_open_orders) == (4, 12)
    assert report.orders_by_status == {"pending": 1, "cancelled": 1, "paid": 1, "shipped": 1}


def test_lost_unit_breaks_the_stock_and_the_ledger_invariants(shop):
    lost = shop["products"][0]
    Product.objects.filter(pk=lost.pk).update(stock=F("stock") - 1)

    report = check(shop["starting"])

    assert set(report.stock_mismatches) == {lost.pk}
    assert set(report.ledger_mismatches) == {lost.pk}


def test_order_without_its_created_row_is_reported(shop):
    order = shop["orders"][0]
    AuditLog.objects.filter(object_id=str(order.pk), action="order.created").delete()

    assert check(shop["starting"]).orders_without_created_audit == [order.pk]


def test_status_change_without_its_audit_row_is_reported(shop):
    order = shop["orders"][3]
    AuditLog.objects.filter(object_id=str(order.pk), action="order.transitioned").delete()

    assert check(shop["starting"]).orders_without_status_audit == [order.pk]


def test_order_total_that_does_not_add_up_is_reported(shop):
    order = shop["orders"][0]
    type(order).objects.filter(pk=order.pk).update(total=F("total") + 1)

    assert check(shop["starting"]).orders_with_wrong_totals == [order.pk]
