"""The demo plugins' fake-card provider (DEMO ONLY) takes an order to paid and back."""

from __future__ import annotations

import pytest

from nexus_catalog.models import OrderStatus, Payment

pytestmark = pytest.mark.django_db

fake_card = pytest.importorskip("nexus_demo_plugins.fake_card")


def test_fake_card_pays_and_refunds_the_order(register_plugin, auth_client, customer, staff, order):
    register_plugin(fake_card, "fake_card")
    response = auth_client(customer).post(
        f"/api/orders/{order.pk}/payments/", {"provider": "fake_card"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert "DEMO ONLY" in response.json()["next_action"]["notice"]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    cancel = auth_client(staff).delete(f"/api/orders/{order.pk}/")
    assert cancel.status_code == 204
    assert Payment.objects.get(order=order).status == "refunded"
