"""OWASP API3, broken object property level authorisation: every read-only field is ignored
on create and update, and no internal field appears in any response."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from nexus_catalog.models import Order, OrderStatus, Product
from tests.accounts.conftest import STRONG_PASSWORD

pytestmark = pytest.mark.django_db

PAST = "2001-01-01T00:00:00Z"

# Columns and attributes that must never leave the server, whoever asks.
INTERNAL_FIELDS = {
    "password",
    "is_superuser",
    "is_staff",
    "last_login",
    "groups",
    "user_permissions",
    "actor_id",
    "object_type",
    "object_id",
    "delivered_at",
    "delivery_attempts",
    "fingerprint",
    "scope",
    "order_line",
}


def keys_in(data: Any) -> set[str]:
    """Every key of every object in a JSON document."""
    if isinstance(data, dict):
        return set(data) | {k for value in data.values() for k in keys_in(value)}
    if isinstance(data, list):
        return {k for item in data for k in keys_in(item)}
    return set()


# -- catalog ---------------------------------------------------------------------------------


def test_read_only_fields_are_ignored_when_staff_creates_a_product(client_for, staff, category):
    response = client_for(staff).post(
        "/api/products/",
        {
            "id": 999,
            "name": "Kettle",
            "slug": "chosen-slug",
            "sku": "KET-1",
            "price": "20.00",
            "category": category.pk,
            "created_at": PAST,
            "updated_at": PAST,
        },
        format="json",
    )

    assert response.status_code == 201
    product = Product.objects.get(sku="KET-1")
    assert (product.pk, product.slug) != (999, "chosen-slug")
    assert product.slug == "kettle"
    assert product.created_at.year > 2001 and product.updated_at.year > 2001


def test_read_only_fields_are_ignored_when_staff_updates_a_product(client_for, staff, product):
    before = Product.objects.get(pk=product.pk)

    response = client_for(staff).patch(
        f"/api/products/{product.pk}/",
        {"id": 999, "slug": "chosen-slug", "created_at": PAST, "name": "Renamed"},
        format="json",
    )

    assert response.status_code == 200
    after = Product.objects.get(pk=product.pk)
    assert (after.name, after.slug, after.created_at) == ("Renamed", before.slug, before.created_at)
    assert not Product.objects.filter(pk=999).exists()


def test_read_only_fields_are_ignored_on_a_category(client_for, staff, category):
    client = client_for(staff)

    created = client.post(
        "/api/categories/",
        {"id": 999, "name": "Garden", "slug": "chosen", "created_at": PAST},
        format="json",
    )
    updated = client.patch(
        f"/api/categories/{category.pk}/", {"slug": "chosen", "created_at": PAST}, format="json"
    )

    assert (created.status_code, updated.status_code) == (201, 200)
    assert created.json()["id"] != 999
    assert "chosen" not in (created.json()["slug"], updated.json()["slug"])
    assert updated.json()["created_at"] != PAST


# -- orders ----------------------------------------------------------------------------------

FORGED_ORDER_FIELDS = {
    "id": 999,
    "status": "paid",
    "currency": "XTS",
    "subtotal": "0.01",
    "total": "0.00",
    "created_at": PAST,
    "lines": [{"product": 1, "unit_price": "0.01", "quantity": 1, "line_total": "0.01"}],
    "adjustments": [{"code": "free", "label": "Free", "amount": "-1000.00"}],
}


def test_server_computes_everything_a_client_forges_on_an_order(
    client_for, customer, intruder, product
):
    response = client_for(customer).post(
        "/api/orders/",
        {
            **FORGED_ORDER_FIELDS,
            "user": intruder.pk,
            "items": [{"product": product.pk, "quantity": 3, "unit_price": "0.01"}],
        },
        format="json",
    )

    assert response.status_code == 201
    order = Order.objects.get(pk=response.json()["id"])
    assert order.pk != 999
    assert order.user == customer
    assert (order.status, order.currency) == (OrderStatus.PENDING, "USD")
    assert (order.subtotal, order.total) == (Decimal("30.00"), Decimal("30.00"))
    assert [(line.unit_price, line.quantity) for line in order.lines.all()] == [
        (Decimal("10.00"), 3)
    ]
    assert not order.adjustments.exists()


def test_update_ignores_the_order_fields_a_client_may_not_change(
    client_for, customer, intruder, order
):
    before = Order.objects.get(pk=order.pk)
    forged = {key: value for key, value in FORGED_ORDER_FIELDS.items() if key != "status"}

    response = client_for(customer).put(
        f"/api/orders/{order.pk}/",
        {**forged, "user": intruder.pk, "note": "leave at the door"},
        format="json",
    )

    assert response.status_code == 200
    after = Order.objects.get(pk=order.pk)
    assert after.note == "leave at the door"
    assert (after.user_id, after.currency, after.subtotal, after.total, after.created_at) == (
        before.user_id,
        before.currency,
        before.subtotal,
        before.total,
        before.created_at,
    )
    assert after.lines.count() == 1


# -- accounts --------------------------------------------------------------------------------


def test_register_ignores_privilege_fields():
    response = APIClient().post(
        "/api/auth/register/",
        {
            "username": "mallory",
            "email": "mallory@example.com",
            "password": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
            "is_staff": True,
            "is_superuser": True,
            "is_active": False,
            "id": 999,
            "date_joined": PAST,
        },
        format="json",
    )

    assert response.status_code == 201
    user = get_user_model().objects.get(username="mallory")
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)
    assert user.pk != 999
    assert user.date_joined.year > 2001


def test_profile_update_ignores_privilege_and_read_only_fields(client_for, customer):
    response = client_for(customer).patch(
        "/api/auth/me/",
        {
            "first_name": "Ann",
            "is_staff": True,
            "is_superuser": True,
            "username": "root",
            "id": 999,
            "date_joined": PAST,
            "password": "pwned-password-1",
        },
        format="json",
    )

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.first_name == "Ann"
    assert (customer.is_staff, customer.is_superuser, customer.username) == (
        False,
        False,
        response.json()["username"],
    )
    assert customer.username != "root"
    assert not customer.check_password("pwned-password-1")


# -- no internal field in any response -------------------------------------------------------


def responses_of_every_endpoint(client_for, customer, staff, order, product) -> dict[str, Any]:
    client, admin, anonymous = client_for(customer), client_for(staff), APIClient()
    registered = anonymous.post(
        "/api/auth/register/",
        {
            "username": "newcomer",
            "email": "newcomer@example.com",
            "password": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
        },
        format="json",
    )
    return {
        "products": anonymous.get("/api/products/"),
        "product": anonymous.get(f"/api/products/{product.pk}/"),
        "categories": anonymous.get("/api/categories/"),
        "orders": client.get("/api/orders/"),
        "order": client.get(f"/api/orders/{order.pk}/"),
        "audit (customer)": client.get(f"/api/orders/{order.pk}/audit/"),
        "audit (staff)": admin.get(f"/api/orders/{order.pk}/audit/"),
        "staff products": admin.get("/api/products/"),
        "me": client.get("/api/auth/me/"),
        "staff me": admin.get("/api/auth/me/"),
        "register": registered,
        "login": anonymous.post(
            "/api/auth/login/",
            {"username": "newcomer", "password": STRONG_PASSWORD},
            format="json",
        ),
        "created order": client.post(
            "/api/orders/", {"items": [{"product": product.pk, "quantity": 1}]}, format="json"
        ),
        "transition": admin.post(
            f"/api/orders/{order.pk}/transition/", {"status": "paid"}, format="json"
        ),
    }


def test_no_response_carries_an_internal_field(client_for, customer, staff, order, product):
    responses = responses_of_every_endpoint(client_for, customer, staff, order, product)

    assert {name: r.status_code for name, r in responses.items() if r.status_code >= 300} == {}
    leaks = {name: keys_in(r.json()) & INTERNAL_FIELDS for name, r in responses.items()}
    assert {name: found for name, found in leaks.items() if found} == {}


def test_customer_does_not_see_the_ip_address_on_the_audit_trail(client_for, customer, order):
    response = client_for(customer).get(f"/api/orders/{order.pk}/audit/")

    assert "ip_address" not in keys_in(response.json())


def test_password_is_never_echoed_by_register():
    response = APIClient().post(
        "/api/auth/register/",
        {
            "username": "echo",
            "email": "echo@example.com",
            "password": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
        },
        format="json",
    )

    assert STRONG_PASSWORD.encode() not in response.content
