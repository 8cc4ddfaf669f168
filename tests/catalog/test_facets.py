"""Facets: counts of the filtered purchasable products, in a constant number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings

from tests.factories import CategoryFactory, ParentProductFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

FACETS = "/api/products/facets/"


@pytest.fixture
def shop():
    shoes, shirts = CategoryFactory(name="Shoes"), CategoryFactory(name="Shirts")
    ProductFactory(category=shoes, price=Decimal("60.00"), stock=0)
    ProductFactory(category=shoes, price=Decimal("5.00"))
    shirt = ParentProductFactory(category=shirts, option_names=["size", "colour"])
    for size, colour, price in [("M", "red", "20.00"), ("L", "red", "20.00"), ("M", "blue", "30")]:
        VariantFactory(
            parent=shirt, price=Decimal(price), option_values={"size": size, "colour": colour}
        )
    ProductFactory(category=shoes, is_active=False)
    return {"shoes": shoes, "shirts": shirts}


def test_facets_count_what_can_be_bought(api_client, shop):
    body = api_client.get(FACETS).json()

    assert body["count"] == 5
    assert body["categories"] == [
        {"id": shop["shirts"].pk, "name": "Shirts", "count": 3},
        {"id": shop["shoes"].pk, "name": "Shoes", "count": 2},
    ]
    assert body["options"] == {"colour": {"blue": 1, "red": 2}, "size": {"L": 1, "M": 2}}
    assert body["in_stock"] == {"true": 4, "false": 1}
    assert [band["count"] for band in body["price_bands"]] == [1, 2, 1, 1, 0, 0]
    assert body["price_bands"][0] == {"min": "0.00", "max": "10.00", "count": 1}
    assert body["price_bands"][-1] == {"min": "250.00", "max": None, "count": 0}


def test_facets_follow_the_lists_filters(api_client, shop):
    body = api_client.get(FACETS, {"category": shop["shirts"].pk, "max_price": "25"}).json()

    assert body["count"] == 2
    assert body["options"] == {"colour": {"red": 2}, "size": {"L": 1, "M": 1}}


def test_price_bands_are_a_setting(api_client, shop):
    with override_settings(NEXUS_CATALOG={"FACET_PRICE_BANDS": [25]}):
        body = api_client.get(FACETS).json()

    assert [(b["min"], b["max"], b["count"]) for b in body["price_bands"]] == [
        ("0.00", "25.00", 3),
        ("25.00", None, 2),
    ]


def test_a_bad_filter_is_a_400(api_client):
    assert api_client.get(FACETS, {"min_price": "x"}).status_code == 400


def test_facets_take_three_queries_whatever_the_catalog(
    api_client, shop, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        api_client.get(FACETS, {"search": "Product"})
    for n in range(20):
        shirt = ParentProductFactory(option_names=["size"])
        VariantFactory(parent=shirt, option_values={"size": f"S{n}"})
    with django_assert_max_num_queries(3):
        body = api_client.get(FACETS, {"search": "Product"}).json()
    assert body["count"] > 20
