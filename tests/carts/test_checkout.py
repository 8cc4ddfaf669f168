"""Checkout through the API: one order through place_order, the cart closed, nothing
written when refused."""

from __future__ import annotations

from decimal import Decimal

from nexus_catalog.models import (
    AuditLog,
    Cart,
    CartStatus,
    InventoryMovement,
    Order,
    Product,
    ShippingMethod,
    Voucher,
    VoucherKind,
    VoucherRedemption,
)
from nexus_catalog.plugins import hookimpl
from nexus_catalog.plugins.types import ShippingOffer
from tests.carts.conftest import ADDRESS, add, cart_url, new_cart, ready_cart
from tests.catalog.conftest import ledger_mismatches
from tests.factories import UserFactory


def checkout(client, token, **body):
    return client.post(cart_url(token, "checkout"), body, format="json")


def test_checkout_places_the_order_the_cart_showed(auth_client, customer, tea, standard, ten_off):
    client = auth_client(customer)
    token = ready_cart(client, (tea, 2), shipping_method="standard", voucher="tenoff")
    shown = client.get(cart_url(token)).json()

    response = checkout(client, token, expected_total=shown["total"])

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["total"] == shown["total"] == "13.10"  # 9.00 + 5.00 shipping - 0.90
    assert [(a["code"], a["amount"]) for a in body["adjustments"]] == [
        (a["code"], a["amount"]) for a in shown["adjustments"]
    ]
    assert body["email"] == "ada@example.com" and body["shipping_method"] == "standard"
    assert body["shipping_postal_address"]["postal_code"] == "SW1Y 4JH"
    assert body["billing_postal_address"] == body["shipping_postal_address"]
    cart = Cart.objects.get(token=token)
    assert (cart.status, cart.order_id, cart.user) == (CartStatus.CHECKED_OUT, body["id"], customer)
    assert Product.objects.get(pk=tea.pk).stock == 18
    assert ledger_mismatches() == {}
    assert AuditLog.objects.filter(action="order.created", object_id=str(body["id"])).exists()
    assert Voucher.objects.get(pk=ten_off.pk).used_count == 1


def test_order_is_readable_like_any_other(auth_client, customer, tea):
    client = auth_client(customer)
    order = checkout(client, ready_cart(client, (tea, 1))).json()
    read = client.get(f"/api/orders/{order['id']}/").json()
    assert read == order


def test_second_checkout_is_409_naming_the_order(auth_client, customer, tea):
    client = auth_client(customer)
    token = ready_cart(client, (tea, 1))
    order = checkout(client, token).json()
    again = checkout(client, token)
    assert again.status_code == 409
    assert again.json()["order"] == order["id"]
    assert Order.objects.count() == 1
    assert add(client, token, tea).status_code == 409


def test_expected_total_mismatch_is_409_with_the_fresh_cart_and_nothing_written(
    auth_client, customer, tea, ten_off
):
    client = auth_client(customer)
    token = ready_cart(client, (tea, 2), voucher="TENOFF")
    shown = client.get(cart_url(token)).json()["total"]
    tea.price = Decimal("5.00")
    tea.save()
    movements = InventoryMovement.objects.count()

    response = checkout(client, token, expected_total=shown)

    assert response.status_code == 409
    assert response.json()["cart"]["total"] == "9.00"
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=tea.pk).stock == 20
    assert InventoryMovement.objects.count() == movements
    assert Voucher.objects.get(pk=ten_off.pk).used_count == 0
    assert not VoucherRedemption.objects.exists()
    assert Cart.objects.get(token=token).status == CartStatus.OPEN
    assert checkout(client, token, expected_total="9.00").status_code == 201


def test_anonymous_checkout_is_refused_without_guest_checkout(api_client, tea):
    token = ready_cart(api_client, (tea, 1))
    assert checkout(api_client, token).status_code == 401
    assert Order.objects.count() == 0


def test_signed_in_checkout_of_an_anonymous_cart_makes_it_theirs(
    api_client, auth_client, customer, tea
):
    token = ready_cart(api_client, (tea, 1))
    response = checkout(auth_client(customer), token)
    assert response.status_code == 201 and response.json()["user"] == customer.pk


def test_empty_cart_or_missing_details_are_400(auth_client, customer, tea):
    client = auth_client(customer)
    empty = new_cart(client)
    response = checkout(client, empty)
    assert response.status_code == 400 and set(response.json()) == {"lines", "shipping_address"}


def test_line_gone_out_of_stock_is_400_on_lines_and_nothing_written(
    auth_client, customer, tea, pot
):
    client = auth_client(customer)
    token = ready_cart(client, (tea, 1), (pot, 3))
    Product.objects.filter(pk=pot.pk).update(stock=2)
    response = checkout(client, token)
    assert response.status_code == 400
    assert response.json() == {"lines": {"1": {"quantity": ["Only 2 of Pot left in stock."]}}}
    assert Product.objects.get(pk=tea.pk).stock == 20 and Order.objects.count() == 0


def test_post_orders_still_places_orders(auth_client, customer, tea):
    response = auth_client(customer).post(
        "/api/orders/", {"items": [{"product": tea.pk, "quantity": 1}]}, format="json"
    )
    assert response.status_code == 201 and response.json()["shipping_postal_address"] is None


# -- shipping ------------------------------------------------------------------------------


