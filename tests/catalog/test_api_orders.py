"""/api/orders/: placing, reading, changing, cancelling, transitions and the audit trail."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nexus_catalog.models import AuditLog, Order, OrderStatus, Product
from nexus_catalog.services.ordering import transition_order
from tests.factories import ProductFactory
from tests.plugins_fixtures import Refusing, Vetoing

pytestmark = pytest.mark.django_db

ORDERS = "/api/orders/"


def detail(order) -> str:
    return f"{ORDERS}{order.pk}/"


def place(client, *items, **extra):
    return client.post(ORDERS, {"items": list(items), **extra}, format="json")


def stock_of(product) -> int:
    return Product.objects.get(pk=product.pk).stock


# -- placing -------------------------------------------------------------------------------


def test_customer_places_an_order(auth_client, customer, product):
    response = place(
        auth_client(customer),
        {"product": product.pk, "quantity": 3},
        note="Gift",
        shipping_address="1 Main St",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    order = Order.objects.get()
    assert body == {
        "id": order.pk,
        "user": customer.pk,
        "status": "pending",
        "currency": "USD",
        "subtotal": "30.00",
        "total": "30.00",
        "note": "Gift",
        "shipping_address": "1 Main St",
        "email": "",
        "shipping_method": "",
        "shipping_postal_address": None,
        "billing_postal_address": None,
        "lines": [
            {
                "id": order.lines.get().pk,
                "product": product.pk,
                "product_name": product.name,
                "product_sku": product.sku,
                "unit_price": "10.00",
                "quantity": 3,
                "line_total": "30.00",
            }
        ],
        "adjustments": [],
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert stock_of(product) == 7


def test_anonymous_cannot_place_an_order(api_client, product):
    response = place(api_client, {"product": product.pk, "quantity": 1})

    assert response.status_code == 401
    assert not Order.objects.exists()


def test_client_sent_prices_totals_status_and_user_are_ignored(
    auth_client, customer, other_customer, product
):
    response = auth_client(customer).post(
        ORDERS,
        {
            "items": [{"product": product.pk, "quantity": 1, "unit_price": "0.01"}],
            "subtotal": "0.01",
            "total": "0.01",
            "status": "paid",
            "user": other_customer.pk,
            "currency": "XXX",
        },
        format="json",
    )

    assert response.status_code == 201
    order = Order.objects.get()
    assert (order.user, order.status, order.total, order.currency) == (
        customer,
        OrderStatus.PENDING,
        Decimal("10.00"),
        "USD",
    )
    assert order.lines.get().unit_price == Decimal("10.00")


def test_empty_order_is_a_400(auth_client, customer):
    response = place(auth_client(customer))

    assert response.status_code == 400
    assert response.json() == {"items": ["An order needs at least one item."]}


def test_missing_items_is_a_400(auth_client, customer):
    response = auth_client(customer).post(ORDERS, {"note": "hi"}, format="json")

    assert response.status_code == 400
    assert "items" in response.json()


@pytest.mark.parametrize("quantity", [0, -2, "many", None])
def test_bad_quantity_is_a_400_naming_the_item(auth_client, customer, product, quantity):
    response = place(auth_client(customer), {"product": product.pk, "quantity": quantity})

    assert response.status_code == 400
    assert list(response.json()["items"]["0"]) == ["quantity"]
    assert stock_of(product) == 10


def test_quantity_over_stock_is_a_400(auth_client, customer, product):
    response = place(auth_client(customer), {"product": product.pk, "quantity": 11})

    assert response.status_code == 400
    assert response.json() == {
        "items": {"0": {"quantity": [f"Only 10 of {product.name} left in stock."]}}
    }
    assert not Order.objects.exists()


def test_unknown_product_is_a_400(auth_client, customer):
    response = place(auth_client(customer), {"product": 987654, "quantity": 1})

    assert response.status_code == 400
    assert list(response.json()["items"]["0"]) == ["product"]


def test_inactive_product_is_a_400(auth_client, customer, category):
    hidden = ProductFactory(category=category, is_active=False)

    response = place(auth_client(customer), {"product": hidden.pk, "quantity": 1})

    assert response.status_code == 400
    assert list(response.json()["items"]["0"]) == ["product"]


def test_impossible_second_line_is_a_400_and_takes_nothing(auth_client, customer, category):
    first = ProductFactory(category=category, stock=5)
    second = ProductFactory(category=category, stock=1)

    response = place(
        auth_client(customer),
        {"product": first.pk, "quantity": 2},
        {"product": second.pk, "quantity": 2},
    )

    assert response.status_code == 400
    assert list(response.json()["items"]) == ["1"]
    assert (stock_of(first), stock_of(second)) == (5, 1)
    assert not Order.objects.exists()


def test_refused_order_is_a_400_with_the_reason(register_plugin, auth_client, customer, product):
    register_plugin(Refusing(), "closed")

    response = place(auth_client(customer), {"product": product.pk, "quantity": 1})

    assert response.status_code == 400
    assert response.json() == {"items": [Refusing.message]}
    assert stock_of(product) == 10


# -- reading -------------------------------------------------------------------------------


def test_customer_lists_only_their_own_orders(
    auth_client, customer, other_customer, product, pending_order
):
    place(auth_client(other_customer), {"product": product.pk, "quantity": 1})

    body = auth_client(customer).get(ORDERS).json()

    assert [o["id"] for o in body["results"]] == [pending_order.pk]


def test_staff_list_every_order(auth_client, staff, other_customer, product, pending_order):
    place(auth_client(other_customer), {"product": product.pk, "quantity": 1})

    assert auth_client(staff).get(ORDERS).json()["count"] == 2


def test_anonymous_cannot_list_orders(api_client):
    assert api_client.get(ORDERS).status_code == 401


@pytest.mark.parametrize(
    ("method", "path_suffix", "body"),
    [
        ("get", "", None),
        ("patch", "", {"note": "mine"}),
        ("put", "", {"note": "mine"}),
        ("delete", "", None),
        ("post", "transition/", {"status": "cancelled"}),
        ("get", "audit/", None),
    ],
)
def test_other_users_order_is_404(
    auth_client, other_customer, pending_order, method, path_suffix, body
):
    client = auth_client(other_customer)

    response = getattr(client, method)(f"{detail(pending_order)}{path_suffix}", body, format="json")

    assert response.status_code == 404
    assert "detail" in response.json()
    pending_order.refresh_from_db()
    assert (pending_order.status, pending_order.note) == (OrderStatus.PENDING, "")


def test_price_change_does_not_change_an_existing_order_in_the_api(
    auth_client, customer, staff, pending_order, product
):
    auth_client(staff).patch(f"/api/products/{product.pk}/", {"price": "50.00"}, format="json")

    body = auth_client(customer).get(detail(pending_order)).json()

    assert (body["lines"][0]["unit_price"], body["total"]) == ("10.00", "20.00")


# -- changing ------------------------------------------------------------------------------


def test_patch_changes_note_and_address_while_pending(auth_client, customer, pending_order):
    response = auth_client(customer).patch(
        detail(pending_order), {"note": "Back door", "shipping_address": "3 Elm"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["note"], response.json()["shipping_address"]) == ("Back door", "3 Elm")


def test_patch_ignores_user_prices_and_totals(auth_client, customer, other_customer, pending_order):
    response = auth_client(customer).patch(
        detail(pending_order),
        {"user": other_customer.pk, "total": "0.00", "subtotal": "0.00", "currency": "EUR"},
        format="json",
    )

    assert response.status_code == 200
    pending_order.refresh_from_db()
    assert (pending_order.user, pending_order.total, pending_order.currency) == (
        customer,
        Decimal("20.00"),
        "USD",
    )


def test_patch_of_note_on_a_paid_order_is_a_400(auth_client, customer, staff, pending_order):
    transition_order(pending_order, "paid", staff)

    response = auth_client(customer).patch(detail(pending_order), {"note": "x"}, format="json")

    assert response.status_code == 400
    assert "note" in response.json()


def test_patch_of_status_follows_the_state_machine(auth_client, customer, staff, pending_order):
    refused = auth_client(customer).patch(detail(pending_order), {"status": "paid"}, format="json")
    accepted = auth_client(staff).patch(detail(pending_order), {"status": "paid"}, format="json")

    assert refused.status_code == 403
    assert "status" in refused.json()
    assert (accepted.status_code, accepted.json()["status"]) == (200, "paid")


def test_put_of_an_unknown_status_is_a_400(auth_client, staff, pending_order):
    response = auth_client(staff).put(detail(pending_order), {"status": "lost"}, format="json")

    assert response.status_code == 400
    assert "status" in response.json()


def test_too_long_note_is_a_400(auth_client, customer, pending_order):
    response = auth_client(customer).patch(
        detail(pending_order), {"note": "x" * 2001}, format="json"
    )

    assert response.status_code == 400
    assert "note" in response.json()


# -- cancelling and transitions ------------------------------------------------------------


def test_delete_cancels_returns_stock_and_answers_204(
    auth_client, customer, pending_order, product
):
    response = auth_client(customer).delete(detail(pending_order))

    assert response.status_code == 204
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.CANCELLED
    assert stock_of(product) == 10
    assert auth_client(customer).get(detail(pending_order)).json()["status"] == "cancelled"


def test_delete_of_a_cancelled_order_changes_nothing(auth_client, customer, pending_order, product):
    auth_client(customer).delete(detail(pending_order))

    response = auth_client(customer).delete(detail(pending_order))

    assert response.status_code == 204
    assert stock_of(product) == 10
    assert AuditLog.objects.filter(action="order.transitioned").count() == 1


def test_delete_of_a_shipped_order_is_a_400(auth_client, staff, pending_order):
    transition_order(pending_order, "paid", staff)
    transition_order(pending_order, "shipped", staff)

    response = auth_client(staff).delete(detail(pending_order))

    assert response.status_code == 400
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.SHIPPED


def test_staff_moves_an_order_along(auth_client, staff, pending_order):
    client = auth_client(staff)
    for target in ("paid", "shipped", "delivered"):
        response = client.post(f"{detail(pending_order)}transition/", {"status": target})
        assert (response.status_code, response.json()["status"]) == (200, target)


def test_illegal_transition_is_a_400(auth_client, staff, pending_order):
    response = auth_client(staff).post(
        f"{detail(pending_order)}transition/", {"status": "delivered"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"status": ["An order cannot go from pending to delivered."]}


def test_owner_may_not_mark_paid(auth_client, customer, pending_order):
    response = auth_client(customer).post(
        f"{detail(pending_order)}transition/", {"status": "paid"}, format="json"
    )

    assert response.status_code == 403
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PENDING


def test_vetoed_transition_is_a_400_and_leaves_the_order(
    register_plugin, auth_client, staff, pending_order
):
    register_plugin(Vetoing(), "frozen")

    response = auth_client(staff).post(
        f"{detail(pending_order)}transition/", {"status": "paid"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": Vetoing.message}
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PENDING


def test_audit_trail_of_an_order(auth_client, customer, staff, pending_order):
    auth_client(staff).post(f"{detail(pending_order)}transition/", {"status": "paid"})

    body = auth_client(customer).get(f"{detail(pending_order)}audit/").json()

    assert [e["action"] for e in body["results"]] == ["order.created", "order.transitioned"]
    assert body["results"][1]["actor"] == staff.username
    assert "ip_address" not in body["results"][1]


def test_staff_see_the_ip_address_in_the_audit_trail(auth_client, staff, pending_order):
    auth_client(staff).post(
        f"{detail(pending_order)}transition/", {"status": "paid"}, REMOTE_ADDR="192.0.2.1"
    )

    body = auth_client(staff).get(f"{detail(pending_order)}audit/").json()

    assert body["results"][1]["ip_address"] == "192.0.2.1"
