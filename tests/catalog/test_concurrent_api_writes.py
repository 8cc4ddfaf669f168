"""Racing API writes on PostgreSQL with real threads: parallel DELETEs of one order, and two
categories moved under each other at once."""

from __future__ import annotations

import pytest
from django.db.models import Sum
from rest_framework.test import APIClient

from nexus_catalog.models import AuditLog, Category, InventoryMovement, Order, Product
from nexus_catalog.models.inventory import MovementReason
from nexus_catalog.services.ordering import place_order
from tests.catalog.conftest import ledger_mismatches
from tests.catalog.test_concurrency import run_together
from tests.factories import CategoryFactory, ProductFactory, StaffUserFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def test_parallel_deletes_of_one_pending_order_all_answer_204_and_cancel_it_once():
    a, b = ProductFactory(stock=10), ProductFactory(stock=10)
    customer = UserFactory()
    order = place_order(
        customer, [{"product": a.pk, "quantity": 3}, {"product": b.pk, "quantity": 2}]
    )

    statuses = run_together(
        [lambda: client_of(customer).delete(f"/api/orders/{order.pk}/").status_code] * 8
    )

    assert statuses == [204] * 8
    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert [Product.objects.get(pk=p.pk).stock for p in (a, b)] == [10, 10]
    cancels = InventoryMovement.objects.filter(reason=MovementReason.CANCEL)
    assert cancels.count() == 2
    assert cancels.aggregate(units=Sum("change"))["units"] == 5
    assert AuditLog.objects.filter(action="order.transitioned").count() == 1
    assert ledger_mismatches() == {}


def test_categories_moved_under_each_other_at_once_never_make_a_cycle():
    staff = StaffUserFactory()
    a, b = CategoryFactory(name="A"), CategoryFactory(name="B")

    for _ in range(20):
        Category.objects.filter(pk__in=[a.pk, b.pk]).update(parent=None)
        responses = run_together(
            [
                lambda: client_of(staff).patch(
                    f"/api/categories/{a.pk}/", {"parent": b.pk}, format="json"
                ),
                lambda: client_of(staff).patch(
                    f"/api/categories/{b.pk}/", {"parent": a.pk}, format="json"
                ),
            ]
        )

        assert sorted(r.status_code for r in responses) == [200, 400]
        refused = next(r for r in responses if r.status_code == 400)
        assert "parent" in refused.json()
        parents = dict(Category.objects.filter(pk__in=[a.pk, b.pk]).values_list("pk", "parent"))
        assert parents in ({a.pk: b.pk, b.pk: None}, {a.pk: None, b.pk: a.pk})
