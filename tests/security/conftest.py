"""Fixtures of the security tests: two customers, staff, a product, an order, real tokens.

Every client here sends a real JWT (``Authorization: Bearer``), so authentication runs as
it does in production (``force_authenticate`` would skip it).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from nexus_catalog.models import Order, Product
from nexus_catalog.services.ordering import place_order
from tests.factories import ProductFactory, UserFactory


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def client_for(db) -> Callable[..., APIClient]:
    """``client_for(user)``: a client that sends a fresh access token of ``user``."""

    def make(user) -> APIClient:
        client = APIClient()
        client.credentials(**bearer(str(AccessToken.for_user(user))))
        return client

    return make


@pytest.fixture
def intruder(db):
    """Another customer, who must never reach the first one's objects."""
    return UserFactory()


@pytest.fixture
def product(category) -> Product:
    return ProductFactory(category=category, price="10.00", stock=10)


@pytest.fixture
def order(customer, product) -> Order:
    return place_order(customer, [{"product": product.pk, "quantity": 2}], note="ring twice")
