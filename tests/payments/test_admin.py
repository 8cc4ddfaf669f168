"""The payments in the admin: readable (their list, their page, the order's inline), never
added, changed or deleted there: a payment changes only through its provider."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from nexus_catalog.models import Payment, PaymentEvent
from nexus_catalog.services.ordering import place_order
from nexus_catalog.services.payments import start_payment
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(customer) -> Payment:
    order = place_order(customer, [{"product": ProductFactory(stock=5).pk, "quantity": 1}])
    started, _ = start_payment(order, "manual", customer)
    return started


@pytest.mark.parametrize("model", [Payment, PaymentEvent])
def test_payments_cannot_be_added_changed_or_deleted(admin_user, model):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    model_admin = site._registry[model]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)
    assert model_admin.get_actions(request) == {}


@pytest.mark.parametrize("name", ["payment", "paymentevent"])
def test_payment_changelists_load_and_search(admin_client, payment, name):
    url = reverse(f"admin:nexus_catalog_{name}_changelist")

    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "not-a-number"}).status_code == 200


def test_payment_page_shows_its_events(admin_client, payment):
    event = PaymentEvent.objects.get(payment=payment)

    response = admin_client.get(reverse("admin:nexus_catalog_payment_change", args=[payment.pk]))

    assert response.status_code == 200
    assert event.provider_event_id in response.content.decode()


def test_order_page_shows_its_payments(admin_client, payment):
    response = admin_client.get(
        reverse("admin:nexus_catalog_order_change", args=[payment.order_id])
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("admin:nexus_catalog_payment_change", args=[payment.pk]) in page
    assert "manual" in page


def test_a_payment_cannot_be_changed_by_a_post(admin_client, payment):
    url = reverse("admin:nexus_catalog_payment_change", args=[payment.pk])
    before = (payment.status, payment.amount)

    response = admin_client.post(url, {"status": "captured", "amount": "0.01"})

    assert response.status_code == 403
    payment.refresh_from_db()
    assert (payment.status, payment.amount) == before
