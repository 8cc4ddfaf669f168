"""Cart reservations (``CART_RESERVATION_MINUTES``): what a line holds, what it blocks, what
frees it, what customers and staff see; and, off, nothing changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from nexus_catalog.models import Cart, CartLine, CartStatus, Order, Product
from nexus_catalog.services import carts, checkout
from tests.carts.conftest import ADDRESS, add, cart_url, new_cart, ready_cart
from tests.catalog.conftest import ledger_mismatches
from tests.factories import ParentProductFactory, ProductFactory, UserFactory, VariantFactory

MINUTES = 15


@pytest.fixture
def reservations(settings):
    settings.NEXUS_CATALOG = {**settings.NEXUS_CATALOG, "CART_RESERVATION_MINUTES": MINUTES}


def expire(token: str) -> None:
    """Time passes: every hold of the cart ends."""
    past = timezone.now() - timedelta(seconds=1)
    CartLine.objects.filter(cart__token=token).update(reserved_until=past)


def lines_of(token: str) -> list[tuple[int, int]]:
    return list(CartLine.objects.filter(cart__token=token).values_list("product_id", "quantity"))


def place(client, product, quantity: int):
    items = [{"product": product.pk, "quantity": quantity}]
    return client.post("/api/orders/", {"items": items}, format="json")


# -- what a hold blocks -----------------------------------------------------------------------


def test_a_hold_blocks_another_cart_with_a_400_naming_quantity(reservations, api_client, pot):
    holder, other = new_cart(api_client), new_cart(api_client)
    assert add(api_client, holder, pot, 4).status_code == 201

    refused = add(api_client, other, pot, 2)

    assert refused.status_code == 400
    assert refused.json() == {"quantity": ["Only 1 of Pot left in stock."]}
    assert lines_of(other) == []
    assert add(api_client, other, pot, 1).status_code == 201


def test_raising_a_line_past_what_others_hold_is_refused_and_writes_nothing(
    reservations, api_client, pot
):
    holder, other = new_cart(api_client), new_cart(api_client)
    add(api_client, holder, pot, 3)
    line = add(api_client, other, pot, 1).json()["lines"][0]

    response = api_client.patch(
        cart_url(other, "lines", str(line["id"])), {"quantity": 3}, format="json"
    )

    assert response.status_code == 400 and list(response.json()) == ["quantity"]
    assert lines_of(other) == [(pot.pk, 1)]


def test_adding_to_ones_own_line_counts_its_own_hold_once(reservations, api_client, pot):
    token = new_cart(api_client)
    add(api_client, token, pot, 3)

    assert add(api_client, token, pot, 2).status_code == 201
    assert lines_of(token) == [(pot.pk, 5)]
    assert add(api_client, token, pot, 1).status_code == 400


def test_post_orders_cannot_take_held_units(reservations, api_client, auth_client, customer, pot):
    add(api_client, new_cart(api_client), pot, 4)
    client = auth_client(customer)

    refused = place(client, pot, 2)

    assert refused.status_code == 400
    assert refused.json() == {"items": {"0": {"quantity": ["Only 1 of Pot left in stock."]}}}
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=pot.pk).stock == 5
    assert place(client, pot, 1).status_code == 201
    assert Product.objects.get(pk=pot.pk).stock == 4
    assert ledger_mismatches() == {}


# -- checkout ---------------------------------------------------------------------------------


def test_own_hold_allows_checkout_of_every_held_unit(reservations, auth_client, customer, pot):
    client = auth_client(customer)
    token = ready_cart(client, (pot, 5))

    response = client.post(cart_url(token, "checkout"), {}, format="json")

    assert response.status_code == 201, response.content
    assert Product.objects.get(pk=pot.pk).stock == 0
    assert ledger_mismatches() == {}


def test_checkout_leaves_what_other_carts_hold(reservations, api_client, auth_client, pot):
    add(api_client, new_cart(api_client), pot, 3)
    client = auth_client(UserFactory())
    token = ready_cart(client, (pot, 2))
    # The units held by the first cart are still held: the second checks out its own two.
    assert client.post(cart_url(token, "checkout"), {}, format="json").status_code == 201
    assert Product.objects.get(pk=pot.pk).stock == 3


def test_a_closed_cart_holds_nothing(reservations, api_client, auth_client, customer, pot):
    client = auth_client(customer)
    token = ready_cart(client, (pot, 2))
    client.post(cart_url(token, "checkout"), {}, format="json")

    # Its line still has a future reserved_until: the closed cart holds nothing all the same.
    assert CartLine.objects.get(cart__token=token).reserved_until > timezone.now()
    assert add(api_client, new_cart(api_client), pot, 3).status_code == 201
    assert api_client.get(cart_url(token)).status_code == 404  # owned: no peeking
    assert client.get(cart_url(token)).json()["lines"][0]["reserved_until"] is None


def test_expired_own_line_checks_out_when_the_units_are_free(
    reservations, auth_client, customer, pot
):
    client = auth_client(customer)
    token = ready_cart(client, (pot, 2))
    expire(token)

    assert client.post(cart_url(token, "checkout"), {}, format="json").status_code == 201
    assert Product.objects.get(pk=pot.pk).stock == 3


# -- what frees a hold ------------------------------------------------------------------------


def test_expiry_frees_the_units_and_the_late_cart_is_refused_at_checkout(
    reservations, api_client, auth_client, customer, pot
):
    client = auth_client(customer)
    late = ready_cart(client, (pot, 5))
    other = new_cart(api_client)
    assert add(api_client, other, pot, 1).status_code == 400

    expire(late)

    assert add(api_client, other, pot, 5).status_code == 201
    shown = client.get(cart_url(late)).json()
    assert [(line["available"], line["reserved_until"]) for line in shown["lines"]] == [
        (False, None)
    ]
    assert shown["problems"]["lines"] == ["Only 0 of Pot left in stock."]
    refused = client.post(cart_url(late, "checkout"), {}, format="json")
    assert refused.status_code == 400 and "lines" in refused.json()
    assert Order.objects.count() == 0
    assert Cart.objects.get(token=late).status == CartStatus.OPEN


def test_removing_a_line_frees_its_units_at_once(reservations, api_client, pot):
    holder, other = new_cart(api_client), new_cart(api_client)
    line = add(api_client, holder, pot, 5).json()["lines"][0]

    assert api_client.delete(cart_url(holder, "lines", str(line["id"]))).status_code == 204

    assert add(api_client, other, pot, 5).status_code == 201


def test_lowering_a_line_frees_the_units_it_no_longer_holds(reservations, api_client, pot):
    holder, other = new_cart(api_client), new_cart(api_client)
    line = add(api_client, holder, pot, 5).json()["lines"][0]

    api_client.patch(cart_url(holder, "lines", str(line["id"])), {"quantity": 2}, format="json")

    assert add(api_client, other, pot, 3).status_code == 201
    assert add(api_client, other, pot, 1).status_code == 400


def test_changing_a_line_renews_its_hold(reservations, api_client, pot):
    token = new_cart(api_client)
    line = add(api_client, token, pot, 1).json()["lines"][0]
    expire(token)

    body = api_client.patch(
        cart_url(token, "lines", str(line["id"])), {"quantity": 2}, format="json"
    ).json()

    until = parse_datetime(body["lines"][0]["reserved_until"])
    assert timezone.now() + timedelta(minutes=MINUTES - 1) < until
    assert until <= timezone.now() + timedelta(minutes=MINUTES)


def test_a_claim_never_grows_a_hold(reservations, api_client, auth_client, customer, pot):
    client = auth_client(customer)
    mine, older = new_cart(client), new_cart(client)
    add(client, mine, pot, 2)
    add(client, older, pot, 1)
    expire(older)

    carts.claim(mine, customer)

    # The merged line of 3 holds nothing: one of its units was not held before the claim.
    assert lines_of(mine) == [(pot.pk, 3)]
    assert client.get(cart_url(mine)).json()["lines"][0]["reserved_until"] is None
    assert add(api_client, new_cart(api_client), pot, 5).status_code == 201


def test_a_claim_keeps_the_holds_of_lines_it_merges(reservations, api_client, auth_client, pot):
    customer = UserFactory()
    client = auth_client(customer)
    mine, older = new_cart(client), new_cart(client)
    add(client, mine, pot, 2)
    add(client, older, pot, 1)

    carts.claim(mine, customer)

    assert lines_of(mine) == [(pot.pk, 3)]
    assert add(api_client, new_cart(api_client), pot, 3).status_code == 400
    assert add(api_client, new_cart(api_client), pot, 2).status_code == 201


# -- what is shown ----------------------------------------------------------------------------


def test_cart_lines_show_until_when_they_hold(reservations, api_client, pot):
    token = new_cart(api_client)
    before = timezone.now()

    line = add(api_client, token, pot, 2).json()["lines"][0]

    until = parse_datetime(line["reserved_until"])
    assert (
        before + timedelta(minutes=MINUTES) <= until <= timezone.now() + timedelta(minutes=MINUTES)
    )
    assert line["available"] is True


def test_customers_are_shown_the_units_not_held(reservations, api_client, auth_client, staff, pot):
    add(api_client, new_cart(api_client), pot, 4)

    assert api_client.get(f"/api/products/{pot.pk}/").json()["stock"] == 1
    listed = api_client.get("/api/products/").json()["results"]
    assert [p["stock"] for p in listed if p["id"] == pot.pk] == [1]
    assert auth_client(staff).get(f"/api/products/{pot.pk}/").json()["stock"] == 5


def test_in_stock_leaves_out_products_whose_units_are_all_held(reservations, api_client, tea, pot):
    add(api_client, new_cart(api_client), pot, 5)

    def names(in_stock: str) -> list[str]:
        found = api_client.get("/api/products/", {"in_stock": in_stock}).json()["results"]
        return sorted(p["name"] for p in found)

    assert names("true") == ["Tea"]
    assert names("false") == ["Pot"]
    expire(CartLine.objects.get(product=pot).cart.token)
    assert names("true") == ["Pot", "Tea"]


def test_a_parent_whose_variants_are_all_held_is_not_in_stock(
    reservations, api_client, auth_client, staff, category
):
    shirt = ParentProductFactory(category=category, name="Shirt")
    small = VariantFactory(parent=shirt, stock=2, option_values={"size": "S", "colour": "red"})
    large = VariantFactory(parent=shirt, stock=0, option_values={"size": "L", "colour": "red"})
    add(api_client, new_cart(api_client), small, 2)

    def shown(client, **params) -> dict:
        found = client.get("/api/products/", params).json()["results"]
        return {p["name"]: p for p in found}

    parent = shown(api_client)["Shirt"]
    assert parent["in_stock"] is False
    assert {v["id"]: v["stock"] for v in parent["variants"]} == {small.pk: 0, large.pk: 0}
    assert "Shirt" not in shown(api_client, in_stock="true")
    assert "Shirt" in shown(api_client, in_stock="false")
    # Staff see the stock column, which holds never change.
    staff_view = shown(auth_client(staff))["Shirt"]
    assert {v["id"]: v["stock"] for v in staff_view["variants"]}[small.pk] == 2

    expire(CartLine.objects.get(product=small).cart.token)
    assert shown(api_client)["Shirt"]["in_stock"] is True
    assert "Shirt" in shown(api_client, in_stock="true")


def test_available_stock_is_never_below_zero(reservations, api_client, pot):
    add(api_client, new_cart(api_client), pot, 5)
    Product.objects.filter(pk=pot.pk).update(stock=2)  # staff lowered it under the hold

    assert api_client.get(f"/api/products/{pot.pk}/").json()["stock"] == 0


# -- off: nothing changes ---------------------------------------------------------------------


def test_off_nothing_is_held(api_client, pot):
    first, second = new_cart(api_client), new_cart(api_client)
    assert add(api_client, first, pot, 5).status_code == 201

    line = add(api_client, second, pot, 5).json()["lines"][0]

    assert line["reserved_until"] is None and line["available"] is True
    assert CartLine.objects.filter(reserved_until__isnull=False).count() == 0
    assert api_client.get(f"/api/products/{pot.pk}/").json()["stock"] == 5


@pytest.mark.parametrize("minutes", [None, 0])
def test_none_and_zero_both_mean_off(settings, api_client, pot, minutes):
    settings.NEXUS_CATALOG = {"CART_RESERVATION_MINUTES": minutes}
    add(api_client, new_cart(api_client), pot, 5)
    assert add(api_client, new_cart(api_client), pot, 5).status_code == 201


def cart_round_trip(customer, product) -> list[int]:
    """Queries of: adding a line, reading the cart, checking it out."""
    token = carts.create_cart(customer).token
    carts.update_cart(token, customer, {"email": "a@example.com", "shipping_address": ADDRESS})
    counts = []
    for step in (
        lambda: carts.add_line(token, customer, product=product.pk, quantity=1),
        lambda: carts.read_cart(token, customer),
        lambda: checkout.checkout(token, customer),
    ):
        with CaptureQueriesContext(connection) as captured:
            step()
        counts.append(len(captured))
    return counts


def test_reservations_cost_queries_only_when_on(settings, customer, tea):
    off = cart_round_trip(customer, tea)
    settings.NEXUS_CATALOG = {"CART_RESERVATION_MINUTES": MINUTES}

    on = cart_round_trip(customer, tea)

    # On: the sum of the other carts' holds when adding and reading (the product read of
    # the add becomes its row lock), and the products' lock and that sum at checkout.
    assert [b - a for a, b in zip(off, on, strict=True)] == [1, 1, 2]


@pytest.mark.parametrize("value", [-1, 1.5, "15", True])
def test_a_bad_reservation_setting_fails_the_system_check(settings, value):
    settings.NEXUS_CATALOG = {"CART_RESERVATION_MINUTES": value}
    ids = [message.id for message in run_checks() if "CART_RESERVATION" in message.msg]
    assert ids == ["nexus_catalog.E002"]


def test_a_product_listed_with_held_units_keeps_the_list_constant(
    reservations, db, api_client, django_assert_num_queries
):
    for product in ProductFactory.create_batch(6, stock=3):
        add(api_client, new_cart(api_client), product, 1)

    def page(size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = api_client.get("/api/products/", {"page_size": size, "in_stock": "true"})
        assert all(p["stock"] == 2 for p in response.json()["results"])
        return len(captured)

    one = page(1)
    with django_assert_num_queries(one):
        page(100)
