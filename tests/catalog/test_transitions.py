"""The order state machine: who may move an order where, and what a move does."""

from __future__ import annotations

import pytest

from nexus_catalog.exceptions import OrderTransitionDenied, OrderValidationError
from nexus_catalog.models import AuditLog, InventoryMovement, Order, OrderStatus
from nexus_catalog.models.inventory import MovementReason
from nexus_catalog.services.ordering import (
    TRANSITIONS,
    cancel_order,
    transition_order,
    update_order,
)
from tests.catalog.conftest import ledger_mismatches

pytestmark = pytest.mark.django_db

P, PAID, S, D, C = (
    OrderStatus.PENDING,
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.CANCELLED,
)
ALLOWED = {(P, PAID), (P, C), (PAID, S), (PAID, C), (S, D)}


def move_to(order: Order, status: str) -> Order:
    """Force a status in the database (set-up only; the services are what is tested)."""
    Order.objects.filter(pk=order.pk).update(status=status)
    order.status = status
    return order


def test_the_table_is_the_designed_state_machine():
    assert {(s, t) for s, targets in TRANSITIONS.items() for t in targets} == ALLOWED


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_staff_may_make_every_allowed_move(pending_order, staff, source, target):
    move_to(pending_order, source)

    transition_order(pending_order, target, staff)

    pending_order.refresh_from_db()
    assert pending_order.status == target


@pytest.mark.parametrize(
    ("source", "target"),
    sorted((s, t) for s in OrderStatus.values for t in OrderStatus.values if (s, t) not in ALLOWED),
)
def test_illegal_moves_are_refused_and_leave_the_order(pending_order, staff, source, target):
    move_to(pending_order, source)

    with pytest.raises(OrderTransitionDenied):
        transition_order(pending_order, target, staff)

    pending_order.refresh_from_db()
    assert pending_order.status == source
    assert not AuditLog.objects.filter(action="order.transitioned").exists()


def test_unknown_status_is_refused(pending_order, staff):
    with pytest.raises(OrderTransitionDenied) as excinfo:
        transition_order(pending_order, "lost", staff)

    assert excinfo.value.field == "status"


def test_owner_may_cancel_a_pending_order(pending_order, customer):
    cancel_order(pending_order, customer)

    pending_order.refresh_from_db()
    assert pending_order.status == C


def test_owner_may_not_pay_their_order(pending_order, customer):
    with pytest.raises(OrderTransitionDenied):
        transition_order(pending_order, PAID, customer)

    pending_order.refresh_from_db()
    assert pending_order.status == P


def test_owner_may_not_cancel_a_paid_order(pending_order, customer):
    move_to(pending_order, PAID)

    with pytest.raises(OrderTransitionDenied):
        cancel_order(pending_order, customer)


def test_another_customer_may_not_cancel(pending_order, other_customer):
    with pytest.raises(OrderTransitionDenied):
        cancel_order(pending_order, other_customer)


def test_the_system_may_cancel_an_unpaid_order(pending_order, product):
    cancel_order(pending_order, None)

    log = AuditLog.objects.get(action="order.transitioned")
    assert (log.actor, log.actor_repr) == (None, "system")
    product.refresh_from_db()
    assert product.stock == 10


def test_cancel_returns_stock(pending_order, product, customer):
    product.refresh_from_db()
    assert product.stock == 8

    cancel_order(pending_order, customer)

    product.refresh_from_db()
    assert product.stock == 10
    back = InventoryMovement.objects.get(reason=MovementReason.CANCEL)
    assert (back.change, back.order_line) == (2, pending_order.lines.get())
    assert ledger_mismatches() == {}


def test_cancel_of_a_paid_order_returns_stock(pending_order, product, staff):
    transition_order(pending_order, PAID, staff)
    cancel_order(pending_order, staff)

    product.refresh_from_db()
    assert product.stock == 10


def test_second_cancel_transition_is_refused_and_returns_nothing_more(
    pending_order, product, customer
):
    cancel_order(pending_order, customer)

    with pytest.raises(OrderTransitionDenied):
        transition_order(pending_order, OrderStatus.CANCELLED, customer)

    product.refresh_from_db()
    assert product.stock == 10


def test_transition_is_audited(pending_order, staff):
    transition_order(pending_order, PAID, staff)

    log = AuditLog.objects.get(action="order.transitioned")
    assert (log.before, log.after, log.actor) == ({"status": P}, {"status": PAID}, staff)


def test_transition_updates_the_instance_passed_in(pending_order, staff):
    transition_order(pending_order, PAID, staff)

    assert pending_order.status == PAID


def test_update_changes_note_and_address_while_pending(pending_order, customer):
    update_order(pending_order, customer, note="Leave at door", shipping_address="2 Side St")

    pending_order.refresh_from_db()
    assert (pending_order.note, pending_order.shipping_address) == ("Leave at door", "2 Side St")
    log = AuditLog.objects.get(action="order.updated")
    assert log.after == {"note": "Leave at door", "shipping_address": "2 Side St"}


def test_update_of_a_paid_order_is_refused(pending_order, customer):
    move_to(pending_order, PAID)

    with pytest.raises(OrderValidationError) as excinfo:
        update_order(pending_order, customer, note="late")

    assert list(excinfo.value.errors) == ["note"]
    pending_order.refresh_from_db()
    assert pending_order.note == ""


def test_update_sending_back_the_same_note_is_not_a_change(pending_order, staff):
    move_to(pending_order, PAID)

    update_order(pending_order, staff, note="", status=S)

    pending_order.refresh_from_db()
    assert pending_order.status == S
    assert not AuditLog.objects.filter(action="order.updated").exists()


def test_update_with_a_status_goes_through_the_state_machine(pending_order, customer):
    with pytest.raises(OrderTransitionDenied):
        update_order(pending_order, customer, note="changed", status=PAID)

    pending_order.refresh_from_db()
    assert (pending_order.status, pending_order.note) == (P, "")


def test_another_customer_may_not_update(pending_order, other_customer):
    with pytest.raises(OrderTransitionDenied):
        update_order(pending_order, other_customer, note="mine now")
