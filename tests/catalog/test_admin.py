"""The admin goes through the services; the ledger and the audit log are read-only."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from nexus_catalog.models import AuditLog, InventoryMovement, Order, OrderStatus, Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_request(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    return request


@pytest.mark.parametrize("model", [AuditLog, InventoryMovement])
def test_ledger_and_audit_log_cannot_be_added_changed_or_deleted(superuser_request, model):
    model_admin = site._registry[model]

    assert not model_admin.has_add_permission(superuser_request)
    assert not model_admin.has_change_permission(superuser_request)
    assert not model_admin.has_delete_permission(superuser_request)
    assert model_admin.has_view_permission(superuser_request)


def test_audit_log_has_no_bulk_delete_action(superuser_request):
    assert site._registry[AuditLog].get_actions(superuser_request) == {}


def test_audit_log_page_is_readable(admin_client, pending_order):
    log = AuditLog.objects.get()

    response = admin_client.get(reverse("admin:nexus_catalog_auditlog_change", args=[log.pk]))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "name",
    ["category", "product", "order", "inventorymovement", "auditlog"],
)
def test_changelists_load(admin_client, pending_order, name):
    assert admin_client.get(reverse(f"admin:nexus_catalog_{name}_changelist")).status_code == 200


def test_order_page_shows_its_lines(admin_client, pending_order, product):
    response = admin_client.get(
        reverse("admin:nexus_catalog_order_change", args=[pending_order.pk])
    )

    assert response.status_code == 200
    assert product.name in response.content.decode()


def test_adding_a_product_in_the_admin_is_audited_and_stocked(admin_client, category):
    response = admin_client.post(
        reverse("admin:nexus_catalog_product_add"),
        {
            "name": "Kettle",
            "sku": "KT-1",
            "description": "",
            "price": "30.00",
            "category": category.pk,
            "is_active": "on",
            "stock_change": "8",
            "stock_note": "first delivery",
        },
    )

    assert response.status_code == 302, response.content
    product = Product.objects.get(sku="KT-1")
    assert product.stock == 8
    assert InventoryMovement.objects.get(product=product).note == "first delivery"
    assert set(AuditLog.objects.values_list("action", flat=True)) == {
        "product.created",
        "product.stock_adjusted",
    }


def test_admin_stock_change_below_zero_is_a_form_error(admin_client, product):
    response = admin_client.post(
        reverse("admin:nexus_catalog_product_change", args=[product.pk]),
        {
            "name": product.name,
            "sku": product.sku,
            "description": "",
            "price": "10.00",
            "category": product.category_id,
            "is_active": "on",
            "stock_change": "-11",
        },
    )

    assert response.status_code == 200
    assert "Only 10 in stock." in response.content.decode()
    assert Product.objects.get(pk=product.pk).stock == 10


def test_order_action_moves_orders_through_the_state_machine(admin_client, pending_order):
    response = admin_client.post(
        reverse("admin:nexus_catalog_order_changelist"),
        {"action": "mark_paid", "_selected_action": [pending_order.pk]},
    )

    assert response.status_code == 302
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PAID
    assert AuditLog.objects.filter(action="order.transitioned").count() == 1


def test_order_action_refuses_an_illegal_move(admin_client, pending_order):
    admin_client.post(
        reverse("admin:nexus_catalog_order_changelist"),
        {"action": "mark_delivered", "_selected_action": [pending_order.pk]},
    )

    assert Order.objects.get(pk=pending_order.pk).status == OrderStatus.PENDING


def test_a_parents_page_shows_its_variants_and_images(admin_client, category):
    from nexus_catalog.models import ProductImage
    from tests.factories import ParentProductFactory, VariantFactory

    shirt = ParentProductFactory(category=category, name="Shirt")
    VariantFactory(parent=shirt, name="Shirt M", sku="SHIRT-M-RED")
    ProductImage.objects.create(product=shirt, image="nexus/products/shirt.png", alt_text="Front")

    response = admin_client.get(reverse("admin:nexus_catalog_product_change", args=[shirt.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "SHIRT-M-RED" in page and "nexus/products/shirt.png" in page and "Front" in page


@pytest.mark.parametrize("kind", ["standalone", "parent", "variant"])
def test_products_filter_by_kind(admin_client, category, product, kind):
    from tests.factories import ParentProductFactory, VariantFactory

    shirt = ParentProductFactory(category=category, name="Shirt")
    medium = VariantFactory(parent=shirt, name="Shirt M")
    expected = {"standalone": product, "parent": shirt, "variant": medium}[kind]

    response = admin_client.get(reverse("admin:nexus_catalog_product_changelist"), {"kind": kind})

    shown = list(response.context["cl"].queryset)
    assert shown == [expected]
