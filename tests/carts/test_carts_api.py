"""Carts through the API: tokens, lines, details, priced reads, ownership, claim, purge."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from nexus_catalog.models import Cart, CartStatus
from nexus_catalog.plugins import hookimpl
from nexus_catalog.plugins.types import Adjustment
from nexus_catalog.services.carts import purge_old_carts
from nexus_catalog.tasks import purge_old_carts as purge_task
from tests.carts.conftest import ADDRESS, CARTS, add, cart_url, new_cart, ready_cart
from tests.factories import UserFactory


def test_anonymous_cart_has_an_unguessable_token(api_client, db):
    first, second = new_cart(api_client), new_cart(api_client)
    assert len(first) >= 43 and first != second
    assert Cart.objects.get(token=first).user is None


def test_signed_in_cart_belongs_to_the_caller(auth_client, customer):
    token = new_cart(auth_client(customer))
    assert Cart.objects.get(token=token).user == customer


def test_cart_creation_is_throttled_per_client_address(api_client, db, settings):
    settings.NEXUS_CATALOG = {"CART_CREATE_THROTTLE_RATE": "2/min"}
    new_cart(api_client), new_cart(api_client)
    refused = api_client.post(CARTS, {}, format="json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Cart.objects.count() == 2
    # Another address has its own count; reading and changing carts is never throttled.
    other = api_client.post(CARTS, {}, format="json", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 201
    assert api_client.get(cart_url(other.json()["token"])).status_code == 200


def test_cart_creation_is_throttled_per_user_when_signed_in(auth_client, customer, settings):
    settings.NEXUS_CATALOG = {"CART_CREATE_THROTTLE_RATE": "1/min"}
    client = auth_client(customer)
    new_cart(client)
    assert client.post(CARTS, {}, format="json", REMOTE_ADDR="10.0.0.9").status_code == 429
    assert Cart.objects.filter(user=customer).count() == 1


def test_cart_creation_throttle_off(api_client, db, settings):
    settings.NEXUS_CATALOG = {"CART_CREATE_THROTTLE_RATE": None}
    tokens = {new_cart(api_client) for _ in range(5)}
    assert len(tokens) == 5


def test_unknown_token_is_404(api_client, db):
    assert api_client.get(cart_url("no-such-cart")).status_code == 404


def test_same_product_again_adds_to_its_line(api_client, tea):
    token = new_cart(api_client)
    add(api_client, token, tea, 2)
    body = add(api_client, token, tea, 3).json()
    assert [(line["product"], line["quantity"]) for line in body["lines"]] == [(tea.pk, 5)]


def test_read_is_priced_with_line_totals_subtotal_and_total(api_client, tea, pot):
    token = new_cart(api_client)
    add(api_client, token, tea, 2)
    add(api_client, token, pot, 1)
    body = api_client.get(cart_url(token)).json()
    assert [(line["unit_price"], line["line_total"]) for line in body["lines"]] == [
        ("4.50", "9.00"),
        ("20.00", "20.00"),
    ]
    assert (body["subtotal"], body["total"], body["currency"]) == ("29.00", "29.00", "USD")


def test_read_is_priced_through_the_pricing_hooks(api_client, tea, register_plugin):
    class HalfPriceAndTax:
        @hookimpl
        def nexus_unit_price(self, product, quantity, user):
            return product.price / 2

        @hookimpl
        def nexus_order_adjustments(self, order, lines, user):
            return [Adjustment(code="vat", label="VAT", amount=order.subtotal / 10)]

    register_plugin(HalfPriceAndTax(), "half")
    token = new_cart(api_client)
    add(api_client, token, tea, 2)
    body = api_client.get(cart_url(token)).json()
    assert body["subtotal"] == "4.50"
    assert [(a["code"], a["amount"]) for a in body["adjustments"]] == [("vat", "0.45")]
    assert body["total"] == "4.95"


def test_price_change_shows_on_the_next_read(api_client, tea):
    token = new_cart(api_client)
    add(api_client, token, tea, 1)
    tea.price = Decimal("6.00")
    tea.save()
    assert api_client.get(cart_url(token)).json()["total"] == "6.00"


def test_inactive_unknown_and_over_stock_products_are_400_naming_the_field(api_client, tea, pot):
    token = new_cart(api_client)
    pot.is_active = False
    pot.save()
    assert "product" in add(api_client, token, pot).json()
    response = api_client.post(
        cart_url(token, "lines"), {"product": 999999, "quantity": 1}, format="json"
    )
    assert response.status_code == 400 and "product" in response.json()
    response = add(api_client, token, tea, 21)
    assert response.status_code == 400
    assert response.json() == {"quantity": ["Only 20 of Tea left in stock."]}
    assert (
        api_client.post(
            cart_url(token, "lines"), {"product": tea.pk, "quantity": 0}, format="json"
        ).status_code
        == 400
    )


def test_patch_and_delete_a_line(api_client, tea, pot):
    token = new_cart(api_client)
    add(api_client, token, tea, 1)
    lines = add(api_client, token, pot, 1).json()["lines"]
    patched = api_client.patch(
        cart_url(token, "lines", str(lines[0]["id"])), {"quantity": 4}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["lines"][0]["quantity"] == 4
    deleted = api_client.delete(cart_url(token, "lines", str(lines[1]["id"])))
    assert deleted.status_code == 204
    assert [line["product"] for line in api_client.get(cart_url(token)).json()["lines"]] == [tea.pk]


def test_address_is_structured_and_validated(api_client, tea):
    token = new_cart(api_client)
    bad = api_client.patch(
        cart_url(token), {"shipping_address": {**ADDRESS, "country": "XX"}}, format="json"
    )
    assert bad.status_code == 400 and "country" in bad.json()["shipping_address"]
    ok = api_client.patch(cart_url(token), {"shipping_address": ADDRESS}, format="json")
    assert ok.json()["shipping_address"]["city"] == "London"


def test_saved_address_of_the_caller_is_copied(auth_client, customer, tea):
    from nexus_accounts.models import Address

    saved = Address.objects.create(user=customer, **ADDRESS)
    other = Address.objects.create(user=UserFactory(), **ADDRESS)
    client = auth_client(customer)
    token = new_cart(client)
    response = client.patch(cart_url(token), {"billing_address_id": saved.pk}, format="json")
    assert response.json()["billing_address"]["line1"] == ADDRESS["line1"]
    response = client.patch(cart_url(token), {"billing_address_id": other.pk}, format="json")
    assert response.status_code == 400 and "billing_address_id" in response.json()


def test_another_users_cart_is_404_token_or_not(auth_client, customer, staff, tea):
    token = new_cart(auth_client(customer))
    intruder = auth_client(UserFactory())
    assert intruder.get(cart_url(token)).status_code == 404
    assert auth_client(staff).get(cart_url(token)).status_code == 404
    assert add(intruder, token, tea).status_code == 404
    assert intruder.post(cart_url(token, "claim"), {}, format="json").status_code == 404
    assert auth_client(customer).get(cart_url(token)).status_code == 200


def test_list_shows_the_callers_open_carts(auth_client, customer, api_client, db):
    client = auth_client(customer)
    token = new_cart(client)
    new_cart(auth_client(UserFactory()))
    body = client.get(CARTS).json()
    assert [c["token"] for c in body["results"]] == [token]
    assert api_client.get(CARTS).status_code == 401


def test_claim_merges_the_callers_other_open_cart(api_client, auth_client, customer, tea, pot):
    client = auth_client(customer)
    mine = new_cart(client)
    add(client, mine, tea, 2)
    anonymous = new_cart(api_client)
    add(api_client, anonymous, tea, 3)
    add(api_client, anonymous, pot, 1)

    response = client.post(cart_url(anonymous, "claim"), {}, format="json")

    assert response.status_code == 200, response.content
    assert {line["product"]: line["quantity"] for line in response.json()["lines"]} == {
        tea.pk: 5,
        pot.pk: 1,
    }
    assert Cart.objects.get(token=anonymous).user == customer
    assert Cart.objects.get(token=mine).status == CartStatus.MERGED
    assert api_client.get(cart_url(anonymous)).status_code == 404
    assert [c["token"] for c in client.get(CARTS).json()["results"]] == [anonymous]


def test_claim_needs_a_signed_in_caller(api_client, db):
    token = new_cart(api_client)
    assert api_client.post(cart_url(token, "claim"), {}, format="json").status_code == 401


def test_problems_say_what_would_stop_a_checkout(api_client, tea):
    token = new_cart(api_client)
    assert set(api_client.get(cart_url(token)).json()["problems"]) == {
        "lines",
        "email",
        "shipping_address",
    }
    token = ready_cart(api_client, (tea, 1))
    assert api_client.get(cart_url(token)).json()["problems"] == {}


def test_purge_deletes_carts_untouched_for_cart_ttl(api_client, tea, settings):
    old, fresh = new_cart(api_client), new_cart(api_client)
    add(api_client, old, tea)
    Cart.objects.filter(token=old).update(updated_at=timezone.now() - timedelta(days=31))
    assert purge_old_carts() == 1
    assert list(Cart.objects.values_list("token", flat=True)) == [fresh]


def test_purge_task_and_command(api_client, db, capsys):
    token = new_cart(api_client)
    Cart.objects.filter(token=token).update(updated_at=timezone.now() - timedelta(days=40))
    assert purge_task.delay().get() == 1
    token = new_cart(api_client)
    Cart.objects.filter(token=token).update(updated_at=timezone.now() - timedelta(days=40))
    call_command("nexus_purge_carts")
    assert "Purged 1 old cart." in capsys.readouterr().out
    assert not Cart.objects.exists()
