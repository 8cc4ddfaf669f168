"""Creating, changing and deleting categories and products, each change audited."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nexus_catalog.exceptions import CategoryCycle, CategoryNotEmpty, ProductInUse
from nexus_catalog.models import AuditLog, Category, InventoryMovement, Product
from nexus_catalog.models.inventory import MovementReason
from nexus_catalog.services import catalog
from nexus_catalog.services.ordering import place_order
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def actions() -> list[str]:
    return list(AuditLog.objects.order_by("id").values_list("action", flat=True))


def test_create_category_is_audited(staff):
    category = catalog.create_category({"name": "Tea"}, actor=staff)

    assert category.slug == "tea"
    log = AuditLog.objects.get(action="category.created")
    assert (log.object_id, log.after["name"], log.actor) == (str(category.pk), "Tea", staff)


def test_update_category_audits_only_what_changed(category, staff):
    catalog.update_category(category, {"description": "Hot drinks"}, actor=staff)

    log = AuditLog.objects.get(action="category.updated")
    assert (log.before, log.after) == ({"description": ""}, {"description": "Hot drinks"})


def test_category_cannot_be_its_own_ancestor(staff):
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)

    with pytest.raises(CategoryCycle):
        catalog.update_category(parent, {"parent": child}, actor=staff)

    parent.refresh_from_db()
    assert parent.parent is None


def test_delete_empty_category(category, staff):
    catalog.delete_category(category, actor=staff)

    assert not Category.objects.exists()
    assert actions() == ["category.deleted"]


def test_delete_category_with_products_is_refused(product, staff):
    with pytest.raises(CategoryNotEmpty):
        catalog.delete_category(product.category, actor=staff)

    assert Category.objects.filter(pk=product.category_id).exists()
    assert actions() == []


def test_delete_category_with_an_inactive_product_is_refused(category, staff):
    ProductFactory(category=category, is_active=False)

    with pytest.raises(CategoryNotEmpty):
        catalog.delete_category(category, actor=staff)


def test_delete_category_with_subcategories_is_refused(category, staff):
    CategoryFactory(parent=category)

    with pytest.raises(CategoryNotEmpty):
        catalog.delete_category(category, actor=staff)


def test_create_product_with_stock_writes_a_restock(category, staff):
    product = catalog.create_product(
        {"name": "Mug", "sku": "MUG-1", "price": Decimal("4.50"), "category": category},
        stock=12,
        actor=staff,
    )

    movement = InventoryMovement.objects.get(product=product)
    assert (product.stock, movement.change, movement.reason) == (12, 12, MovementReason.RESTOCK)
    assert actions() == ["product.created", "product.stock_adjusted"]


def test_create_product_without_stock_writes_no_movement(category, staff):
    product = catalog.create_product(
        {"name": "Mug", "sku": "MUG-1", "price": Decimal("4.50"), "category": category},
        actor=staff,
    )

    assert product.stock == 0
    assert not InventoryMovement.objects.exists()


def test_update_product_audits_the_price_change(product, staff):
    catalog.update_product(product, {"price": Decimal("12.00")}, actor=staff)

    log = AuditLog.objects.get(action="product.updated")
    assert (log.before, log.after) == ({"price": "10.00"}, {"price": "12.00"})
    assert product.price == Decimal("12.00")


def test_update_product_stock_becomes_a_movement(product, staff):
    catalog.update_product(product, {}, stock=3, actor=staff)

    product.refresh_from_db()
    assert product.stock == 3
    assert InventoryMovement.objects.filter(product=product).latest("id").change == -7


def test_delete_never_ordered_product_takes_its_ledger(product, staff):
    catalog.delete_product(product, actor=staff)

    assert not Product.objects.exists()
    assert not InventoryMovement.objects.exists()
    log = AuditLog.objects.get(action="product.deleted")
    assert log.before["sku"] == product.sku


def test_delete_ordered_product_is_refused(product, staff, customer):
    place_order(customer, [{"product": product.pk, "quantity": 1}])

    with pytest.raises(ProductInUse):
        catalog.delete_product(product, actor=staff)

    assert Product.objects.filter(pk=product.pk).exists()
