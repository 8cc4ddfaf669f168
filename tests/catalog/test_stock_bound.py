"""Stock is bounded by ``MAX_STOCK``, below what the stock column holds, so that the units of
open orders can always be given back: a staff edit past it is a 400 naming ``stock``, and a
cancel whose units would overflow the column (stock written before the bound existed) is a
400 that changes nothing, never a 500."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from nexus_catalog.exceptions import OrderValidationError
from nexus_catalog.models import Order, Product
from nexus_catalog.models.inventory import MovementReason
from nexus_catalog.services import inventory
from nexus_catalog.services.ordering import place_order
from tests.catalog.conftest import ledger_mismatches

pytestmark = pytest.mark.django_db

DEFAULT_MAX_STOCK = 1_000_000_000
STOCK_COLUMN_MAX = 2_147_483_647


def product_url(product) -> str:
    return f"/api/products/{product.pk}/"


def stock_of(product) -> int:
    return Product.objects.get(pk=product.pk).stock


def test_staff_edit_past_the_bound_is_400_naming_stock(auth_client, staff, product):
    response = auth_client(staff).patch(
        product_url(product), {"stock": DEFAULT_MAX_STOCK + 1}, format="json"
    )

    assert response.status_code == 400
    assert "stock" in response.json()
    assert stock_of(product) == 10


def test_staff_edit_up_to_the_bound_is_accepted(auth_client, staff, product):
    response = auth_client(staff).patch(
        product_url(product), {"stock": DEFAULT_MAX_STOCK}, format="json"
    )

    assert response.status_code == 200
    assert stock_of(product) == DEFAULT_MAX_STOCK
    assert ledger_mismatches() == {}


def test_new_product_with_stock_past_the_bound_is_400_and_not_created(auth_client, staff, category):
    response = auth_client(staff).post(
        "/api/products/",
        {
            "name": "Bulk",
            "sku": "BULK-1",
            "price": "1.00",
            "category": category.pk,
            "stock": STOCK_COLUMN_MAX,
        },
        format="json",
    )

    assert response.status_code == 400
    assert "stock" in response.json()
    assert not Product.objects.filter(sku="BULK-1").exists()


def test_the_bound_follows_the_setting(auth_client, staff, product, settings):
    settings.NEXUS_CATALOG = {"MAX_STOCK": 50}

    response = auth_client(staff).patch(product_url(product), {"stock": 51}, format="json")

    assert response.status_code == 400
    assert "stock" in response.json()


def test_set_stock_past_the_bound_is_refused_by_the_service(product, staff):
    with pytest.raises(OrderValidationError) as refused:
        inventory.set_stock(product, DEFAULT_MAX_STOCK + 1, actor=staff)

    assert "stock" in refused.value.errors
    assert stock_of(product) == 10


def test_adjust_stock_past_the_bound_is_refused_by_the_service(product, staff):
    with pytest.raises(OrderValidationError) as refused:
        inventory.adjust_stock(
            product, DEFAULT_MAX_STOCK, reason=MovementReason.RESTOCK, actor=staff
        )

    assert "stock" in refused.value.errors
    assert stock_of(product) == 10


def test_stock_above_the_bound_may_still_be_lowered(product, staff):
    Product.objects.filter(pk=product.pk).update(stock=DEFAULT_MAX_STOCK + 10)

    inventory.adjust_stock(product, -5, reason=MovementReason.ADJUSTMENT, actor=staff)

    assert stock_of(product) == DEFAULT_MAX_STOCK + 5


def test_cancel_that_would_overflow_the_stock_column_is_400_and_changes_nothing(
    auth_client, customer, product
):
    order = place_order(customer, [{"product": product.pk, "quantity": 5}])
    # Stock written before the bound existed, as near the column's end as it gets.
    Product.objects.filter(pk=product.pk).update(stock=STOCK_COLUMN_MAX - 2)

    response = auth_client(customer).delete(f"/api/orders/{order.pk}/")

    assert response.status_code == 400
    assert "stock" in response.json()["status"][0]
    assert Order.objects.get(pk=order.pk).status == "pending"
    assert stock_of(product) == STOCK_COLUMN_MAX - 2


@pytest.mark.parametrize("max_stock", [0, STOCK_COLUMN_MAX, "many"])
def test_max_stock_without_room_for_returns_fails_the_system_check(settings, max_stock):
    settings.NEXUS_CATALOG = {"MAX_STOCK": max_stock}

    assert "nexus_catalog.E002" in {message.id for message in run_checks()}
