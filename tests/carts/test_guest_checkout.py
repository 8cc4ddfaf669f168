"""Guest checkout (``GUEST_CHECKOUT``): an anonymous cart checks out; the order has no user
and is read, cancelled and paid with the secret its checkout returned, and nothing else."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from nexus_catalog.models import (
    AuditLog,
    Cart,
    CartStatus,
    IdempotencyRecord,
    InventoryMovement,
    Order,
    OrderStatus,
    Payment,
    Product,
    Voucher,
    VoucherKind,
)
from tests.carts.conftest import ADDRESS, cart_url, ready_cart
from tests.catalog.conftest import ledger_mismatches

SECRET_HEADER = "HTTP_X_ORDER_SECRET"


@pytest.fixture
def guest_checkout(settings):
    settings.NEXUS_CATALOG = {**settings.NEXUS_CATALOG, "GUEST_CHECKOUT": True}


def checkout(client, token, headers=None, **body):
    return client.post(cart_url(token, "checkout"), body, format="json", **(headers or {}))


def guest_order(client, *lines, **details) -> dict:
    """A guest order of ``lines``, as its checkout answered it (with ``guest_secret``)."""
    response = checkout(client, ready_cart(client, *lines, **details))
    assert response.status_code == 201, response.content
    return response.json()


def order_url(order: dict, *rest: str) -> str:
    return f"/api/orders/{order['id']}/" + "".join(f"{part}/" for part in rest)


def with_secret(order: dict) -> dict:
    return {SECRET_HEADER: order["guest_secret"]}


def audit_actions(order_id: int) -> list[tuple[str, str, object]]:
    return list(
        AuditLog.objects.filter(object_type="nexus_catalog.order", object_id=str(order_id))
        .order_by("id")
        .values_list("action", "actor_repr", "actor_id")
    )


# -- the setting ------------------------------------------------------------------------------


def test_anonymous_checkout_is_401_while_the_setting_is_off(api_client, tea):
    token = ready_cart(api_client, (tea, 1))

    assert checkout(api_client, token).status_code == 401
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=tea.pk).stock == 20


# -- checkout -------------------------------------------------------------------------------


def test_guest_checkout_places_an_order_without_user(api_client, guest_checkout, tea):
    token = ready_cart(api_client, (tea, 2))

    response = checkout(api_client, token)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"] is None and body["email"] == "ada@example.com"
    assert len(body["guest_secret"]) >= 43
    order = Order.objects.get(pk=body["id"])
    assert order.user is None and order.email == "ada@example.com"
    cart = Cart.objects.get(token=token)
    assert (cart.status, cart.order_id, cart.user) == (CartStatus.CHECKED_OUT, order.pk, None)
    assert Product.objects.get(pk=tea.pk).stock == 18
    assert ledger_mismatches() == {}


def test_only_the_secrets_hash_is_stored(api_client, guest_checkout, tea):
    body = guest_order(api_client, (tea, 1))

    stored = Order.objects.get(pk=body["id"]).guest_secret_hash
    assert stored == hashlib.sha256(body["guest_secret"].encode()).hexdigest()
    assert not Order.objects.filter(guest_secret_hash=body["guest_secret"]).exists()


def test_each_guest_order_gets_its_own_secret(api_client, guest_checkout, tea):
    first, second = guest_order(api_client, (tea, 1)), guest_order(api_client, (tea, 1))

    assert first["guest_secret"] != second["guest_secret"]


def test_guest_checkout_is_audited_as_the_guest(api_client, guest_checkout, tea):
    body = guest_order(api_client, (tea, 1))

    assert audit_actions(body["id"]) == [("order.created", "guest", None)]


def test_signed_in_checkout_answers_no_secret(auth_client, customer, guest_checkout, tea):
    client = auth_client(customer)
    body = checkout(client, ready_cart(client, (tea, 1))).json()

    assert body["user"] == customer.pk and "guest_secret" not in body
    assert Order.objects.get(pk=body["id"]).guest_secret_hash is None


def test_guest_checkout_needs_an_email(api_client, guest_checkout, tea):
    token = ready_cart(api_client, (tea, 1))
    api_client.patch(cart_url(token), {"email": ""}, format="json")

    response = checkout(api_client, token)

    assert response.status_code == 400 and set(response.json()) == {"email"}
    assert Order.objects.count() == 0


def test_guest_cannot_check_out_a_customers_cart(
    api_client, auth_client, customer, guest_checkout, tea
):
    token = ready_cart(auth_client(customer), (tea, 1))

    assert checkout(api_client, token).status_code == 404
    assert Order.objects.count() == 0


def test_guest_voucher_limit_counts_uses_by_email(api_client, guest_checkout, tea):
    Voucher.objects.create(
        code="ONCE", kind=VoucherKind.FIXED, value=Decimal("1.00"), max_uses_per_customer=1
    )
    assert checkout(api_client, ready_cart(api_client, (tea, 1), voucher="once")).status_code == 201

    # The same e-mail (whatever its case) in another anonymous cart: used already.
    again = ready_cart(api_client, (tea, 1))
    refused = api_client.patch(
        cart_url(again), {"email": "ADA@example.com", "voucher": "once"}, format="json"
    )
    assert refused.status_code == 400 and "voucher" in refused.json()
    # Another e-mail: allowed.
    other = ready_cart(api_client, (tea, 1), email="grace@example.com", voucher="once")
    assert checkout(api_client, other).json()["total"] == "3.50"


# -- reading ----------------------------------------------------------------------------------


def test_guest_reads_the_order_with_its_secret(api_client, guest_checkout, tea):
    body = guest_order(api_client, (tea, 1))

    response = api_client.get(order_url(body), **with_secret(body))

    assert response.status_code == 200
    read = response.json()
    assert read == {k: v for k, v in body.items() if k != "guest_secret"}


def test_guest_order_without_credentials_is_401(api_client, guest_checkout, tea):
    body = guest_order(api_client, (tea, 1))

    assert api_client.get(order_url(body)).status_code == 401
    assert api_client.get(order_url(body), **{SECRET_HEADER: ""}).status_code == 401


@pytest.mark.parametrize("secret", ["wrong", "x" * 43, "x" * 500])
def test_wrong_secret_is_404(api_client, guest_checkout, tea, secret):
    body = guest_order(api_client, (tea, 1))

    response = api_client.get(order_url(body), **{SECRET_HEADER: secret})

    assert response.status_code == 404


def test_another_orders_secret_is_404(api_client, guest_checkout, tea):
    mine, theirs = guest_order(api_client, (tea, 1)), guest_order(api_client, (tea, 1))

    assert api_client.get(order_url(theirs), **with_secret(mine)).status_code == 404


def test_secret_never_opens_a_customers_order(
    api_client, auth_client, customer, guest_checkout, tea
):
    client = auth_client(customer)
    customers = checkout(client, ready_cart(client, (tea, 1))).json()
    guests = guest_order(api_client, (tea, 1))

    assert api_client.get(order_url(customers), **with_secret(guests)).status_code == 404


def test_secret_never_lists_orders(api_client, guest_checkout, tea):
    body = guest_order(api_client, (tea, 1))

    assert api_client.get("/api/orders/", **with_secret(body)).status_code == 401


def test_secret_opens_no_audit_trail_and_no_edit(api_client, guest_checkout, tea):
    body = guest_order(api_client, (tea, 1))

    assert api_client.get(order_url(body, "audit"), **with_secret(body)).status_code == 401
    patch = api_client.patch(order_url(body), {"note": "x"}, format="json", **with_secret(body))
    assert patch.status_code == 401
    assert Order.objects.get(pk=body["id"]).note == ""


def test_signed_in_customer_sees_no_guest_order_secret_or_not(
    api_client, auth_client, customer, guest_checkout, tea
):
    body = guest_order(api_client, (tea, 1))
    client = auth_client(customer)

    assert client.get(order_url(body)).status_code == 404
    assert client.get(order_url(body), **with_secret(body)).status_code == 404
    assert client.get("/api/orders/").json()["results"] == []


def test_staff_see_guest_orders_like_any_other(
    api_client, auth_client, customer, staff, guest_checkout, tea
):
    client = auth_client(customer)
    customers = checkout(client, ready_cart(client, (tea, 1))).json()
    guests = guest_order(api_client, (tea, 1))
    staff_client = auth_client(staff)

    listed = staff_client.get("/api/orders/").json()["results"]
    assert {(o["id"], o["user"]) for o in listed} == {
        (customers["id"], customer.pk),
        (guests["id"], None),
    }
    assert staff_client.get(order_url(guests)).json()["email"] == "ada@example.com"
    assert [o["id"] for o in client.get("/api/orders/").json()["results"]] == [customers["id"]]


# -- cancelling -------------------------------------------------------------------------------


def test_guest_cancels_a_pending_order_and_the_stock_comes_back(api_client, guest_checkout, tea):
    body = guest_order(api_client, (tea, 3))

    response = api_client.post(
        order_url(body, "transition"), {"status": "cancelled"}, format="json", **with_secret(body)
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert Order.objects.get(pk=body["id"]).status == OrderStatus.CANCELLED
    assert Product.objects.get(pk=tea.pk).stock == 20
    assert ledger_mismatches() == {}
    assert audit_actions(body["id"])[-1] == ("order.transitioned", "guest", None)
    returned = InventoryMovement.objects.filter(reason="cancel").get()
    assert (returned.change, returned.actor_id) == (3, None)


def test_guest_cancels_with_delete_too(api_client, guest_checkout, tea):
    body = guest_order(api_client, (tea, 2))

    response = api_client.delete(order_url(body), **with_secret(body))

    assert response.status_code == 204
    assert Order.objects.get(pk=body["id"]).status == OrderStatus.CANCELLED
    assert Product.objects.get(pk=tea.pk).stock == 20


def test_guest_cannot_cancel_an_order_no_longer_pending(api_client, guest_checkout, tea):
    body = guest_order(api_client, (tea, 1))
    Order.objects.filter(pk=body["id"]).update(status=OrderStatus.PAID)

    response = api_client.post(
        order_url(body, "transition"), {"status": "cancelled"}, format="json", **with_secret(body)
    )

    assert response.status_code == 403
    assert Order.objects.get(pk=body["id"]).status == OrderStatus.PAID
    assert Product.objects.get(pk=tea.pk).stock == 19


def test_guest_cannot_mark_the_order_paid(api_client, guest_checkout, tea):
    body = guest_order(api_client, (tea, 1))

    response = api_client.post(
        order_url(body, "transition"), {"status": "paid"}, format="json", **with_secret(body)
    )

    assert response.status_code == 403
    assert Order.objects.get(pk=body["id"]).status == OrderStatus.PENDING


def test_wrong_secret_cannot_cancel(api_client, guest_checkout, tea):
    mine, theirs = guest_order(api_client, (tea, 1)), guest_order(api_client, (tea, 1))

    response = api_client.post(
        order_url(theirs, "transition"), {"status": "cancelled"}, format="json", **with_secret(mine)
    )

    assert response.status_code == 404
    assert api_client.delete(order_url(theirs), **with_secret(mine)).status_code == 404
    assert Order.objects.get(pk=theirs["id"]).status == OrderStatus.PENDING


# -- paying -----------------------------------------------------------------------------------


def test_guest_pays_with_the_secret(api_client, auth_client, staff, guest_checkout, tea):
    body = guest_order(api_client, (tea, 2))
    url = order_url(body, "payments")

    started = api_client.post(url, {"provider": "manual"}, format="json", **with_secret(body))

    assert started.status_code == 201, started.content
    assert (started.json()["amount"], started.json()["status"]) == ("9.00", "pending")
    payment = Payment.objects.get()
    assert payment.order_id == body["id"]
    created = AuditLog.objects.get(action="payment.created", object_id=str(payment.pk))
    assert (created.actor_repr, created.actor_id) == ("guest", None)
    listed = api_client.get(url, **with_secret(body))
    assert [p["id"] for p in listed.json()] == [payment.pk]

    # Staff capture the money received: the guest order is paid like any other.
    captured = auth_client(staff).post(f"{url}{payment.pk}/capture/", {}, format="json")
    assert captured.status_code == 200, captured.content
    assert api_client.get(order_url(body), **with_secret(body)).json()["status"] == "paid"


def test_payments_of_a_guest_order_need_its_secret(
    api_client, auth_client, customer, guest_checkout, tea
):
    mine, theirs = guest_order(api_client, (tea, 1)), guest_order(api_client, (tea, 1))
    url = order_url(theirs, "payments")

    assert api_client.get(url).status_code == 401
    assert api_client.get(url, **with_secret(mine)).status_code == 404
    refused = api_client.post(url, {"provider": "manual"}, format="json", **with_secret(mine))
    assert refused.status_code == 404
    assert auth_client(customer).get(url, **with_secret(theirs)).status_code == 404
    assert not Payment.objects.exists()


# -- idempotency ------------------------------------------------------------------------------


def test_keyed_guest_checkout_runs_once_and_replays_to_the_token_holder(
    api_client, guest_checkout, tea
):
    token = ready_cart(api_client, (tea, 1))
    key = {"HTTP_IDEMPOTENCY_KEY": "guest-checkout-1"}

    first = checkout(api_client, token, key)
    again = checkout(api_client, token, key)

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()  # the same order, the same secret
    assert Order.objects.count() == 1 and Product.objects.get(pk=tea.pk).stock == 19


def test_replay_of_a_guest_checkout_needs_the_cart_token(
    api_client, auth_client, customer, guest_checkout, tea
):
    token = ready_cart(api_client, (tea, 1))
    key = {"HTTP_IDEMPOTENCY_KEY": "guest-checkout-2"}
    secret = checkout(api_client, token, key).json()["guest_secret"]

    # The same key on another cart's path is another request: no stored answer reaches it.
    other = ready_cart(api_client, (tea, 1))
    elsewhere = checkout(api_client, other, key)
    assert elsewhere.status_code == 201 and elsewhere.json()["guest_secret"] != secret
    assert not elsewhere.has_header("Idempotent-Replayed")
    # A signed-in caller has a scope of its own: the key runs the view, which finds the
    # cart closed (409) and shows no secret.
    theirs = checkout(auth_client(customer), token, key)
    assert theirs.status_code == 409 and secret not in theirs.content.decode()
    # Every stored answer is filed under the path that holds its cart's token.
    assert set(IdempotencyRecord.objects.values_list("path", flat=True)) == {
        cart_url(token, "checkout"),
        cart_url(other, "checkout"),
    }


def test_address_is_kept_on_the_guest_order(api_client, guest_checkout, tea):
    body = guest_order(api_client, (tea, 1))

    assert body["shipping_postal_address"]["postal_code"] == ADDRESS["postal_code"]


def test_a_guests_keyed_payment_is_replayed_only_with_the_orders_secret(
    api_client, guest_checkout, tea
):
    body = guest_order(api_client, (tea, 1))
    url, key = order_url(body, "payments"), {"HTTP_IDEMPOTENCY_KEY": "pay-1"}
    started = api_client.post(
        url, {"provider": "manual"}, format="json", **key, **with_secret(body)
    )
    assert started.status_code == 201

    again = api_client.post(url, {"provider": "manual"}, format="json", **key, **with_secret(body))
    wrong = api_client.post(
        url, {"provider": "manual"}, format="json", **key, **{SECRET_HEADER: "guessed"}
    )
    none = api_client.post(url, {"provider": "manual"}, format="json", **key)

    assert again.json() == started.json() and again["Idempotent-Replayed"] == "true"
    assert wrong.status_code == 404 and not wrong.has_header("Idempotent-Replayed")
    assert none.status_code == 401 and not none.has_header("Idempotent-Replayed")
    assert Payment.objects.count() == 1
    scopes = set(IdempotencyRecord.objects.values_list("scope", flat=True))
    assert all(body["guest_secret"] not in scope for scope in scopes)


def test_a_guests_keyed_cancel_is_replayed_only_with_the_orders_secret(
    api_client, guest_checkout, tea
):
    body = guest_order(api_client, (tea, 1))
    url, key = order_url(body, "transition"), {"HTTP_IDEMPOTENCY_KEY": "cancel-1"}
    cancel = {"status": "cancelled"}
    assert (
        api_client.post(url, cancel, format="json", **key, **with_secret(body)).status_code == 200
    )

    wrong = api_client.post(url, cancel, format="json", **key, **{SECRET_HEADER: "guessed"})

    assert wrong.status_code == 404 and ada_not_in(wrong)


def ada_not_in(response) -> bool:
    return "ada@example.com" not in response.content.decode()
