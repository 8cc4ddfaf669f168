"""Real threads against PostgreSQL: checkouts never oversell, vouchers never pass their limit,
with cart reservations off (the default) and on; with them on, holds never exceed the stock
and no order takes units a cart holds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from nexus_catalog.exceptions import (
    CartValidationError,
    OrderValidationError,
    VoucherNotApplicable,
)
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
from nexus_catalog.services import carts
from nexus_catalog.services.checkout import checkout
from nexus_catalog.services.ordering import place_order
from tests.carts.conftest import ADDRESS
from tests.catalog.conftest import ledger_mismatches
from tests.catalog.test_concurrency import run_together
from tests.factories import ProductFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=[None, 15], ids=["reservations-off", "reservations-on"])
def reserving(request, settings) -> bool:
    """Each test runs with cart reservations off (the default), then on (15 minutes)."""
    settings.NEXUS_CATALOG = {**settings.NEXUS_CATALOG, "CART_RESERVATION_MINUTES": request.param}
    return bool(request.param)


@pytest.fixture
def reservations(settings) -> None:
    settings.NEXUS_CATALOG = {**settings.NEXUS_CATALOG, "CART_RESERVATION_MINUTES": 15}


def empty_carts(count: int, *, voucher: str = "") -> list[tuple[str, object]]:
    """``count`` (token, customer) pairs of empty carts ready to check out."""
    pairs = []
    for customer in UserFactory.create_batch(count):
        cart = Cart.objects.create(
            user=customer, email=customer.email, shipping_address=ADDRESS, voucher_code=voucher
        )
        pairs.append((cart.token, customer))
    return pairs


def ready_carts(product, count: int, *, voucher: str = "") -> list[tuple[str, object]]:
    """``count`` (token, customer) pairs, each cart with a line of one unit of ``product``
    that holds nothing (written as a line from before reservations: with them on, every
    checkout needs available stock)."""
    pairs = empty_carts(count, voucher=voucher)
    for token, _ in pairs:
        CartLine.objects.create(cart=Cart.objects.get(token=token), product=product, quantity=1)
    return pairs


def live_holds(product) -> int:
    """The units of ``product`` held now by open carts."""
    held = CartLine.objects.filter(
        product=product, cart__status="open", reserved_until__gt=timezone.now()
    ).aggregate(units=Sum("quantity"))
    return held["units"] or 0


def assert_last_ten_sold(results: list, product) -> None:
    """Ten of the thirty placed an order, twenty were refused, and the stock is gone."""
    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, CartValidationError)]
    assert (len(placed), len(refused)) == (10, 20), [
        r for r in results if not isinstance(r, (Order, CartValidationError))
    ]
    assert Product.objects.get(pk=product.pk).stock == 0
    assert Order.objects.count() == 10


def test_thirty_checkouts_of_the_last_ten_units_place_ten_orders(reserving):
    product = ProductFactory(stock=10)
    pairs = ready_carts(product, 30)

    results = run_together([(lambda t=t, c=c: checkout(t, c)) for t, c in pairs])

    assert_last_ten_sold(results, product)
    assert Cart.objects.filter(status="checked_out").count() == 10
    assert ledger_mismatches() == {}


def test_thirty_carts_adding_then_checking_out_the_last_ten_units_place_ten_orders(reserving):
    product = ProductFactory(stock=10)

    def add_then_check_out(token: str, customer) -> object:
        carts.add_line(token, customer, product=product.pk, quantity=1)
        return checkout(token, customer)

    results = run_together(
        [(lambda t=t, c=c: add_then_check_out(t, c)) for t, c in empty_carts(30)]
    )

    assert_last_ten_sold(results, product)
    assert ledger_mismatches() == {}
    if reserving:
        # Only ten lines could ever hold a unit: the twenty others were refused when adding.
        assert CartLine.objects.count() == 10
        refused = [r for r in results if isinstance(r, CartValidationError)]
        assert all("quantity" in r.errors for r in refused)


def test_thirty_carts_racing_to_hold_the_last_ten_units_hold_exactly_ten(reservations):
    product = ProductFactory(stock=10)

    results = run_together(
        [
            (lambda t=t, c=c: carts.add_line(t, c, product=product.pk, quantity=1))
            for t, c in empty_carts(30)
        ]
    )

    held = [r for r in results if isinstance(r, CartLine)]
    refused = [r for r in results if isinstance(r, CartValidationError)]
    assert (len(held), len(refused)) == (10, 20), results
    assert all(list(r.errors) == ["quantity"] for r in refused)
    assert live_holds(product) == 10
    assert Product.objects.get(pk=product.pk).stock == 10


def test_orders_racing_carts_never_take_held_units(reservations):
    product = ProductFactory(stock=10)
    customers = UserFactory.create_batch(15)

    def order(customer) -> object:
        return place_order(customer, [{"product": product.pk, "quantity": 1}])

    results = run_together(
        [
            (lambda t=t, c=c: carts.add_line(t, c, product=product.pk, quantity=1))
            for t, c in empty_carts(15)
        ]
        + [(lambda c=c: order(c)) for c in customers]
    )

    held = [r for r in results if isinstance(r, CartLine)]
    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, (CartValidationError, OrderValidationError))]
    assert len(held) + len(placed) == 10 and len(refused) == 20, results
    stock = Product.objects.get(pk=product.pk).stock
    assert (stock, live_holds(product)) == (10 - len(placed), len(held))
    assert ledger_mismatches() == {}


def test_twenty_checkouts_with_a_voucher_of_five_uses_discount_exactly_five(reserving):
    product = ProductFactory(stock=100, price=Decimal("10.00"))
    voucher = Voucher.objects.create(
        code="FIVE", kind=VoucherKind.FIXED, value=Decimal("2.00"), max_uses=5
    )
    if reserving:
        # Every cart holds its unit, added through the service as a customer adds it.
        pairs = empty_carts(20, voucher="FIVE")
        for token, customer in pairs:
            carts.add_line(token, customer, product=product.pk, quantity=1)
        assert live_holds(product) == 20
    else:
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
    if reserving:
        # The refused carts still hold their units; the checked-out ones hold nothing.
        assert live_holds(product) == 15
