"""Variants: a parent declares option names and is never sold; each variant has its own
SKU, price, stock and ledger, and exactly its parent's options."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nexus_catalog.exceptions import CatalogValidationError, OrderValidationError
from nexus_catalog.models import InventoryMovement, Product
from nexus_catalog.services import catalog
from nexus_catalog.services.ordering import cancel_order, place_order
from tests.catalog.conftest import ledger_mismatches
from tests.factories import ParentProductFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/products/"


@pytest.fixture
def shirt(category):
    return ParentProductFactory(category=category, name="Shirt", option_names=["size", "colour"])


def variant(shirt, size, colour, **kwargs):
    return VariantFactory(parent=shirt, option_values={"size": size, "colour": colour}, **kwargs)


def test_staff_creates_a_parent_without_price_or_stock(auth_client, staff, category):
    response = auth_client(staff).post(
        PRODUCTS,
        {"name": "Tee", "sku": "TEE", "category": category.pk, "option_names": ["size"]},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["is_parent"], body["option_names"], body["stock"]) == (True, ["size"], 0)


def test_staff_creates_a_variant_with_its_own_sku_price_and_stock(auth_client, staff, shirt):
    response = auth_client(staff).post(
        PRODUCTS,
        {
            "name": "Shirt M red",
            "sku": "SHIRT-M-RED",
            "price": "12.50",
            "stock": 7,
            "category": shirt.category_id,
            "parent": shirt.pk,
            "option_values": {"size": "M", "colour": "red"},
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    created = Product.objects.get(sku="SHIRT-M-RED")
    assert (created.parent_id, created.price, created.stock) == (shirt.pk, Decimal("12.50"), 7)
    assert InventoryMovement.objects.filter(product=created).get().change == 7


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"size": "M"}, "Missing: colour."),
        ({"size": "M", "colour": "red", "fit": "slim"}, "Not an option of the parent: fit."),
        ({"size": "M", "colour": ""}, "colour: a text of 1 to 50 characters."),
    ],
)
def test_variant_values_must_be_exactly_the_parents_options(shirt, staff, values, message):
    with pytest.raises(CatalogValidationError) as raised:
        catalog.create_product(
            {
                "name": "X",
                "sku": "X",
                "price": Decimal("1"),
                "category": shirt.category,
                "parent": shirt,
                "option_values": values,
            },
            actor=staff,
        )

    assert message in raised.value.errors["option_values"]
    assert not Product.objects.filter(sku="X").exists()


def test_two_variants_cannot_share_their_values(shirt, staff):
    variant(shirt, "M", "red")

    with pytest.raises(CatalogValidationError) as raised:
        catalog.create_product(
            {
                "name": "X",
                "sku": "X",
                "price": Decimal("1"),
                "category": shirt.category,
                "parent": shirt,
                "option_values": {"colour": "red", "size": "M"},
            },
            actor=staff,
        )

    assert "option_values" in raised.value.errors


def test_a_standalone_product_cannot_be_a_parent(staff, product):
    with pytest.raises(CatalogValidationError) as raised:
        catalog.create_product(
            {
                "name": "X",
                "sku": "X",
                "price": Decimal("1"),
                "category": product.category,
                "parent": product,
                "option_values": {},
            },
            actor=staff,
        )

    assert "parent" in raised.value.errors


def test_a_parent_holds_no_stock(staff, shirt):
    with pytest.raises(CatalogValidationError):
        catalog.update_product(shirt, {}, stock=5, actor=staff)

    assert Product.objects.get(pk=shirt.pk).stock == 0


def test_option_names_and_parent_do_not_change(staff, shirt, product):
    child = variant(shirt, "M", "red")

    with pytest.raises(CatalogValidationError):
        catalog.update_product(shirt, {"option_names": ["size"]}, actor=staff)
    with pytest.raises(CatalogValidationError):
        catalog.update_product(child, {"parent": None}, actor=staff)


def test_moving_a_parent_moves_its_variants(staff, shirt):
    from tests.factories import CategoryFactory

    child = variant(shirt, "M", "red")
    elsewhere = CategoryFactory()

    catalog.update_product(shirt, {"category": elsewhere}, actor=staff)

    assert Product.objects.get(pk=child.pk).category_id == elsewhere.pk


def test_ordering_a_parent_is_a_400(auth_client, customer, shirt):
    variant(shirt, "M", "red", stock=5)

    response = auth_client(customer).post(
        "/api/orders/", {"items": [{"product": shirt.pk, "quantity": 1}]}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "items": {"0": {"product": ["Shirt has variants: order one of them."]}}
    }


def test_ordering_a_variant_takes_its_own_stock_and_cancel_gives_it_back(customer, shirt):
    medium = variant(shirt, "M", "red", stock=5)
    large = variant(shirt, "L", "red", stock=5)

    order = place_order(customer, [{"product": medium.pk, "quantity": 2}])

    assert Product.objects.get(pk=medium.pk).stock == 3
    assert Product.objects.get(pk=large.pk).stock == 5
    assert ledger_mismatches() == {}
    cancel_order(order, customer)
    assert Product.objects.get(pk=medium.pk).stock == 5
    assert ledger_mismatches() == {}


def test_a_variant_cannot_be_oversold(customer, shirt):
    medium = variant(shirt, "M", "red", stock=1)

    with pytest.raises(OrderValidationError):
        place_order(customer, [{"product": medium.pk, "quantity": 2}])

    assert Product.objects.get(pk=medium.pk).stock == 1


def test_the_list_shows_parents_with_their_variants_and_standalone_products(
    api_client, shirt, product
):
    variant(shirt, "M", "red", price=Decimal("12.00"), stock=0)
    variant(shirt, "L", "red", price=Decimal("15.00"), stock=3)
    variant(shirt, "S", "red", price=Decimal("1.00"), is_active=False)

    body = api_client.get(PRODUCTS).json()

    by_id = {row["id"]: row for row in body["results"]}
    assert set(by_id) == {shirt.pk, product.pk}
    assert by_id[shirt.pk]["price_range"] == {"min": "12.00", "max": "15.00"}
    assert by_id[shirt.pk]["in_stock"] is True
    # Staff see the inactive one too; customers only what is on sale.
    assert {v["option_values"]["size"] for v in by_id[shirt.pk]["variants"]} == {"L", "M"}
    assert by_id[product.pk]["variants"] == []


def test_a_parent_whose_variants_are_out_of_stock_is_not_in_stock(api_client, shirt):
    variant(shirt, "M", "red", stock=0)

    [row] = api_client.get(PRODUCTS).json()["results"]

    assert row["in_stock"] is False


def test_flat_lists_what_can_be_bought(api_client, shirt, product):
    medium = variant(shirt, "M", "red")

    body = api_client.get(PRODUCTS, {"variants": "flat"}).json()

    assert {row["id"] for row in body["results"]} == {medium.pk, product.pk}


def test_an_unknown_variants_mode_is_a_400(api_client):
    response = api_client.get(PRODUCTS, {"variants": "tree"})

    assert response.status_code == 400
    assert "variants" in response.json()


def sell(shirt, size, price, *, stock=5, staff=None):
    """A variant created through the service, as the API and the admin create one."""
    return catalog.create_product(
        {
            "name": f"{shirt.name} {size}",
            "sku": f"{shirt.sku}-{size}",
            "price": Decimal(price),
            "category": shirt.category,
            "parent": shirt,
            "option_values": {"size": size, "colour": "red"},
        },
        actor=staff,
        stock=stock,
    )


def price_of(product) -> Decimal:
    return Product.objects.values_list("price", flat=True).get(pk=product.pk)


def test_a_parents_price_is_the_lowest_of_its_active_variants(staff, shirt):
    medium = sell(shirt, "M", "40.00")
    assert price_of(shirt) == Decimal("40.00")
    large = sell(shirt, "L", "25.00")
    assert price_of(shirt) == Decimal("25.00")

    catalog.update_product(large, {"is_active": False}, actor=staff)
    assert price_of(shirt) == Decimal("40.00")
    catalog.update_product(medium, {"price": Decimal("35.00")}, actor=staff)
    assert price_of(shirt) == Decimal("35.00")
    catalog.update_product(large, {"is_active": True}, actor=staff)
    catalog.delete_product(large, actor=staff)
    assert price_of(shirt) == Decimal("35.00")


def test_staff_cannot_set_a_parents_price_past_its_variants(staff, shirt):
    sell(shirt, "M", "40.00")

    catalog.update_product(shirt, {"price": Decimal("1.00")}, actor=staff)

    assert price_of(shirt) == Decimal("40.00")


def test_orders_never_write_the_parent(customer, shirt):
    medium = sell(shirt, "M", "40.00")
    before = Product.objects.values("price", "updated_at").get(pk=shirt.pk)

    place_order(customer, [{"product": medium.pk, "quantity": 5}])

    assert Product.objects.values("price", "updated_at").get(pk=shirt.pk) == before
    assert Product.objects.get(pk=medium.pk).stock == 0


def test_price_filters_compare_a_parents_from_price(api_client, shirt, product):
    sell(shirt, "M", "40.00")
    sell(shirt, "L", "44.00")
    ProductFactory(price=Decimal("50.00"))

    def listed(**params):
        body = api_client.get(PRODUCTS, params).json()
        return [row["id"] for row in body["results"]]

    assert listed(min_price="30", max_price="45") == [shirt.pk]
    sell(shirt, "S", "5.00")
    # From 5.00 now: below min_price, within max_price.
    assert listed(min_price="30", max_price="45") == []
    assert shirt.pk in listed(max_price="6")


def test_in_stock_filter_reads_a_parents_active_variants(api_client, staff, shirt):
    medium = sell(shirt, "M", "40.00", stock=0)
    large = sell(shirt, "L", "41.00", stock=3)

    def listed(value):
        return [
            row["id"] for row in api_client.get(PRODUCTS, {"in_stock": value}).json()["results"]
        ]

    assert (listed("true"), listed("false")) == ([shirt.pk], [])
    catalog.update_product(large, {"is_active": False}, actor=staff)
    assert (listed("true"), listed("false")) == ([], [shirt.pk])
    assert medium.pk not in listed("false")  # variants are in the flat list only


def test_filters_of_the_flat_list_read_each_variant(api_client, shirt):
    medium = sell(shirt, "M", "40.00", stock=0)
    sell(shirt, "L", "5.00")

    body = api_client.get(PRODUCTS, {"variants": "flat", "min_price": "30"}).json()
    assert [row["id"] for row in body["results"]] == [medium.pk]
    body = api_client.get(PRODUCTS, {"variants": "flat", "in_stock": "false"}).json()
    assert [row["id"] for row in body["results"]] == [medium.pk]


def test_existing_products_are_standalone(product):
    product.refresh_from_db()

    assert (product.parent_id, product.is_parent, product.option_names, product.option_values) == (
        None,
        False,
        [],
        {},
    )


def test_a_parent_with_variants_cannot_be_deleted(auth_client, staff, shirt):
    variant(shirt, "M", "red")

    response = auth_client(staff).delete(f"{PRODUCTS}{shirt.pk}/")

    assert response.status_code == 409


def test_products_are_found_by_slug_as_well_as_id(api_client, product):
    by_id = api_client.get(f"{PRODUCTS}{product.pk}/").json()
    by_slug = api_client.get(f"{PRODUCTS}{product.slug}/").json()

    assert by_id == by_slug
    assert api_client.get(f"{PRODUCTS}no-such-slug/").status_code == 404
