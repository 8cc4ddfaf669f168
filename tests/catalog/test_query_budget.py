"""Every list endpoint runs as many queries for a page of 100 as for a page of 1."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nexus_catalog.plugins.types import Adjustment
from nexus_catalog.services import audit
from nexus_catalog.services.ordering import place_order, transition_order
from tests.factories import CategoryFactory, ProductFactory
from tests.plugins_fixtures import Adjusting

pytestmark = pytest.mark.django_db

ROWS = 6


def queries_for(client, path: str, page_size: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, {"page_size": page_size})
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == min(page_size, ROWS)
    return len(captured)


def assert_constant(client, path: str, django_assert_num_queries, budget: int) -> None:
    one = queries_for(client, path, 1)
    assert one <= budget
    with django_assert_num_queries(one):
        queries_for(client, path, 100)


def test_category_list_is_constant(api_client, django_assert_num_queries):
    CategoryFactory.create_batch(ROWS)

    assert_constant(api_client, "/api/categories/", django_assert_num_queries, budget=2)


def test_product_list_is_constant(api_client, django_assert_num_queries):
    ProductFactory.create_batch(ROWS)

    # The count, the page, the images of its products.
    assert_constant(api_client, "/api/products/", django_assert_num_queries, budget=3)


def test_filtered_product_list_is_constant(api_client, django_assert_num_queries):
    category = CategoryFactory()
    ProductFactory.create_batch(ROWS, category=category)

    path = f"/api/products/?category={category.pk}&search=Product&in_stock=true"
    one = queries_for(api_client, path, 1)
    with django_assert_num_queries(one):
        queries_for(api_client, path, 100)


@pytest.fixture
def orders(register_plugin, customer):
    register_plugin(Adjusting(Adjustment("ship", "Shipping", Decimal("5.00"))), "shipping")
    products = ProductFactory.create_batch(2, stock=100)
    return [
        place_order(customer, [{"product": p.pk, "quantity": 1} for p in products])
        for _ in range(ROWS)
    ]


def test_order_list_is_constant(auth_client, customer, orders, django_assert_num_queries):
    assert_constant(auth_client(customer), "/api/orders/", django_assert_num_queries, budget=4)


def test_staff_order_list_is_constant(auth_client, staff, orders, django_assert_num_queries):
    assert_constant(auth_client(staff), "/api/orders/", django_assert_num_queries, budget=4)


def test_order_audit_list_is_constant(auth_client, staff, pending_order, django_assert_num_queries):
    for target in ("paid", "shipped", "delivered"):
        transition_order(pending_order, target, staff)
    # created + 3 transitions, and more rows up to ROWS
    for n in range(ROWS - 4):
        audit.record("order.noted", pending_order, actor=staff, after={"n": n})

    path = f"/api/orders/{pending_order.pk}/audit/"
    assert_constant(auth_client(staff), path, django_assert_num_queries, budget=5)
