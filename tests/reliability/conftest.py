"""Fixtures of the fault tests: a customer, two products, plugins registered for one test."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from nexus_catalog.models import (
    AuditLog,
    IdempotencyRecord,
    InventoryMovement,
    Order,
    OrderAdjustment,
    OrderLine,
    Product,
)
from tests.factories import CategoryFactory, ProductFactory


@pytest.fixture
def customer_client(customer) -> APIClient:
    """A client that gets the error response rather than the exception, with a real JWT."""
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(customer)}")
    return client


@pytest.fixture
def products(db) -> list[Product]:
    category = CategoryFactory()
    return [ProductFactory(category=category, stock=10, price="5.00") for _ in range(2)]


@pytest.fixture
def two_line_order(products) -> dict[str, Any]:
    return {"items": [{"product": p.pk, "quantity": 3} for p in products]}


def footprint() -> dict[str, Any]:
    """Every row an order writes, and every product's stock."""
    return {
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
        "adjustments": OrderAdjustment.objects.count(),
        "movements": InventoryMovement.objects.count(),
        "audit": AuditLog.objects.count(),
        "idempotency": IdempotencyRecord.objects.count(),
        "stock": sorted(Product.objects.values_list("pk", "stock")),
    }
