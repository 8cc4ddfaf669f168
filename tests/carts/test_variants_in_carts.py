"""Carts and checkout take variants; a parent of variants is a 400, as on an order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nexus_catalog.models import Cart, CartLine, InventoryMovement, Order, Product
from tests.carts.conftest import add, cart_url, new_cart, ready_cart
from tests.catalog.conftest import ledger_mismatches
from tests.factories import ParentProductFactory, VariantFactory


@pytest.fixture
def shirt(category):
    return ParentProductFactory(category=category, name="Shirt")


@pytest.fixture
def medium(shirt):
    return VariantFactory(
        parent=shirt,
        name="Shirt M",
        price=Decimal("12.00"),
        stock=4,
        option_values={"size": "M", "colour": "red"},
    )


def test_adding_a_parent_is_400_naming_the_product(api_client, shirt, medium):
    token = new_cart(api_client)
    response = add(api_client, token, shirt)
    assert response.status_code == 400
    assert response.json() == {"product": ["Shirt has variants: order one of them."]}
    assert not CartLine.objects.exists()


def test_checkout_of_a_variant_takes_its_stock_and_writes_its_ledger(auth_client, customer, medium):
    client = auth_client(customer)
    token = ready_cart(client, (medium, 3))
    response = client.post(cart_url(token, "checkout"), {}, format="json")
    assert response.status_code == 201, response.content
    medium.refresh_from_db()
    assert medium.stock == 1
    assert InventoryMovement.objects.filter(product=medium, change=-3).count() == 1
    assert ledger_mismatches() == {}


def test_a_parent_line_that_got_in_is_refused_at_checkout(auth_client, customer, shirt, medium):
    # A line written around the service (a migration, a shell) still cannot be sold.
    client = auth_client(customer)
    token = ready_cart(client, (medium, 1))
    CartLine.objects.create(cart=Cart.objects.get(token=token), product=shirt, quantity=1)
    assert (
        "Shirt has variants: order one of them."
        in client.get(cart_url(token)).json()["problems"]["lines"]
    )
    response = client.post(cart_url(token, "checkout"), {}, format="json")
    assert response.status_code == 400
    assert not Order.objects.exists()
    assert Product.objects.get(pk=medium.pk).stock == 4