def test_shipping_methods_for_the_cart_address_plus_plugin_offers(
    api_client, tea, standard, register_plugin
):
    ShippingMethod.objects.create(code="fr-only", name="France", price=1, countries=["FR"])

    class Carrier:
        @hookimpl
        def nexus_shipping_methods(self, cart, address):
            return [ShippingOffer(code="courier", name="Courier", price=Decimal("12.00"))]

    register_plugin(Carrier(), "carrier")
    token = ready_cart(api_client, (tea, 2))
    body = api_client.get(cart_url(token, "shipping-methods")).json()
    assert [(m["code"], m["price"]) for m in body] == [("standard", "5.00"), ("courier", "12.00")]
    chosen = api_client.patch(cart_url(token), {"shipping_method": "courier"}, format="json")
    assert [(a["code"], a["amount"], a["source"]) for a in chosen.json()["adjustments"]] == [
        ("shipping", "12.00", "nexus.shipping")
    ]


def test_a_failing_carrier_plugin_is_left_out(api_client, tea, standard, register_plugin):
    class Broken:
        @hookimpl
        def nexus_shipping_methods(self, cart, address):
            raise RuntimeError("carrier down")

    register_plugin(Broken(), "broken")
    token = ready_cart(api_client, (tea, 1))
    assert [m["code"] for m in api_client.get(cart_url(token, "shipping-methods")).json()] == [
        "standard"
    ]


def test_method_not_serving_the_address_is_400(api_client, tea):
    ShippingMethod.objects.create(code="fr-only", name="France", price=1, countries=["FR"])
    token = ready_cart(api_client, (tea, 1))
    response = api_client.patch(cart_url(token), {"shipping_method": "fr-only"}, format="json")
    assert response.status_code == 400 and "shipping_method" in response.json()


def test_shipping_is_free_over_its_threshold(api_client, pot, standard):
    token = ready_cart(api_client, (pot, 3), shipping_method="standard")
    body = api_client.get(cart_url(token)).json()
    assert body["adjustments"][0]["amount"] == "0.00" and body["total"] == "60.00"


# -- vouchers ------------------------------------------------------------------------------


def test_voucher_code_is_case_insensitive(api_client, tea, ten_off):
    token = ready_cart(api_client, (tea, 2))
    body = api_client.patch(cart_url(token), {"voucher": "tenOff"}, format="json").json()
    assert body["voucher"] == "TENOFF"
    assert [(a["code"], a["amount"]) for a in body["adjustments"]] == [("voucher", "-0.90")]


def test_voucher_that_does_not_apply_is_400_saying_why(api_client, tea, db):
    Voucher.objects.create(code="BIG", kind=VoucherKind.FIXED, value=5, min_subtotal=100)
    Voucher.objects.create(code="GONE", kind=VoucherKind.FIXED, value=5, max_uses=1, used_count=1)
    token = ready_cart(api_client, (tea, 1))
    patch = lambda code: api_client.patch(cart_url(token), {"voucher": code}, format="json")  # noqa: E731
    assert patch("nope").json() == {"voucher": ['No voucher has the code "nope".']}
    assert "at least 100.00" in patch("big").json()["voucher"][0]
    assert patch("gone").json() == {"voucher": ["The voucher GONE has been used up."]}


def test_free_shipping_voucher_takes_off_the_shipping(api_client, tea, standard):
    Voucher.objects.create(code="SHIPFREE", kind=VoucherKind.FREE_SHIPPING)
    token = ready_cart(api_client, (tea, 1), shipping_method="standard", voucher="shipfree")
    assert api_client.get(cart_url(token)).json()["total"] == "4.50"


def test_per_customer_limit_is_enforced_at_checkout(auth_client, customer, tea):
    Voucher.objects.create(code="ONCE", kind=VoucherKind.FIXED, value=1, max_uses_per_customer=1)
    client = auth_client(customer)
    first = ready_cart(client, (tea, 1), voucher="once")
    second = ready_cart(client, (tea, 1), voucher="once")
    assert checkout(client, first).status_code == 201
    response = checkout(client, second)
    assert response.status_code == 400 and "already used" in response.json()["voucher"][0]
    other = auth_client(UserFactory())
    assert checkout(other, ready_cart(other, (tea, 1), voucher="once")).status_code == 201


def test_staff_manage_vouchers_and_codes_are_unique_whatever_the_case(auth_client, staff, customer):
    client = auth_client(staff)
    created = client.post(
        "/api/vouchers/", {"code": "spring", "kind": "percent", "value": "15"}, format="json"
    )
    assert created.status_code == 201 and created.json()["code"] == "SPRING"
    duplicate = client.post("/api/vouchers/", {"code": "Spring", "kind": "fixed"}, format="json")
    assert duplicate.status_code == 400 and "code" in duplicate.json()
    assert auth_client(customer).get("/api/vouchers/").status_code == 403


def test_shipping_methods_read_by_anyone_written_by_staff(api_client, auth_client, staff, standard):
    assert [m["code"] for m in api_client.get("/api/shipping-methods/").json()["results"]] == [
        "standard"
    ]
    body = {"code": "express", "name": "Express", "price": "9.90", "countries": ["gb"]}
    assert api_client.post("/api/shipping-methods/", body, format="json").status_code in (401, 403)
    created = auth_client(staff).post("/api/shipping-methods/", body, format="json")
    assert created.status_code == 201 and created.json()["countries"] == ["GB"]
    assert ADDRESS["country"] == "GB"
