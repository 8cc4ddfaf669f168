"""The API, driven through bravado (a third-party validating Swagger 2.0 client), agrees with
its own ``/swagger.json``: every request is built and validated from the schema, and every
response, errors included, must have its status documented for the operation and a body
valid against the documented schema. A disagreement fails the test.

One flow per role, as a client generated from the schema would run it: a customer
registers, logs in, edits their profile, browses the catalog with its filters, places an
order (and replays it), reads, edits, cancels and audits orders, refreshes and logs out; staff
move an order along the state machine, read its audit trail and edit the catalog.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from bravado.client import SwaggerClient
from bravado.exception import HTTPError

from tests.factories import TEST_PASSWORD, CategoryFactory, ProductFactory, StaffUserFactory

PASSWORD = "a-long-and-uncommon-passphrase-7"


@dataclass
class Caller:
    """Calls operations of the schema as one client: ``caller("orders.orders_create",
    201, data={...})``; the result is the unmarshalled body (None when there is none)."""

    client: SwaggerClient
    token: str | None = None
    last: Any = field(default=None, repr=False)

    def __call__(self, operation_id: str, expect: int, **params: Any) -> Any:
        tag, name = operation_id.split(".")
        operation = getattr(getattr(self.client, tag), name)
        options = {"headers": {"Authorization": f"Bearer {self.token}"}} if self.token else {}
        try:
            result, response = operation(**params, _request_options=options).result()
        except HTTPError as error:
            # A 4xx documented for the operation: bravado validated its body first.
            result, response = error.swagger_result, error.response
        self.last = response
        assert response.status_code == expect, (operation_id, response.status_code, response.text)
        documented = operation.operation.op_spec["responses"]
        assert str(response.status_code) in documented, (operation_id, response.status_code)
        return result

    def sign_in(self, username: str, password: str = TEST_PASSWORD) -> Caller:
        """A caller with the access token that logging ``username`` in through the schema's
        login operation returns."""
        pair = self(
            "auth.auth_login_create", 200, data={"username": username, "password": password}
        )
        return Caller(self.client, pair["access"])


@pytest.fixture
def shelf(db):
    """A category with a product in stock and one sold out."""
    tea = CategoryFactory(name="Tea")
    return {
        "category": tea,
        "green": ProductFactory(name="Green tea", price=Decimal("4.50"), stock=20, category=tea),
        "black": ProductFactory(name="Black tea", price=Decimal("3.00"), stock=0, category=tea),
    }


def key() -> str:
    return str(uuid.uuid4())


def test_customer_flow_agrees_with_the_schema(api, shelf):
    anonymous = Caller(api)
    registered = anonymous(
        "auth.auth_register_create",
        201,
        data={
            "username": "ada",
            "email": "ada@example.com",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert registered["username"] == "ada"
    pair = anonymous("auth.auth_login_create", 200, data={"username": "ada", "password": PASSWORD})
    ada = Caller(api, pair["access"])

    # Profile: read, then a partial update of one field.
    assert ada("auth.auth_me_read", 200)["email"] == "ada@example.com"
    assert ada("auth.auth_me_partial_update", 200, data={"first_name": "Ada"})["first_name"] == (
        "Ada"
    )

    # Catalog reads are open; a bad token is a 401 there too.
    categories = anonymous("categories.categories_list", 200)
    assert [c["name"] for c in categories["results"]] == ["Tea"]
    tea = shelf["category"].pk
    assert anonymous("categories.categories_read", 200, id=tea)["name"] == "Tea"
    Caller(api, "not-a-token")("categories.categories_list", 401)
    Caller(api, "not-a-token")("products.products_read", 401, id=shelf["green"].pk)

    listed = ada(
        "products.products_list",
        200,
        category=tea,
        min_price="1.00",
        max_price="10",
        search="tea",
        in_stock=True,
        ordering="-price",
        page="1",
        page_size=10,
    )
    assert [p["name"] for p in listed["results"]] == ["Green tea"]
    sold_out = anonymous("products.products_list", 200, in_stock=False, page="last")
    assert [p["name"] for p in sold_out["results"]] == ["Black tea"]
    paged = anonymous("products.products_list", 200, ordering="name", page_size=1)
    assert paged["count"] == 2 and paged["next"] and paged["previous"] is None
    anonymous("products.products_list", 404, page="9")
    green = anonymous("products.products_read", 200, id=shelf["green"].pk)
    assert green["stock"] == 20

    # Place an order; a retry with the same key replays it; another body with it is a 422.
    first_key = key()
    body = {"items": [{"product": green["id"], "quantity": 2}], "note": "By the door"}
    order = ada("orders.orders_create", 201, data=body, **{"Idempotency-Key": first_key})
    assert order["total"] == "9.00" and order["status"] == "pending"
    replay = ada("orders.orders_create", 201, data=body, **{"Idempotency-Key": first_key})
    assert replay == order
    assert ada.last.headers["Idempotent-Replayed"] == "true"
    ada(
        "orders.orders_create",
        422,
        data={"items": [{"product": green["id"], "quantity": 1}]},
        **{"Idempotency-Key": first_key},
    )
    ada("orders.orders_create", 400, data={"items": []}, **{"Idempotency-Key": key()})

    # Read, edit, cancel by transition, audit.
    assert ada("orders.orders_read", 200, id=order["id"])["lines"][0]["quantity"] == 2
    assert ada("orders.orders_list", 200)["count"] == 1
    edited = ada("orders.orders_partial_update", 200, id=order["id"], data={"note": "Porch"})
    assert edited["note"] == "Porch"
    ada("orders.orders_update", 200, id=order["id"], data={"shipping_address": "1 Tea Lane"})
    cancelled = ada("orders.orders_transition", 200, id=order["id"], data={"status": "cancelled"})
    assert cancelled["status"] == "cancelled"
    trail = ada("orders.orders_audit", 200, id=order["id"])
    assert trail["results"][0]["action"] == "order.created"
    assert all("ip_address" not in entry for entry in trail["results"])

    # DELETE cancels a second order, which stays readable.
    second = ada(
        "orders.orders_create", 201, data={"items": [{"product": green["id"], "quantity": 1}]}
    )
    ada("orders.orders_delete", 204, id=second["id"])
    assert ada("orders.orders_read", 200, id=second["id"])["status"] == "cancelled"
    ada("orders.orders_transition", 400, id=second["id"], data={"status": "paid"})

    # Not for customers, or not for anyone without a token.
    anonymous("orders.orders_list", 401)
    ada("orders.orders_read", 404, id=second["id"] + 1000)
    ada("products.products_partial_update", 403, id=green["id"], data={"name": "Mine"})

    # Refresh rotates the pair; logout blacklists the refresh token.
    fresh = anonymous("auth.auth_refresh_create", 200, data={"refresh": pair["refresh"]})
    anonymous("auth.auth_refresh_create", 401, data={"refresh": pair["refresh"]})
    ada.token = fresh["access"]
    ada("auth.auth_logout_create", 204, data={"refresh": fresh["refresh"]})
    anonymous("auth.auth_token_refresh_create", 401, data={"refresh": fresh["refresh"]})


@pytest.mark.parametrize("reservation_minutes", [None, 15], ids=["plain", "reserving"])
def test_cart_flow_agrees_with_the_schema(api, shelf, customer, settings, reservation_minutes):
    from nexus_catalog.models import ShippingMethod, Voucher

    settings.NEXUS_CATALOG = {
        **settings.NEXUS_CATALOG,
        "CART_RESERVATION_MINUTES": reservation_minutes,
    }
    ShippingMethod.objects.create(code="post", name="Post", price=Decimal("3.00"))
    Voucher.objects.create(code="TEA10", kind="percent", value=Decimal("10"))
    anonymous = Caller(api)
    buyer = anonymous.sign_in(customer.username)
    green = shelf["green"].pk

    # A visitor collects items in an anonymous cart.
    cart = anonymous("carts.carts_create", 201, data={})
    token = cart["token"]
    assert cart["user"] is None and cart["lines"] == []
    cart = anonymous(
        "carts.carts_add_line", 201, token=token, data={"product": green, "quantity": 1}
    )
    line = cart["lines"][0]["id"]
    cart = anonymous(
        "carts.carts_lines_partial_update", 200, token=token, line_id=line, data={"quantity": 2}
    )
    assert cart["subtotal"] == "9.00"
    # A line's hold is a date-time with reservations on, null off.
    assert (cart["lines"][0]["reserved_until"] is not None) == bool(reservation_minutes)
    assert cart["lines"][0]["available"] is True
    anonymous(
        "carts.carts_add_line", 400, token=token, data={"product": shelf["black"].pk, "quantity": 1}
    )
    address = {"name": "Ada", "line1": "1 Tea Lane", "city": "Leeds", "country": "GB"}
    cart = anonymous(
        "carts.carts_partial_update",
        200,
        token=token,
        data={"email": "ada@example.com", "shipping_address": address},
    )
    assert cart["problems"] == {}
    methods = anonymous("carts.carts_shipping_methods", 200, token=token)
    assert [(m["code"], m["price"]) for m in methods] == [("post", "3.00")]
    cart = anonymous(
        "carts.carts_partial_update",
        200,
        token=token,
        data={"shipping_method": "post", "voucher": "tea10"},
    )
    anonymous("carts.carts_partial_update", 400, token=token, data={"voucher": "nope"})
    priced = anonymous("carts.carts_read", 200, token=token)
    assert priced["total"] == "11.10"  # 9.00 + 3.00 - 0.90

    # Signing in: claim, list, check out; a changed total and a second checkout are 409s.
    anonymous("carts.carts_checkout", 401, token=token, data={})
    buyer("carts.carts_claim", 200, token=token, data={})
    assert [c["token"] for c in buyer("carts.carts_list", 200)["results"]] == [token]
    changed = buyer("carts.carts_checkout", 409, token=token, data={"expected_total": "1.00"})
    assert changed["cart"]["total"] == "11.10"
    order = buyer(
        "carts.carts_checkout", 201, token=token, data={"expected_total": priced["total"]}
    )
    assert order["total"] == "11.10" and order["shipping_method"] == "post"
    assert order["shipping_postal_address"]["city"] == "Leeds"
    buyer("carts.carts_checkout", 409, token=token, data={}, **{"Idempotency-Key": key()})
    assert buyer("orders.orders_read", 200, id=order["id"]) == order
    anonymous("carts.carts_read", 404, token=token)

    # Another cart: a line removed.
    other = buyer("carts.carts_create", 201, data={})["token"]
    line = buyer("carts.carts_add_line", 201, token=other, data={"product": green, "quantity": 1})
    buyer("carts.carts_lines_delete", 204, token=other, line_id=line["lines"][0]["id"])


def test_staff_flow_agrees_with_the_schema(api, shelf, customer):
    anonymous = Caller(api)
    staff_user = StaffUserFactory()
    staff = Caller(
        api,
        anonymous(
            "auth.auth_token_create",
            200,
            data={"username": staff_user.username, "password": TEST_PASSWORD},
        )["access"],
    )
    buyer = anonymous.sign_in(customer.username)
    green = shelf["green"].pk
    order = buyer("orders.orders_create", 201, data={"items": [{"product": green, "quantity": 1}]})

    # Staff see every order and move it along the state machine.
    assert [o["id"] for o in staff("orders.orders_list", 200)["results"]] == [order["id"]]
    assert (
        staff("orders.orders_partial_update", 200, id=order["id"], data={"status": "paid"})[
            "status"
        ]
        == "paid"
    )
    shipped = staff("orders.orders_transition", 200, id=order["id"], data={"status": "shipped"})
    assert shipped["status"] == "shipped"
    staff("orders.orders_transition", 400, id=order["id"], data={"status": "pending"})
    buyer("orders.orders_transition", 403, id=order["id"], data={"status": "delivered"})
    trail = staff("orders.orders_audit", 200, id=order["id"], page_size=2)
    assert len(trail["results"]) == 2 and trail["next"]
    assert all("ip_address" in entry for entry in trail["results"])
    staff("orders.orders_delete", 400, id=order["id"])  # shipped: too late to cancel
    second = buyer("orders.orders_create", 201, data={"items": [{"product": green, "quantity": 1}]})
    staff("orders.orders_transition", 200, id=second["id"], data={"status": "paid"})
    staff("orders.orders_delete", 204, id=second["id"])  # paid: refunded and cancelled

    # Staff edit the catalog; inactive products stay visible to them only.
    herbal = staff("categories.categories_create", 201, data={"name": "Herbal"})
    staff(
        "categories.categories_partial_update",
        200,
        id=herbal["id"],
        data={"description": "Caffeine-free"},
    )
    mint = staff(
        "products.products_create",
        201,
        data={
            "name": "Mint",
            "sku": "MINT-1",
            "price": "2.50",
            "category": herbal["id"],
            "stock": 5,
        },
        **{"Idempotency-Key": key()},
    )
    assert mint["slug"] and mint["stock"] == 5
    hidden = staff(
        "products.products_partial_update", 200, id=mint["id"], data={"is_active": False}
    )
    assert hidden["is_active"] is False
    staff("products.products_read", 200, id=mint["id"])
    anonymous("products.products_read", 404, id=mint["id"])
    staff("categories.categories_delete", 409, id=herbal["id"])
    staff("products.products_delete", 204, id=mint["id"])
    staff("categories.categories_delete", 204, id=herbal["id"])

    # Staff set up shipping methods and vouchers.
    method = staff(
        "shipping_methods.shipping_methods_create",
        201,
        data={"code": "express", "name": "Express", "price": "9.90", "countries": ["GB"]},
    )
    assert anonymous("shipping_methods.shipping_methods_list", 200)["count"] == 1
    staff(
        "shipping_methods.shipping_methods_partial_update",
        200,
        id=method["id"],
        data={"free_over": "100.00"},
    )
    voucher = staff(
        "vouchers.vouchers_create", 201, data={"code": "spring", "kind": "fixed", "value": "5"}
    )
    assert voucher["code"] == "SPRING" and voucher["used_count"] == 0
    buyer("vouchers.vouchers_list", 403)
    staff("vouchers.vouchers_delete", 204, id=voucher["id"])
    staff("shipping_methods.shipping_methods_delete", 204, id=method["id"])


@pytest.fixture
def guest_checkout(settings):
    settings.NEXUS_CATALOG = {**settings.NEXUS_CATALOG, "GUEST_CHECKOUT": True}


def test_guest_flow_agrees_with_the_schema(api, shelf, customer, guest_checkout):
    anonymous = Caller(api)
    buyer = anonymous.sign_in(customer.username)
    green = shelf["green"].pk
    address = {"name": "Ada", "line1": "1 Tea Lane", "city": "Leeds", "country": "GB"}

    # A visitor fills an anonymous cart, gives an e-mail and an address, checks out.
    token = anonymous("carts.carts_create", 201, data={})["token"]
    anonymous("carts.carts_add_line", 201, token=token, data={"product": green, "quantity": 2})
    anonymous(
        "carts.carts_partial_update",
        200,
        token=token,
        data={"email": "ada@example.com", "shipping_address": address},
    )
    order = anonymous(
        "carts.carts_checkout", 201, token=token, data={}, **{"Idempotency-Key": key()}
    )
    secret = order["guest_secret"]
    assert order["user"] is None and order["email"] == "ada@example.com"
    guest = {"id": order["id"], "X-Order-Secret": secret}
    paying = {"order_id": order["id"], "X-Order-Secret": secret}

    # The secret reads that order, and nothing else.
    read = anonymous("orders.orders_read", 200, **guest)
    assert read["id"] == order["id"] and read["user"] is None and "guest_secret" not in read
    anonymous("orders.orders_read", 404, id=order["id"], **{"X-Order-Secret": "wrong"})
    anonymous("orders.orders_read", 401, id=order["id"])
    buyer("orders.orders_read", 404, id=order["id"])

    # The guest starts paying, lists the payments, and then cancels instead.
    started = anonymous("orders.orders_payments_create", 201, data={"provider": "manual"}, **paying)
    assert started["amount"] == order["total"]
    assert [p["id"] for p in anonymous("orders.orders_payments_list", 200, **paying)] == [
        started["id"]
    ]
    anonymous("orders.orders_transition", 403, data={"status": "paid"}, **guest)
    cancelled = anonymous("orders.orders_transition", 200, data={"status": "cancelled"}, **guest)
    assert cancelled["status"] == "cancelled"
    anonymous("orders.orders_delete", 204, **guest)  # already cancelled: left as it is
