"""The values() read path answers what the serializers answer."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework import serializers

from nexus_catalog.api.reads import row_shape
from nexus_catalog.api.serializers import (
    CategorySerializer,
    OrderSerializer,
    ProductSerializer,
    attach_summaries,
)
from nexus_catalog.models import Category, Product
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def as_rows(serializer_class, queryset) -> list[dict]:
    shape = row_shape(serializer_class)
    return shape.rows(queryset.values(*shape.sources))


def test_product_rows_equal_the_serializer_output():
    ProductFactory(price=Decimal("7.5"), description="")
    ProductFactory(is_active=False, stock=0)
    products = Product.objects.order_by("id")
    rows = as_rows(ProductSerializer, products)
    attach_summaries(rows, rows, include_inactive=True)
    assert rows == ProductSerializer(products, many=True).data


def test_category_rows_equal_the_serializer_output_with_and_without_a_parent():
    CategoryFactory(parent=CategoryFactory())
    categories = Category.objects.order_by("id")
    assert as_rows(CategorySerializer, categories) == CategorySerializer(categories, many=True).data


def test_rows_keep_the_serializers_key_order():
    CategoryFactory(parent=CategoryFactory())
    categories = Category.objects.order_by("id")
    expected = CategorySerializer(categories, many=True).data
    assert [list(row) for row in as_rows(CategorySerializer, categories)] == [
        list(row) for row in expected
    ]


class RenamedCategorySerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="name", read_only=True)

    class Meta:
        model = Category
        fields = ["id", "title", "created_at"]


def test_a_field_named_apart_from_its_column_is_renamed():
    CategoryFactory()
    categories = Category.objects.order_by("id")
    rows = as_rows(RenamedCategorySerializer, categories)
    assert rows == RenamedCategorySerializer(categories, many=True).data
    assert list(rows[0]) == ["id", "title", "created_at"]


def test_datetimes_follow_the_current_time_zone_as_drf_does():
    ProductFactory()
    with timezone.override("Asia/Kolkata"):
        row = as_rows(ProductSerializer, Product.objects.all())[0]
        expected = ProductSerializer(Product.objects.get()).data
    assert row["created_at"] == expected["created_at"]
    assert row["created_at"].endswith("+05:30")


def test_a_nested_serializer_takes_drfs_path():
    assert row_shape(OrderSerializer) is None


def test_a_host_date_format_takes_drfs_path():
    with override_settings(REST_FRAMEWORK={"DATETIME_FORMAT": "%Y-%m-%d"}):
        assert row_shape(ProductSerializer) is None
    assert row_shape(ProductSerializer) is not None


def test_product_list_body_is_the_serializer_output(api_client):
    for price in ("3.00", "1.10", "2.25"):
        ProductFactory(price=Decimal(price))
    response = api_client.get("/api/products/", {"ordering": "price"})
    expected = ProductSerializer(Product.objects.order_by("price", "id"), many=True).data
    assert response.json()["results"] == json.loads(json.dumps(expected))


def test_product_detail_body_is_the_serializer_output(api_client):
    product = ProductFactory()
    response = api_client.get(f"/api/products/{product.pk}/")
    assert response.json() == json.loads(json.dumps(ProductSerializer(product).data))


def test_product_detail_still_applies_the_list_filters(api_client):
    product = ProductFactory(price=Decimal("10.00"))
    assert api_client.get(f"/api/products/{product.pk}/", {"min_price": "50"}).status_code == 404
    assert api_client.get(f"/api/products/{product.pk}/", {"min_price": "x"}).status_code == 400


def test_inactive_product_detail_is_404_for_customers(api_client):
    product = ProductFactory(is_active=False)
    assert api_client.get(f"/api/products/{product.pk}/").status_code == 404


def test_category_detail_body_is_the_serializer_output(api_client):
    category = CategoryFactory()
    response = api_client.get(f"/api/categories/{category.pk}/")
    assert response.json() == json.loads(json.dumps(CategorySerializer(category).data))
