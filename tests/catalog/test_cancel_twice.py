"""Cancelling is idempotent (``DELETE`` of an order), a transition is not."""

from __future__ import annotations

import pytest

from nexus_catalog.exceptions import TransitionForbidden
from nexus_catalog.models import AuditLog, InventoryMovement, Product
from nexus_catalog.models.inventory import MovementReason
from nexus_catalog.services.ordering import cancel_order

pytestmark = pytest.mark.django_db


def test_cancelling_a_cancelled_order_returns_no_stock_and_writes_no_audit(
    pending_order, customer, product
):
    cancel_order(pending_order, customer)

    cancel_order(pending_order, customer)

    assert pending_order.status == "cancelled"
    assert Product.objects.get(pk=product.pk).stock == 10
    assert InventoryMovement.objects.filter(reason=MovementReason.CANCEL).count() == 1
    assert AuditLog.objects.filter(action="order.transitioned").count() == 1


def test_another_customer_may_not_cancel_a_cancelled_order(pending_order, customer, other_customer):
    cancel_order(pending_order, customer)

    with pytest.raises(TransitionForbidden):
        cancel_order(pending_order, other_customer)


def test_transition_of_a_cancelled_order_to_cancelled_is_still_400(
    auth_client, customer, pending_order
):
    client = auth_client(customer)
    client.delete(f"/api/orders/{pending_order.pk}/")

    response = client.post(f"/api/orders/{pending_order.pk}/transition/", {"status": "cancelled"})

    assert response.status_code == 400
    assert "status" in response.json()
