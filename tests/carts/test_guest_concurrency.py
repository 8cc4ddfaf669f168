"""Guest orders under real concurrency (PostgreSQL, a connection per thread): a keyed guest
checkout runs once, and a guest's cancel racing the unpaid sweep returns the stock once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone
from rest_framework.test import APIClient

from nexus_catalog.models import Cart, CartLine, InventoryMovement, Order, OrderStatus, Product
from nexus_catalog.services.unpaid import cancel_unpaid_order
from tests.carts.conftest import ADDRESS, cart_url
from tests.catalog.test_concurrency import run_together
from tests.factories import ProductFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12


@pytest.fixture(autouse=True)
def guest_checkout(settings):
    settings.NEXUS_CATALOG = {**settings.NEXUS_CATALOG, "GUEST_CHECKOUT": True}


def anonymous_cart(product, quantity: int) -> str:
    cart = Cart.objects.create(email="ada@example.com", shipping_address=ADDRESS)
    CartLine.objects.create(cart=cart, product=product, quantity=quantity)
    return cart.token


def test_twelve_keyed_guest_checkouts_of_one_cart_place_one_order():
    product = ProductFactory(stock=10)
    token = anonymous_cart(product, 2)

    def check_out() -> tuple[int, bool, bytes]:
        response = APIClient().post(
            cart_url(token, "checkout"), {}, format="json", HTTP_IDEMPOTENCY_KEY="guest-1"
        )
        return response.status_code, response.has_header("Idempotent-Replayed"), response.content

    results = run_together([check_out] * THREADS)

    assert Order.objects.count() == 1
    ran = [content for status, replayed, content in results if status == 201 and not replayed]
    replayed = [content for status, replayed, content in results if replayed]
    waiting = [status for status, replayed, _ in results if status == 409 and not replayed]
    assert len(ran) == 1 and len(replayed) + len(waiting) == THREADS - 1, results
    assert all(content == ran[0] for content in replayed)  # the same secret, once placed
    assert Product.objects.get(pk=product.pk).stock == 8


def test_a_guest_cancel_racing_the_unpaid_sweep_returns_the_stock_once():
    product = ProductFactory(stock=10)
    token = anonymous_cart(product, 3)
    placed = APIClient().post(cart_url(token, "checkout"), {}, format="json").json()
    order_id, secret = placed["id"], placed["guest_secret"]
    Order.objects.filter(pk=order_id).update(created_at=timezone.now() - timedelta(days=2))

    def guest_cancels() -> int:
        return (
            APIClient().delete(f"/api/orders/{order_id}/", HTTP_X_ORDER_SECRET=secret).status_code
        )

    results = run_together([guest_cancels, lambda: cancel_unpaid_order(order_id)] * 3)

    assert all(r in (204, True, False) for r in results), results
    assert Order.objects.get(pk=order_id).status == OrderStatus.CANCELLED
    assert Product.objects.get(pk=product.pk).stock == 10
    total = InventoryMovement.objects.filter(product=product).aggregate(total=Sum("change"))
    assert total == {"total": 10}
