"""OWASP API1, broken object level authorisation: another customer's order does not exist
for the intruder, whatever the method, and nothing about it changes."""

from __future__ import annotations

import pytest

from nexus_catalog.models import AuditLog, InventoryMovement, OrderStatus

pytestmark = pytest.mark.django_db

# Every operation on one order: (method, path suffix, body).
ORDER_OPERATIONS = [
    ("get", "", None),
    ("put", "", {"note": "mine now", "shipping_address": "elsewhere"}),
    ("patch", "", {"note": "mine now"}),
    ("patch", "", {"status": "cancelled"}),
    ("delete", "", None),
    ("post", "transition/", {"status": "cancelled"}),
    ("get", "audit/", None),
]
OPERATION_IDS = [f"{m.upper()} {s or 'detail'} {b or ''}".strip() for m, s, b in ORDER_OPERATIONS]


def order_url(order, suffix: str = "") -> str:
    return f"/api/orders/{order.pk}/{suffix}"


def state(order, product) -> tuple:
    """Everything an intruder's request could change."""
    order.refresh_from_db()
    product.refresh_from_db()
    return (
        order.status,
        order.note,
        order.shipping_address,
        product.stock,
        InventoryMovement.objects.count(),
        AuditLog.objects.count(),
    )


@pytest.mark.parametrize(("method", "suffix", "body"), ORDER_OPERATIONS, ids=OPERATION_IDS)
def test_other_customers_order_is_404_on_every_method(
    client_for, intruder, order, product, method, suffix, body
):
    before = state(order, product)

    response = getattr(client_for(intruder), method)(order_url(order, suffix), body, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "No Order matches the given query."}
    assert state(order, product) == before


@pytest.mark.parametrize(("method", "suffix", "body"), ORDER_OPERATIONS, ids=OPERATION_IDS)
def test_other_customers_order_is_404_with_an_idempotency_key_too(
    client_for, intruder, order, product, method, suffix, body
):
    before = state(order, product)

    response = getattr(client_for(intruder), method)(
        order_url(order, suffix), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert response.status_code == 404
    assert state(order, product) == before


def test_the_404_of_a_foreign_order_equals_that_of_a_missing_one(client_for, intruder, order):
    client = client_for(intruder)

    foreign = client.get(order_url(order))
    missing = client.get(f"/api/orders/{order.pk + 1000}/")

    assert (foreign.status_code, foreign.content) == (missing.status_code, missing.content)


def test_other_customers_orders_are_not_listed(client_for, intruder, order):
    response = client_for(intruder).get("/api/orders/")

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_owner_still_reaches_the_order(client_for, customer, order):
    response = client_for(customer).get(order_url(order, "audit/"))

    assert response.status_code == 200
    assert [row["action"] for row in response.json()["results"]] == ["order.created"]


def test_staff_reaches_any_order(client_for, staff, order):
    response = client_for(staff).post(
        order_url(order, "transition/"), {"status": "paid"}, format="json"
    )

    assert (response.status_code, response.json()["status"]) == (200, OrderStatus.PAID)


def test_intruder_reusing_the_owners_idempotency_key_gets_no_replay(
    client_for, customer, intruder, order
):
    owner_response = client_for(customer).patch(
        order_url(order), {"note": "owner's note"}, format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    intruder_response = client_for(intruder).patch(
        order_url(order), {"note": "owner's note"}, format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )

    assert owner_response.status_code == 200
    assert intruder_response.status_code == 404
    assert "Idempotent-Replayed" not in intruder_response
    assert b"owner's note" not in intruder_response.content
