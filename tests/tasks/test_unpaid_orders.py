"""The unpaid-order sweep: pending orders older than UNPAID_ORDER_TTL are cancelled by the
system and their stock returned; paid and recent orders are left alone."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from nexus_catalog.exceptions import TransitionVetoed
from nexus_catalog.models import AuditLog, Order, OrderStatus, Product
from nexus_catalog.plugins.hookspecs import hookimpl
from nexus_catalog.services.ordering import place_order, transition_order
from nexus_catalog.services.unpaid import cancel_unpaid_order, unpaid_order_ids
from nexus_catalog.tasks import cancel_unpaid_orders
from tests.factories import ProductFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

TTL = timedelta(hours=24)


@pytest.fixture(autouse=True)
def unpaid_ttl(settings):
    settings.NEXUS_CATALOG = {"UNPAID_ORDER_TTL": TTL}


def order_placed_ago(customer, product, age: timedelta, quantity: int = 3) -> Order:
    order = place_order(customer, [{"product": product.pk, "quantity": quantity}])
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - age)
    return order


def test_the_sweep_cancels_an_unpaid_order_and_returns_its_stock(customer, product):
    order = order_placed_ago(customer, product, TTL + timedelta(minutes=1))
    product.refresh_from_db()
    assert product.stock == 7

    assert cancel_unpaid_orders.apply().result == 1

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    product.refresh_from_db()
    assert product.stock == 10


def test_the_cancel_is_audited_as_the_system(customer, product):
    order = order_placed_ago(customer, product, TTL + timedelta(minutes=1))

    cancel_unpaid_orders.apply()

    log = AuditLog.objects.get(action="order.transitioned", object_id=str(order.pk))
    assert log.actor_repr == "system"
    assert log.actor is None
    assert (log.before, log.after) == ({"status": "pending"}, {"status": "cancelled"})


def test_the_sweep_leaves_paid_orders_alone(customer, product):
    order = order_placed_ago(customer, product, TTL + timedelta(hours=1))
    transition_order(order, OrderStatus.PAID, StaffUserFactory())

    assert cancel_unpaid_orders.apply().result == 0

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    product.refresh_from_db()
    assert product.stock == 7


def test_the_sweep_leaves_recent_pending_orders_alone(customer, product):
    order = order_placed_ago(customer, product, TTL - timedelta(minutes=1))

    assert cancel_unpaid_orders.apply().result == 0

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_due_orders_come_oldest_first_up_to_the_limit(customer, product):
    older = order_placed_ago(customer, product, TTL * 3, quantity=1)
    old = order_placed_ago(customer, product, TTL * 2, quantity=1)
    order_placed_ago(customer, product, TTL + timedelta(minutes=1), quantity=1)

    assert unpaid_order_ids(limit=2) == [older.pk, old.pk]


def test_running_the_sweep_twice_cancels_and_returns_stock_once(customer, product):
    order_placed_ago(customer, product, TTL + timedelta(minutes=1))

    cancel_unpaid_orders.apply()
    assert cancel_unpaid_orders.apply().result == 0

    product.refresh_from_db()
    assert product.stock == 10
    assert AuditLog.objects.filter(action="order.transitioned").count() == 1


def test_an_order_paid_after_it_was_selected_is_left_alone(customer, product):
    order = order_placed_ago(customer, product, TTL + timedelta(minutes=1))
    [selected] = unpaid_order_ids()
    transition_order(order, OrderStatus.PAID, StaffUserFactory())

    assert cancel_unpaid_order(selected) is False

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


class FrozenOrders:
    def __init__(self, frozen: set[int]) -> None:
        self.frozen = frozen

    @hookimpl
    def nexus_order_pre_transition(self, order, source, target, actor) -> None:
        if order.pk in self.frozen:
            raise TransitionVetoed("This order is on hold.")


def test_a_vetoed_cancel_is_logged_and_the_sweep_goes_on(customer, product, caplog):
    from nexus_catalog.plugins.manager import get_plugin_manager

    held = order_placed_ago(customer, product, TTL * 2, quantity=1)
    other = order_placed_ago(customer, product, TTL * 2, quantity=1)
    get_plugin_manager().register(FrozenOrders({held.pk}), name="frozen")

    with caplog.at_level(logging.WARNING, logger="nexus_catalog.tasks"):
        assert cancel_unpaid_orders.apply().result == 1

    held.refresh_from_db()
    other.refresh_from_db()
    assert (held.status, other.status) == (OrderStatus.PENDING, OrderStatus.CANCELLED)
    assert f"Unpaid order {held.pk} not cancelled: This order is on hold." in caplog.text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_order_locked_by_a_payment_in_progress_is_skipped(customer, product):
    order = order_placed_ago(customer, product, TTL + timedelta(minutes=1))
    locked, release = threading.Event(), threading.Event()

    def paying() -> None:
        try:
            with transaction.atomic():
                Order.objects.select_for_update().get(pk=order.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=paying)
    thread.start()
    try:
        assert locked.wait(10)
        cancelled = cancel_unpaid_order(order.pk)
    finally:
        release.set()
        thread.join()

    assert cancelled is False
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


class BrokenForOneOrder:
    """A plugin bug (not a veto) that strikes one order."""

    def __init__(self, broken: int) -> None:
        self.broken = broken

    @hookimpl
    def nexus_order_pre_transition(self, order, source, target, actor) -> None:
        if order.pk == self.broken:
            raise RuntimeError("plugin bug")


def test_an_order_whose_cancel_raises_is_logged_and_the_sweep_goes_on(
    customer, product, register_plugin, caplog
):
    broken = order_placed_ago(customer, product, TTL * 3, quantity=1)
    other = order_placed_ago(customer, product, TTL * 2, quantity=1)
    register_plugin(BrokenForOneOrder(broken.pk), "broken")

    with caplog.at_level(logging.ERROR):
        assert cancel_unpaid_orders.apply().result == 1

    broken.refresh_from_db()
    other.refresh_from_db()
    assert (broken.status, other.status) == (OrderStatus.PENDING, OrderStatus.CANCELLED)
    product.refresh_from_db()
    assert product.stock == 9  # the other order's unit is back; the broken one's is not
    [failure] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"Unpaid order {broken.pk} could not be cancelled" in failure.getMessage()
    assert failure.exc_info is not None


@pytest.mark.postgres
def test_an_order_whose_returned_units_would_overflow_the_stock_is_skipped(
    customer, product, category
):
    full = ProductFactory(category=category, stock=10)
    overflowing = order_placed_ago(customer, full, TTL * 3, quantity=3)
    other = order_placed_ago(customer, product, TTL * 2, quantity=1)
    # The stock column (a 32-bit integer) cannot take the 3 units back.
    Product.objects.filter(pk=full.pk).update(stock=2_147_483_647 - 1)

    assert cancel_unpaid_orders.apply().result == 1

    overflowing.refresh_from_db()
    other.refresh_from_db()
    assert (overflowing.status, other.status) == (OrderStatus.PENDING, OrderStatus.CANCELLED)
    assert not AuditLog.objects.filter(
        action="order.transitioned", object_id=str(overflowing.pk)
    ).exists()
