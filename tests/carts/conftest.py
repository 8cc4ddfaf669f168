"""Fixtures of the cart tests: a shelf, an address, a shipping method and vouchers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nexus_catalog.models import ShippingMethod, Voucher, VoucherKind
from tests.factories import ProductFactory

CARTS = "/api/carts/"

ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
}


@pytest.fixture
def tea(category):
    return ProductFactory(category=category, name="Tea", price=Decimal("4.50"), stock=20)


@pytest.fixture
def pot(category):
    return ProductFactory(category=category, name="Pot", price=Decimal("20.00"), stock=5)


@pytest.fixture
def standard(db):
    return ShippingMethod.objects.create(
        code="standard", name="Standard", price=Decimal("5.00"), free_over=Decimal("50.00")
    )


@pytest.fixture
def ten_off(db):
    return Voucher.objects.create(code="TENOFF", kind=VoucherKind.PERCENT, value=Decimal("10"))


def cart_url(token: str, *rest: str) -> str:
    return CARTS + token + "/" + "".join(f"{part}/" for part in rest)


def new_cart(client) -> str:
    response = client.post(CARTS, {}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["token"]


def add(client, token: str, product, quantity: int = 1):
    return client.post(
        cart_url(token, "lines"), {"product": product.pk, "quantity": quantity}, format="json"
    )


def ready_cart(client, *lines, **details) -> str:
    """A cart with ``lines`` ((product, quantity) pairs), an e-mail and an address."""
    token = new_cart(client)
    for product, quantity in lines:
        assert add(client, token, product, quantity).status_code == 201
    body = {"email": "ada@example.com", "shipping_address": ADDRESS, **details}
    response = client.patch(cart_url(token), body, format="json")
    assert response.status_code == 200, response.content
    return token
