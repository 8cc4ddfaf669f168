"""Query filters of the product list: every bad value is a 400 naming the parameter."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django_filters.rest_framework import DjangoFilterBackend

from nexus_catalog.models import Product

ORDERING_FIELDS = ("name", "price", "created_at", "stock")
BOOLEAN_CHOICES = [("true", "true"), ("false", "false"), ("1", "1"), ("0", "0")]


class ProductFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", "Must not be below min_price.")
        return data


class StableOrderingFilter(django_filters.OrderingFilter):
    """Orders by the requested fields, then by ``id``, so that pages never overlap."""

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        if not value:
            return qs
        return qs.order_by(*(self.get_ordering_value(param) for param in value), "id")


class IntegerFilter(django_filters.NumberFilter):
    """A whole number: ``1.5`` is a 400, not an empty page."""

    field_class = forms.IntegerField


class ProductFilter(django_filters.FilterSet):
    category = IntegerFilter(
        field_name="category_id",
        min_value=1,
        label="Only products of this category (id).",
    )
    min_price = django_filters.NumberFilter(
        field_name="price", lookup_expr="gte", label="Price at least this (inclusive)."
    )
    max_price = django_filters.NumberFilter(
        field_name="price", lookup_expr="lte", label="Price at most this (inclusive)."
    )
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=200,
        label="Case-insensitive text found in the name, the description or the SKU.",
    )
    in_stock = django_filters.ChoiceFilter(
        method="filter_in_stock",
        choices=BOOLEAN_CHOICES,
        label="true: only products in stock; false: only products out of stock.",
    )
    ordering = StableOrderingFilter(
        fields=ORDERING_FIELDS,
        label="Sort by name, price, created_at or stock; prefix with - for descending.",
    )

    class Meta:
        model = Product
        fields: list[str] = []
        form = ProductFilterForm

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(name__icontains=value) | Q(description__icontains=value) | Q(sku__icontains=value)
        )

    def filter_in_stock(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value in ("true", "1"):
            return queryset.filter(stock__gt=0)
        return queryset.filter(stock=0)


_SCHEMA_TYPES: dict[str, dict[str, Any]] = {
    "category": {"type": "integer", "minimum": 1},
    "min_price": {"type": "string", "format": "decimal"},
    "max_price": {"type": "string", "format": "decimal"},
    "search": {"type": "string", "maxLength": 200},
    "in_stock": {"type": "boolean"},
    "ordering": {
        "type": "string",
        "enum": [f"{sign}{field}" for field in ORDERING_FIELDS for sign in ("", "-")],
    },
}


class ProductFilterBackend(DjangoFilterBackend):
    """``DjangoFilterBackend`` whose OpenAPI parameters carry their real types (drf-yasg
    would otherwise document every filter as a plain string)."""

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        filterset = self.get_filterset_class(view, getattr(view, "queryset", None))
        if filterset is None:
            return []
        return [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": str(field.label or ""),
                "schema": _SCHEMA_TYPES.get(name, {"type": "string"}),
            }
            for name, field in filterset.base_filters.items()
        ]
