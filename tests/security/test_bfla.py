"""OWASP API5, broken function level authorisation: the staff functions (catalog writes,
the status changes only staff may make) are a 403 for a customer and a 401 for an
anonymous caller, and change nothing."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from nexus_catalog.models import AuditLog, Category, InventoryMovement, OrderStatus, Product
from nexus_catalog.services.ordering import transition_order

pytestmark = pytest.mark.django_db


def catalog_writes(category, product) -> list[tuple[str, str, dict | None]]:
    return [
        ("post", "/api/categories/", {"name": "Hijacked"}),
        ("put", f"/api/categories/{category.pk}/", {"name": "Hijacked"}),
        ("patch", f"/api/categories/{category.pk}/", {"name": "Hijacked"}),
        ("delete", f"/api/categories/{category.pk}/", None),
        (
            "post",
            "/api/products/",
            {"name": "Free", "sku": "FREE-1", "price": "0.00", "category": category.pk},
        ),
        (
            "put",
            f"/api/products/{product.pk}/",
            {"name": "Free", "sku": "FREE-1", "price": "0.00", "category": category.pk},
        ),
        ("patch", f"/api/products/{product.pk}/", {"price": "0.01"}),
        ("patch", f"/api/products/{product.pk}/", {"stock": 100000}),
        ("delete", f"/api/products/{product.pk}/", None),
    ]


WRITE_IDS = [
    "POST categories",
    "PUT category",
    "PATCH category",
    "DELETE category",
    "POST products",
    "PUT product",
    "PATCH product price",
    "PATCH product stock",
    "DELETE product",
]


def catalog_state() -> tuple:
    return (
        list(Category.objects.values_list("pk", "name")),
        list(Product.objects.values_list("pk", "name", "price", "stock")),
        InventoryMovement.objects.count(),
        AuditLog.objects.count(),
    )


@pytest.mark.parametrize("index", range(len(WRITE_IDS)), ids=WRITE_IDS)
def test_customer_on_a_staff_catalog_write_is_403(client_for, customer, category, product, index):
    method, url, body = catalog_writes(category, product)[index]
    before = catalog_state()

    response = getattr(client_for(customer), method)(url, body, format="json")

    assert response.status_code == 403
    assert catalog_state() == before


@pytest.mark.parametrize("index", range(len(WRITE_IDS)), ids=WRITE_IDS)
def test_anonymous_on_a_staff_catalog_write_is_401(api_client, category, product, index):
    method, url, body = catalog_writes(category, product)[index]
    before = catalog_state()

    response = getattr(api_client, method)(url, body, format="json")

    assert response.status_code == 401
    assert catalog_state() == before


def test_staff_may_make_the_catalog_writes(client_for, staff, category):
    response = client_for(staff).post("/api/categories/", {"name": "New"}, format="json")

    assert response.status_code == 201


# (status the order is brought to by staff first, the status the customer then asks for)
STAFF_ONLY_MOVES = [
    (OrderStatus.PENDING, OrderStatus.PAID),
    (OrderStatus.PAID, OrderStatus.SHIPPED),
    (OrderStatus.PAID, OrderStatus.CANCELLED),
    (OrderStatus.SHIPPED, OrderStatus.DELIVERED),
]
PATH_TO = {
    OrderStatus.PENDING: [],
    OrderStatus.PAID: [OrderStatus.PAID],
    OrderStatus.SHIPPED: [OrderStatus.PAID, OrderStatus.SHIPPED],
}


def bring_to(order, status, staff) -> None:
    for step in PATH_TO[status]:
        transition_order(order, step, staff)


def order_state(order, product) -> tuple:
    order.refresh_from_db()
    product.refresh_from_db()
    return order.status, product.stock, InventoryMovement.objects.count(), AuditLog.objects.count()


@pytest.mark.parametrize(("source", "target"), STAFF_ONLY_MOVES)
def test_customer_making_a_staff_transition_is_403(
    client_for, customer, staff, order, product, source, target
):
    bring_to(order, source, staff)
    before = order_state(order, product)

    response = client_for(customer).post(
        f"/api/orders/{order.pk}/transition/", {"status": target}, format="json"
    )

    assert response.status_code == 403
    assert "status" in response.json()
    assert order_state(order, product) == before


@pytest.mark.parametrize(("source", "target"), STAFF_ONLY_MOVES)
def test_customer_patching_a_staff_status_is_403(
    client_for, customer, staff, order, product, source, target
):
    bring_to(order, source, staff)
    before = order_state(order, product)

    response = client_for(customer).patch(
        f"/api/orders/{order.pk}/", {"status": target}, format="json"
    )

    assert response.status_code == 403
    assert order_state(order, product) == before


def test_customer_deleting_a_paid_order_is_403(client_for, customer, staff, order, product):
    bring_to(order, OrderStatus.PAID, staff)
    before = order_state(order, product)

    response = client_for(customer).delete(f"/api/orders/{order.pk}/")

    assert response.status_code == 403
    assert order_state(order, product) == before


def test_customer_may_cancel_their_pending_order(client_for, customer, order):
    response = client_for(customer).post(
        f"/api/orders/{order.pk}/transition/", {"status": "cancelled"}, format="json"
    )

    assert (response.status_code, response.json()["status"]) == (200, OrderStatus.CANCELLED)


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_on_orders_is_401(method):
    response = getattr(APIClient(), method)("/api/orders/", {}, format="json")

    assert response.status_code == 401
