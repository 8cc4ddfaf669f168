"""Real threads against PostgreSQL: the stock guarantees hold per variant."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nexus_catalog.exceptions import OrderValidationError
from nexus_catalog.models import Order, Product
from nexus_catalog.services import catalog
from nexus_catalog.services.ordering import place_order
from tests.catalog.conftest import ledger_mismatches
from tests.catalog.test_concurrency import run_together
from tests.factories import ParentProductFactory, UserFactory, VariantFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_racing_orders_sell_each_variant_exactly_its_stock():
    shirt = ParentProductFactory()
    medium = VariantFactory(parent=shirt, stock=5, option_values={"size": "M", "colour": "red"})
    large = VariantFactory(parent=shirt, stock=3, option_values={"size": "L", "colour": "red"})
    customers = UserFactory.create_batch(20)

    results = run_together(
        [
            (
                lambda c=c, v=(medium if i % 2 else large): place_order(
                    c, [{"product": v.pk, "quantity": 1}]
                )
            )
            for i, c in enumerate(customers)
        ]
    )

    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, OrderValidationError)]
    assert (len(placed), len(refused)) == (8, 12)
    stocks = dict(Product.objects.filter(parent=shirt).values_list("pk", "stock"))
    assert stocks == {medium.pk: 0, large.pk: 0}
    assert Product.objects.get(pk=shirt.pk).stock == 0
    assert ledger_mismatches() == {}


def test_variants_repriced_at_once_leave_the_parent_the_lowest_price():
    # Each write refreshes the parent's "from" price under the parent's lock, so the last
    # to commit sees the other's price: never the price of the one that wrote last.
    staff = UserFactory(is_staff=True)
    shirt = ParentProductFactory(price=Decimal("50.00"))
    sizes = ["S", "M", "L", "XL", "XXL", "3XL"]
    variants = [
        VariantFactory(
            parent=shirt, price=Decimal("50.00"), option_values={"size": s, "colour": "red"}
        )
        for s in sizes
    ]
    new_prices = [Decimal(f"{10 + 7 * n}.00") for n in range(len(variants))]

    results = run_together(
        [
            (lambda v=v, p=p: catalog.update_product(v, {"price": p}, actor=staff))
            for v, p in zip(variants, new_prices, strict=True)
        ]
    )

    assert all(isinstance(r, Product) for r in results), results
    assert Product.objects.get(pk=shirt.pk).price == min(new_prices)
