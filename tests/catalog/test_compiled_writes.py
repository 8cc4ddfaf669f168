"""The compiled statements of the order hot path (nexus_catalog.services.statements): on
PostgreSQL they write exactly the rows the ORM path writes, and refuse what they cannot."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from nexus_catalog.exceptions import OrderValidationError
from nexus_catalog.models import AuditLog, InventoryMovement, Order, OrderLine, Product
from nexus_catalog.plugins.hookspecs import hookimpl
from nexus_catalog.plugins.types import Adjustment
from nexus_catalog.services import inventory, statements
from nexus_catalog.services.audit import AuditContext
from nexus_catalog.services.ordering import place_order
from tests.catalog.conftest import ledger_mismatches
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


class Shipping:
    @hookimpl
    def nexus_order_adjustments(self, order, lines, user):
        return [Adjustment("ship", "Shipping", Decimal("4.99"))]


def without(row: dict, *keys: str) -> dict:
    return {k: v for k, v in row.items() if k not in keys}


def written_rows(order: Order) -> dict:
    """What placing ``order`` wrote, without ids and timestamps (they differ by nature)."""
    lines = order.lines.order_by("product_id")
    movements = InventoryMovement.objects.filter(order_line__order=order).order_by("product_id")
    audit = AuditLog.objects.get(object_type="nexus_catalog.order", object_id=str(order.pk))
    return {
        "order": without(model_to_dict(order), "id"),
        "lines": [without(model_to_dict(line), "id", "order") for line in lines],
        "adjustments": [without(model_to_dict(a), "id", "order") for a in order.adjustments.all()],
        "movements": [without(model_to_dict(m), "id", "order_line") for m in movements],
        "audit": without(
            model_to_dict(audit, exclude=["event_id"]), "id", "object_id", "delivered_at"
        ),
    }


@pytest.mark.postgres
def test_compiled_path_writes_the_rows_the_orm_path_writes(
    customer, category, monkeypatch, register_plugin
):
    register_plugin(Shipping(), "shipping")
    mug = ProductFactory(category=category, price="12.50", stock=10)
    cup = ProductFactory(category=category, price="3.00", stock=10)
    items = [{"product": cup.pk, "quantity": 2}, {"product": mug.pk, "quantity": 1}]
    context = AuditContext(request_id="req-1", ip_address="10.0.0.1")

    compiled = place_order(customer, items, note="door", context=context)
    monkeypatch.setattr(statements, "supported", lambda using, lines: False)
    orm = place_order(customer, items, note="door", context=context)

    assert written_rows(compiled) == written_rows(orm)
    assert written_rows(compiled)["order"]["total"] == Decimal("23.49")
    assert {p.pk: p.stock for p in Product.objects.filter(pk__in=[mug.pk, cup.pk])} == {
        mug.pk: 8,
        cup.pk: 6,
    }
    assert ledger_mismatches() == {}


@pytest.mark.postgres
def test_an_order_is_one_update_per_product_and_one_insert_statement(customer, category):
    mug = ProductFactory(category=category, stock=5)
    cup = ProductFactory(category=category, stock=5)
    items = [{"product": mug.pk, "quantity": 1}, {"product": cup.pk, "quantity": 2}]

    with CaptureQueriesContext(connection) as captured:
        order = place_order(customer, items)

    # (The test's own transaction turns place_order's into a savepoint.)
    verbs = [query["sql"].split()[0] for query in captured.captured_queries]
    assert [verb for verb in verbs if verb not in ("SAVEPOINT", "RELEASE")] == [
        "UPDATE",
        "UPDATE",
        "WITH",
    ]
    # Everything the statement wrote is on the instances, as after a save.
    assert order.pk and all(line.pk and line.order_id == order.pk for line in order.lines.all())
    movements = InventoryMovement.objects.filter(order_line__order=order)
    assert sorted(m.order_line_id for m in movements) == sorted(
        line.pk for line in order.lines.all()
    )
    assert AuditLog.objects.get(action="order.created").object_id == str(order.pk)


@pytest.mark.postgres
def test_an_order_over_the_line_cap_is_written_by_the_orm(customer, category, monkeypatch):
    monkeypatch.setattr(statements, "MAX_LINES", 1)
    mug = ProductFactory(category=category, stock=5)
    cup = ProductFactory(category=category, stock=5)

    items = [{"product": mug.pk, "quantity": 1}, {"product": cup.pk, "quantity": 1}]

    with CaptureQueriesContext(connection) as captured:
        order = place_order(customer, items)

    assert not any(query["sql"].startswith("WITH") for query in captured.captured_queries)
    assert order.lines.count() == 2
    assert ledger_mismatches() == {}


def test_the_statements_are_for_postgresql_and_orders_up_to_the_line_cap():
    postgres = connection.vendor == "postgresql"
    assert statements.supported("default", lines=statements.MAX_LINES) is postgres
    assert statements.supported("default", lines=statements.MAX_LINES + 1) is False


def test_insert_order_takes_one_line_per_product(customer, product):
    order = Order(user=customer, currency="USD")
    lines = [
        OrderLine(order=order, product=product, unit_price=1, quantity=1, line_total=1)
        for _ in range(2)
    ]
    movements = inventory.order_movements(lines[:1], actor=customer)

    with pytest.raises(ValueError, match="one line per product"):
        statements.insert_order(order, lines, [], movements, AuditLog(), using="default")


def test_insert_order_refuses_an_expression(customer, product):
    order = Order(user=customer, currency="USD", note=F("note"))
    lines = [OrderLine(order=order, product=product, unit_price=1, quantity=1, line_total=1)]
    movements = inventory.order_movements(lines, actor=customer)

    with pytest.raises(ValueError, match="expression"):
        statements.insert_order(order, lines, [], movements, AuditLog(), using="default")


@pytest.mark.postgres
def test_a_shortage_seen_only_by_the_update_is_still_refused(customer, product, monkeypatch):
    # The UPDATE found too little stock, but by the time the rows are read again to explain
    # why, it is back (a restock committed in between): the order is refused all the same.
    monkeypatch.setattr(inventory, "take_stock_returning", lambda *args, **kwargs: None)

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

    assert seen == [(10, Decimal("10.00"), True)]
    product.refresh_from_db()
    assert product.stock == 7
