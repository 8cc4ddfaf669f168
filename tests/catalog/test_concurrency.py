"""Real threads against PostgreSQL: no oversell, no deadlock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from nexus_catalog.exceptions import OrderValidationError
from nexus_catalog.models import Order, Product
from nexus_catalog.services import catalog
from nexus_catalog.services.ordering import cancel_order, place_order
from tests.catalog.conftest import ledger_mismatches
from tests.factories import CategoryFactory, ProductFactory, StaffUserFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(tasks: list[Callable[[], Any]]) -> list[Any]:
    """Run every task in its own thread, all released at once; each result or exception."""
    barrier = threading.Barrier(len(tasks))

    def run(task: Callable[[], Any]) -> Any:
        try:
            barrier.wait(timeout=30)
            return task()
        except Exception as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        return list(pool.map(run, tasks))


def test_forty_orders_of_one_unit_against_stock_ten_sell_exactly_ten():
    product = ProductFactory(stock=10)
    customers = UserFactory.create_batch(40)

    results = run_together(
        [(lambda c=c: place_order(c, [{"product": product.pk, "quantity": 1}])) for c in customers]
    )

    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, OrderValidationError)]
    assert (len(placed), len(refused)) == (10, 30)
    assert Product.objects.get(pk=product.pk).stock == 0
    assert Order.objects.count() == 10
    assert ledger_mismatches() == {}


def test_orders_taking_the_same_products_in_opposite_order_do_not_deadlock():
    category = CategoryFactory()
    a = ProductFactory(category=category, stock=1000)
    b = ProductFactory(category=category, stock=1000)
    customer = UserFactory()
    forward = [{"product": a.pk, "quantity": 1}, {"product": b.pk, "quantity": 1}]
    backward = list(reversed(forward))

    results = run_together(
        [
            (lambda items=(forward if n % 2 else backward): place_order(customer, items))
            for n in range(30)
        ]
    )

    assert [r for r in results if not isinstance(r, Order)] == []
    assert Product.objects.get(pk=a.pk).stock == Product.objects.get(pk=b.pk).stock == 970


def test_cancels_and_staff_edits_racing_orders_keep_the_ledger():
    category = CategoryFactory()
    a = ProductFactory(category=category, stock=50)
    b = ProductFactory(category=category, stock=50)
    staff = StaffUserFactory()
    customer = UserFactory()
    existing = [
        place_order(customer, [{"product": b.pk, "quantity": 2}, {"product": a.pk, "quantity": 2}])
        for _ in range(5)
    ]
    tasks: list[Callable[[], Any]] = []
    for n in range(10):
        tasks.append(
            lambda: place_order(
                customer, [{"product": a.pk, "quantity": 1}, {"product": b.pk, "quantity": 1}]
            )
        )
        if n < 5:
            tasks.append(lambda o=existing[n]: cancel_order(o, customer))
        tasks.append(lambda n=n: catalog.update_product(a, {}, stock=60 + n, actor=staff))

    results = run_together(tasks)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert ledger_mismatches() == {}
