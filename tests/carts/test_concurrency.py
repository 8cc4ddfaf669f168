"""Real threads against PostgreSQL: checkouts never oversell, vouchers never pass their limit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nexus_catalog.exceptions import CartValidationError, VoucherNotApplicable
from nexus_catalog.models import (
    Cart,
    CartLine,
    Order,
    OrderAdjustment,
    Product,
    Voucher,
    VoucherKind,
    VoucherRedemption,
)
from nexus_catalog.services.checkout import checkout
from tests.carts.conftest import ADDRESS
from tests.catalog.conftest import ledger_mismatches
from tests.catalog.test_concurrency import run_together
from tests.factories import ProductFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def ready_carts(product, count: int, *, voucher: str = "") -> list[tuple[str, object]]:
    """``count`` (token, customer) pairs, each cart holding one unit of ``product``."""
    pairs = []
    for customer in UserFactory.create_batch(count):
        cart = Cart.objects.create(
            user=customer, email=customer.email, shipping_address=ADDRESS, voucher_code=voucher
        )
        CartLine.objects.create(cart=cart, product=product, quantity=1)
        pairs.append((cart.token, customer))
    return pairs


def test_thirty_checkouts_of_the_last_ten_units_place_ten_orders():
    product = ProductFactory(stock=10)
    pairs = ready_carts(product, 30)

    results = run_together([(lambda t=t, c=c: checkout(t, c)) for t, c in pairs])

    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, CartValidationError)]
    assert (len(placed), len(refused)) == (10, 20), [
        r for r in results if not isinstance(r, (Order, CartValidationError))
    ]
    assert Product.objects.get(pk=product.pk).stock == 0
    assert Order.objects.count() == 10
    assert Cart.objects.filter(status="checked_out").count() == 10
    assert ledger_mismatches() == {}


def test_twenty_checkouts_with_a_voucher_of_five_uses_discount_exactly_five():
    product = ProductFactory(stock=100, price=Decimal("10.00"))
    voucher = Voucher.objects.create(
        code="FIVE", kind=VoucherKind.FIXED, value=Decimal("2.00"), max_uses=5
    )
    pairs = ready_carts(product, 20, voucher="FIVE")

    results = run_together([(lambda t=t, c=c: checkout(t, c)) for t, c in pairs])

    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, VoucherNotApplicable)]
    assert (len(placed), len(refused)) == (5, 15), results
    assert Voucher.objects.get(pk=voucher.pk).used_count == 5
    assert VoucherRedemption.objects.count() == 5
    assert OrderAdjustment.objects.filter(code="voucher", amount=Decimal("-2.00")).count() == 5
    assert all(order.total == Decimal("8.00") for order in placed)
    # The refused checkouts wrote nothing: no order, no stock taken, carts still open.
    assert Order.objects.count() == 5
    assert Product.objects.get(pk=product.pk).stock == 95
    assert Cart.objects.filter(status="open").count() == 15
    assert ledger_mismatches() == {}
