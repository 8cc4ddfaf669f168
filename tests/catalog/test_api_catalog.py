"""/api/categories/ and /api/products/: reads for anyone, writes for staff, filters."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings

from nexus_catalog.models import AuditLog, Category, InventoryMovement, Product
from nexus_catalog.models.inventory import MovementReason
from tests.catalog.conftest import ledger_mismatches
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/products/"
CATEGORIES = "/api/categories/"


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [p["name"] for p in response.json()["results"]]


# -- reading -------------------------------------------------------------------------------


def test_anyone_can_list_products(api_client, product):
    response = api_client.get(PRODUCTS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0] == {
        "id": product.pk,
        "name": product.name,
        "slug": product.slug,
        "sku": product.sku,
        "description": product.description,
        "price": "10.00",
        "stock": 10,
        "category": product.category_id,
        "is_active": True,
        "parent": None,
        "is_parent": False,
        "option_names": [],
        "option_values": {},
        "created_at": body["results"][0]["created_at"],
        "updated_at": body["results"][0]["updated_at"],
        "variants": [],
        "price_range": {"min": "10.00", "max": "10.00"},
        "in_stock": True,
        "images": [],
    }


def test_inactive_products_are_hidden_from_customers(api_client, auth_client, customer, category):
    hidden = ProductFactory(category=category, is_active=False, name="Hidden")
    ProductFactory(category=category, name="Shown")

    assert names(api_client.get(PRODUCTS)) == ["Shown"]
    assert names(auth_client(customer).get(PRODUCTS)) == ["Shown"]
    assert api_client.get(f"{PRODUCTS}{hidden.pk}/").status_code == 404


def test_staff_see_inactive_products(auth_client, staff, category):
    hidden = ProductFactory(category=category, is_active=False, name="Hidden")

    assert names(auth_client(staff).get(PRODUCTS)) == ["Hidden"]
    assert auth_client(staff).get(f"{PRODUCTS}{hidden.pk}/").status_code == 200


@pytest.fixture
def shelf(category):
    other = CategoryFactory(name="Other")
    return {
        "apple": ProductFactory(
            name="Apple", price="1.50", stock=0, category=category, sku="FR-APL"
        ),
        "banana": ProductFactory(
            name="Banana", price="0.80", stock=5, category=category, description="yellow fruit"
        ),
        "cherry": ProductFactory(name="Cherry", price="6.00", stock=2, category=other),
    }


def test_filter_by_category(api_client, shelf, category):
    assert names(api_client.get(PRODUCTS, {"category": category.pk})) == ["Apple", "Banana"]


def test_filter_by_price_range(api_client, shelf):
    assert names(api_client.get(PRODUCTS, {"min_price": "1.00", "max_price": "6.00"})) == [
        "Apple",
        "Cherry",
    ]


def test_search_looks_at_name_description_and_sku(api_client, shelf):
    assert names(api_client.get(PRODUCTS, {"search": "cher"})) == ["Cherry"]
    assert names(api_client.get(PRODUCTS, {"search": "YELLOW"})) == ["Banana"]
    assert names(api_client.get(PRODUCTS, {"search": "fr-apl"})) == ["Apple"]


def test_in_stock_filter(api_client, shelf):
    assert names(api_client.get(PRODUCTS, {"in_stock": "true"})) == ["Banana", "Cherry"]
    assert names(api_client.get(PRODUCTS, {"in_stock": "false"})) == ["Apple"]


# What a Python client sends for a boolean (str(True)), and the other spellings.
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("True", ["Banana", "Cherry"]),
        ("TRUE", ["Banana", "Cherry"]),
        ("1", ["Banana", "Cherry"]),
        ("False", ["Apple"]),
        ("0", ["Apple"]),
        ("", ["Apple", "Banana", "Cherry"]),
    ],
)
def test_in_stock_takes_any_spelling_of_a_boolean(api_client, shelf, value, expected):
    assert sorted(names(api_client.get(PRODUCTS, {"in_stock": value}))) == expected


def test_ordering(api_client, shelf):
    assert names(api_client.get(PRODUCTS, {"ordering": "-price"})) == [
        "Cherry",
        "Apple",
        "Banana",
    ]
    assert names(api_client.get(PRODUCTS, {"ordering": "stock"})) == ["Apple", "Cherry", "Banana"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "abc"}, "category"),
        ({"category": "1.5"}, "category"),
        ({"min_price": "cheap"}, "min_price"),
        ({"max_price": "NaN"}, "max_price"),
        ({"min_price": "5", "max_price": "1"}, "max_price"),
        ({"in_stock": "maybe"}, "in_stock"),
        ({"in_stock": "yes"}, "in_stock"),
        ({"ordering": "password"}, "ordering"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
    ],
)
def test_bad_filter_value_is_a_400_naming_it(api_client, shelf, params, field):
    response = api_client.get(PRODUCTS, params)

    assert response.status_code == 400
    assert field in response.json()


def test_page_size_is_capped(api_client, category):
    ProductFactory.create_batch(4, category=category)

    with override_settings(NEXUS_CATALOG={"MAX_PAGE_SIZE": 3}):
        response = api_client.get(PRODUCTS, {"page_size": 1000})

    assert len(response.json()["results"]) == 3


def test_page_size_defaults_to_the_setting(api_client, category):
    ProductFactory.create_batch(3, category=category)

    with override_settings(NEXUS_CATALOG={"PAGE_SIZE": 2}):
        body = api_client.get(PRODUCTS).json()

    assert (body["count"], len(body["results"])) == (3, 2)
    assert "page=2" in body["next"]


# -- writing -------------------------------------------------------------------------------


def product_payload(in_category, **overrides):
    return {
        "name": "Teapot",
        "sku": "TP-1",
        "price": "25.00",
        "category": in_category.pk,
        **overrides,
    }


def test_customer_cannot_create_a_product(auth_client, customer, category):
    response = auth_client(customer).post(PRODUCTS, product_payload(category), format="json")

    assert response.status_code == 403
    assert not Product.objects.exists()


def test_anonymous_cannot_create_a_category(api_client):
    response = api_client.post(CATEGORIES, {"name": "Tea"}, format="json")

    assert response.status_code == 401
    assert not Category.objects.exists()


def test_staff_creates_a_product_with_stock(auth_client, staff, category):
    response = auth_client(staff).post(PRODUCTS, product_payload(category, stock=7), format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["price"], response.json()["stock"]) == ("25.00", 7)
    movement = InventoryMovement.objects.get()
    assert (movement.change, movement.reason, movement.actor) == (7, "restock", staff)
    assert set(AuditLog.objects.values_list("action", flat=True)) == {
        "product.created",
        "product.stock_adjusted",
    }


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"price": "-1.00"}, "price"),
        ({"price": "abc"}, "price"),
        ({"stock": -3}, "stock"),
        ({"category": 999999}, "category"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_product_is_a_400_naming_the_field(auth_client, staff, category, override, field):
    response = auth_client(staff).post(
        PRODUCTS, product_payload(category, **override), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not Product.objects.exists()


def test_duplicate_sku_is_a_400(auth_client, staff, product):
    response = auth_client(staff).post(
        PRODUCTS, product_payload(product.category, sku=product.sku), format="json"
    )

    assert response.status_code == 400
    assert "sku" in response.json()


@pytest.mark.parametrize(
    ("stock", "change", "reason"), [(25, 15, "restock"), (4, -6, "adjustment")]
)
def test_staff_patch_of_stock_writes_a_movement(auth_client, staff, product, stock, change, reason):
    response = auth_client(staff).patch(f"{PRODUCTS}{product.pk}/", {"stock": stock}, format="json")

    assert response.status_code == 200
    assert response.json()["stock"] == stock
    movement = InventoryMovement.objects.filter(product=product).latest("id")
    assert (movement.change, movement.reason) == (change, reason)
    assert ledger_mismatches() == {}


def test_staff_patch_of_price_is_audited_with_request_context(auth_client, staff, product):
    response = auth_client(staff).patch(
        f"{PRODUCTS}{product.pk}/",
        {"price": "11.50"},
        format="json",
        HTTP_X_REQUEST_ID="trace-42",
        REMOTE_ADDR="198.51.100.7",
    )

    assert response.status_code == 200
    assert response["X-Request-ID"] == "trace-42"
    log = AuditLog.objects.get(action="product.updated")
    assert (log.after, log.request_id, log.ip_address) == (
        {"price": "11.50"},
        "trace-42",
        "198.51.100.7",
    )
    assert Product.objects.get(pk=product.pk).price == Decimal("11.50")


def test_malformed_request_id_is_replaced(auth_client, staff, product):
    response = auth_client(staff).patch(
        f"{PRODUCTS}{product.pk}/", {"price": "11.50"}, format="json", HTTP_X_REQUEST_ID="a b\n"
    )

    log = AuditLog.objects.get(action="product.updated")
    assert log.request_id == response["X-Request-ID"] != "a b\n"
    assert len(log.request_id) == 32


def test_staff_deletes_a_never_ordered_product(auth_client, staff, product):
    response = auth_client(staff).delete(f"{PRODUCTS}{product.pk}/")

    assert response.status_code == 204
    assert not Product.objects.exists()


def test_deleting_an_ordered_product_is_a_409(auth_client, staff, pending_order, product):
    response = auth_client(staff).delete(f"{PRODUCTS}{product.pk}/")

    assert response.status_code == 409
    assert "is_active" in response.json()["detail"]


def test_staff_creates_and_renames_a_category(auth_client, staff):
    client = auth_client(staff)
    created = client.post(CATEGORIES, {"name": "Tea"}, format="json")
    assert created.status_code == 201
    pk = created.json()["id"]

    renamed = client.patch(f"{CATEGORIES}{pk}/", {"name": "Teas"}, format="json")

    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Teas"
    assert list(AuditLog.objects.order_by("id").values_list("action", flat=True)) == [
        "category.created",
        "category.updated",
    ]


def test_category_under_its_own_child_is_a_400(auth_client, staff):
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)

    response = auth_client(staff).patch(
        f"{CATEGORIES}{parent.pk}/", {"parent": child.pk}, format="json"
    )

    assert response.status_code == 400
    assert "parent" in response.json()


def test_deleting_a_category_with_products_is_a_409(auth_client, staff, product):
    response = auth_client(staff).delete(f"{CATEGORIES}{product.category_id}/")

    assert response.status_code == 409
    assert "products" in response.json()["detail"]
    assert Category.objects.filter(pk=product.category_id).exists()


def test_staff_deletes_an_empty_category(auth_client, staff, category):
    response = auth_client(staff).delete(f"{CATEGORIES}{category.pk}/")

    assert response.status_code == 204
    assert not Category.objects.exists()


def test_movements_of_a_product_patch_are_restock_or_adjustment_only(auth_client, staff, product):
    auth_client(staff).patch(f"{PRODUCTS}{product.pk}/", {"stock": 0}, format="json")

    reasons = set(InventoryMovement.objects.values_list("reason", flat=True))
    assert reasons == {MovementReason.RESTOCK, MovementReason.ADJUSTMENT}
