"""Placing an order writes through the ORM on every database: the rows, their ids, the
signals and the statements it costs are the same on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from nexus_catalog.exceptions import OrderValidationError
from nexus_catalog.models import AuditLog, InventoryMovement, Order, OrderLine, Product
from nexus_catalog.models.inventory import MovementReason
from nexus_catalog.plugins.hookspecs import hookimpl
from nexus_catalog.plugins.types import Adjustment
from nexus_catalog.services import inventory
from nexus_catalog.services.audit import AuditContext
from nexus_catalog.services.ordering import place_order
from tests.catalog.conftest import ledger_mismatches
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


class Shipping:
    @hookimpl
    def nexus_order_adjustments(self, order, lines, user):
        return [Adjustment("ship", "Shipping", Decimal("4.99"))]


def test_an_order_writes_its_lines_adjustments_ledger_and_audit_row(
    customer, category, register_plugin
):
    register_plugin(Shipping(), "shipping")
    mug = ProductFactory(category=category, price="12.50", stock=10)
    cup = ProductFactory(category=category, price="3.00", stock=10)
    items = [{"product": cup.pk, "quantity": 2}, {"product": mug.pk, "quantity": 1}]
    context = AuditContext(request_id="req-1", ip_address="10.0.0.1")

    order = place_order(customer, items, note="door", context=context)

    order = Order.objects.get(pk=order.pk)
    assert (order.subtotal, order.total, order.note) == (Decimal("18.50"), Decimal("23.49"), "door")
    assert list(order.lines.order_by("id").values_list("product", "quantity", "line_total")) == [
        (cup.pk, 2, Decimal("6.00")),
        (mug.pk, 1, Decimal("12.50")),
    ]
    assert list(order.adjustments.values_list("code", "amount", "source")) == [
        ("ship", Decimal("4.99"), "shipping")
    ]
    movements = InventoryMovement.objects.filter(order_line__order=order)
    assert sorted((m.product_id, m.change, m.reason, m.actor_id) for m in movements) == sorted(
        [
            (cup.pk, -2, MovementReason.ORDER, customer.pk),
            (mug.pk, -1, MovementReason.ORDER, customer.pk),
        ]
    )
    log = AuditLog.objects.get(action="order.created")
    assert (log.object_id, log.request_id, log.ip_address) == (str(order.pk), "req-1", "10.0.0.1")
    assert log.after["total"] == "23.49"
    assert dict(Product.objects.filter(pk__in=[mug.pk, cup.pk]).values_list("pk", "stock")) == {
        mug.pk: 9,
        cup.pk: 8,
    }
    assert ledger_mismatches() == {}


def test_the_returned_order_and_its_rows_carry_their_ids(customer, category):
    mug = ProductFactory(category=category, stock=5)
    cup = ProductFactory(category=category, stock=5)

    order = place_order(
        customer, [{"product": mug.pk, "quantity": 1}, {"product": cup.pk, "quantity": 2}]
    )

    assert order.pk is not None and not order._state.adding
    lines = list(order.lines.all())
    assert all(line.pk and line.order_id == order.pk for line in lines)
    assert sorted(
        InventoryMovement.objects.filter(order_line__order=order).values_list(
            "order_line", flat=True
        )
    ) == sorted(line.pk for line in lines)


def test_each_further_product_costs_one_statement(customer, category):
    products = ProductFactory.create_batch(3, category=category, stock=10)

    def statements_for(count: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            place_order(customer, [{"product": p.pk, "quantity": 1} for p in products[:count]])
        return len(captured)

    one, three = statements_for(1), statements_for(3)

    # One UPDATE ... RETURNING per product; the order, its lines, their ledger rows and
    # the audit row are one INSERT each, whatever the number of lines.
    assert three - one == 2


def test_an_order_of_one_product_is_one_update_and_four_inserts(
    customer, product, django_assert_num_queries
):
    # The test's transaction turns place_order's into a savepoint: 2 more statements.
    with django_assert_num_queries(2 + 1 + 4):
        place_order(customer, [{"product": product.pk, "quantity": 1}])


def test_adjustments_add_one_insert(customer, product, register_plugin, django_assert_num_queries):
    register_plugin(Shipping(), "shipping")

    with django_assert_num_queries(2 + 1 + 5):
        place_order(customer, [{"product": product.pk, "quantity": 1}])


def test_post_save_is_sent_for_the_order_and_its_audit_row(customer, product):
    saved = []

    def receiver(sender, instance, created, **kwargs):
        saved.append((sender, created))

    post_save.connect(receiver, sender=Order)
    post_save.connect(receiver, sender=AuditLog)
    try:
        place_order(customer, [{"product": product.pk, "quantity": 1}])
    finally:
        post_save.disconnect(receiver, sender=Order)
        post_save.disconnect(receiver, sender=AuditLog)

    assert saved == [(Order, True), (AuditLog, True)]


def test_the_adjustment_plugins_get_the_order_before_it_is_saved(
    customer, product, register_plugin
):
    seen = []

    class Watcher:
        @hookimpl
        def nexus_order_adjustments(self, order, lines, user):
            seen.append((order.pk, order.subtotal, order.user_id))

    register_plugin(Watcher(), "watcher")
    place_order(customer, [{"product": product.pk, "quantity": 2}])

    assert seen == [(None, Decimal("20.00"), customer.pk)]


def test_a_shortage_seen_only_by_the_update_is_still_refused(customer, product, monkeypatch):
    # The UPDATE found too little stock, but by the time the rows are read again to explain
    # why, it is back (a restock committed in between): the order is refused all the same.
    monkeypatch.setattr(inventory, "take_stock", lambda *args, **kwargs: None)

    with pytest.raises(OrderValidationError) as excinfo:
        place_order(customer, [{"product": product.pk, "quantity": 1}])

    assert excinfo.value.errors == {"items": {0: {"quantity": ["Not enough stock for 1 units."]}}}
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0
    product.refresh_from_db()
    assert product.stock == 10


def test_pricing_hooks_see_the_stock_before_the_order(customer, product, register_plugin):
    seen = []

    class Watcher:
        @hookimpl
        def nexus_unit_price(self, product, quantity, user):
            seen.append((product.stock, product.price, product.is_active))

    register_plugin(Watcher(), "watcher")
    place_order(customer, [{"product": product.pk, "quantity": 3}])

    # Typed as the ORM reads them on every database (SQLite stores decimals and booleans
    # as numbers).
    [(stock, price, active)] = seen
    assert (stock, price, active) == (10, Decimal("10.00"), True)
    assert type(price) is Decimal and active is True
    product.refresh_from_db()
    assert product.stock == 7


@pytest.mark.parametrize(
    ("change", "quantity"), [({"is_active": False}, 1), ({"stock": 2}, 3), ({}, 11)]
)
def test_take_stock_takes_nothing_from_an_inactive_or_short_product(product, change, quantity):
    Product.objects.filter(pk=product.pk).update(**change)
    before = Product.objects.get(pk=product.pk).stock

    assert inventory.take_stock(product.pk, quantity, fields=("stock",), using="default") is None

    assert Product.objects.get(pk=product.pk).stock == before


def test_take_stock_takes_the_units_and_answers_the_stock_before(product):
    taken = inventory.take_stock(product.pk, 4, fields=("stock", "name"), using="default")

    assert (taken.pk, taken.stock, taken.name) == (product.pk, 10, product.name)
    assert Product.objects.get(pk=product.pk).stock == 6
