"""Fixtures of the catalog tests: products, orders, and plugins registered for one test."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from nexus_catalog.models import InventoryMovement, Product
from nexus_catalog.services.ordering import place_order
from tests.factories import ProductFactory, UserFactory


@pytest.fixture
def other_customer(db):
    return UserFactory()


@pytest.fixture
def product(category):
    return ProductFactory(category=category, price="10.00", stock=10)


@pytest.fixture
def pending_order(customer, product):
    return place_order(customer, [{"product": product.pk, "quantity": 2}])


def ledger_mismatches() -> dict[int, tuple[int, int]]:
    """``{product id: (stock, sum of movements)}`` for every product where they differ."""
    sums = dict(
        InventoryMovement.objects.values("product")
        .annotate(total=Sum("change"))
        .values_list("product", "total")
    )
    return {
        pk: (stock, sums.get(pk, 0))
        for pk, stock in Product.objects.values_list("pk", "stock")
        if stock != sums.get(pk, 0)
    }
