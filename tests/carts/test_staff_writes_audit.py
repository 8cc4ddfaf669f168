"""Staff writes of shipping methods and vouchers leave their audit rows."""

from __future__ import annotations

import pytest

from nexus_catalog.models import AuditLog

pytestmark = pytest.mark.django_db


def rows(action: str) -> list[AuditLog]:
    return list(AuditLog.objects.filter(action=action))


def test_a_shipping_method_created_then_changed_is_recorded_with_before_and_after(
    auth_client, staff
):
    client = auth_client(staff)
    created = client.post(
        "/api/shipping-methods/",
        {"code": "express", "name": "Express", "price": "9.00", "countries": ["gb", "fr"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    method = created.json()["id"]

    changed = client.patch(f"/api/shipping-methods/{method}/", {"price": "11.50"}, format="json")

    assert changed.status_code == 200
    [creation] = rows("shipping_method.created")
    assert creation.after["countries"] == ["FR", "GB"]
    assert creation.actor_id == staff.pk
    [update] = rows("shipping_method.updated")
    assert (update.before, update.after) == ({"price": "9.00"}, {"price": "11.50"})


def test_a_voucher_created_then_changed_is_recorded_with_before_and_after(auth_client, staff):
    client = auth_client(staff)
    created = client.post(
        "/api/vouchers/", {"code": "spring", "kind": "percent", "value": "10"}, format="json"
    )
    assert created.status_code == 201, created.content

    client.patch(f"/api/vouchers/{created.json()['id']}/", {"max_uses": 5}, format="json")

    [creation] = rows("voucher.created")
    assert creation.after["code"] == "SPRING"
    [update] = rows("voucher.updated")
    assert (update.before, update.after) == ({"max_uses": None}, {"max_uses": 5})
