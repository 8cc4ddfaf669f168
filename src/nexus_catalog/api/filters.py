"""Query filters of the product list: every bad value is a 400 naming the parameter.

django-filter stays the contract (the parameters, their schema, their 400 messages); what
it costs per request is trimmed by :class:`LeanFilterSet` and :class:`ProductFilterBackend`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django_filters.filters import QuerySetRequestMixin
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation

from nexus_catalog.conf import ID_COLUMN_MAX
from nexus_catalog.models import Product
from nexus_catalog.services import listing, search

ORDERING_FIELDS = ("name", "price", "created_at", "stock")

#: The words a boolean query parameter takes, in any case: ``true``/``false`` as a JSON or
#: JavaScript client writes them, ``True``/``False`` as a Python client does (``str(True)``,
#: bravado and requests alike), ``1``/``0``.
BOOLEAN_WORDS = {"true": True, "1": True, "false": False, "0": False}


class BooleanParameterField(forms.NullBooleanField):
    """A boolean query parameter: a word of :data:`BOOLEAN_WORDS` in any case; absent or
    empty is no filter, anything else an error (django-filter's ``BooleanWidget`` would
    take an unknown word as absent and filter nothing)."""

    widget = forms.Select(choices=[("", "---------"), ("true", "true"), ("false", "false")])
    default_error_messages = {"invalid": "Must be true or false (or 1 or 0)."}

    def to_python(self, value: Any) -> bool | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        try:
            return BOOLEAN_WORDS[str(value).lower()]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value: bool | None) -> None:
        pass


class BooleanParameterFilter(django_filters.BooleanFilter):
    field_class = BooleanParameterField


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


class LeanFilterSet(django_filters.FilterSet):
    """A ``FilterSet`` that costs a request only the filters its query string names.

    On every request django-filter deep-copies every filter, builds a new form class
    (``type(...)``) from form fields built anew, then a form that deep-copies those fields
    again: on a product list, more time than the database takes. Here

    * the form class is built once per class (:meth:`lean_form_class`);
    * :meth:`given` answers the class narrowed to the filters whose parameters the query
      string carries (and the required ones), built once per set of names, so a request
      copies and validates only those. A filter whose parameter is absent filters nothing,
      so the results, and the errors of the parameters given, are the same as with every
      filter.

    Both apply only when no filter's form field depends on the request (a model choice
    filter with a callable queryset does); with such a filter the class behaves as a
    plain ``FilterSet``.
    """

    # The narrowed classes kept per class; past this many name sets (a client can send
    # 2**filters of them) a narrowed class is built for the request and not kept.
    NARROWED_CACHE_SIZE = 256

    @classmethod
    def lean_form_class(cls) -> type[forms.Form] | None:
        """The form class ``get_form_class`` would build, built once per class; None when a
        filter's form field depends on the request."""
        try:
            return cls.__dict__["_lean_form_class"]
        except KeyError:
            pass
        form_class = None
        if not any(isinstance(f, QuerySetRequestMixin) for f in cls.base_filters.values()):
            fields = {}
            for name, declared in cls.base_filters.items():
                # Fields are built on copies: the declared filters stay without one, which
                # keeps the per-request deep copy of them cheap.
                filter_ = copy.deepcopy(declared)
                filter_.model = cls._meta.model
                fields[name] = filter_.field
            form_class = type(f"{cls.__name__}Form", (cls._meta.form,), fields)
        cls._lean_form_class = form_class
        return form_class

    @classmethod
    def given(
        cls, data: Mapping[str, Any], prefix: str | None = None
    ) -> type[LeanFilterSet] | None:
        """This class narrowed to the filters ``data`` gives a value for (as the form field's
        widget reads it) and the required ones; None when that leaves none."""
        form_class = cls.lean_form_class()
        if form_class is None:
            return cls
        fields = form_class.base_fields
        names = tuple(
            name
            for name, field in fields.items()
            if field.required
            or not field.widget.value_omitted_from_data(
                data, {}, f"{prefix}-{name}" if prefix else name
            )
        )
        if not names:
            return None
        if len(names) == len(fields):
            return cls
        kept = cls.__dict__.get("_lean_narrowed")
        if kept is None:
            kept = cls._lean_narrowed = {}
        narrowed = kept.get(names)
        if narrowed is None:
            narrowed = type(cls.__name__, (cls,), {"__module__": cls.__module__})
            narrowed.base_filters = {name: cls.base_filters[name] for name in names}
            narrowed._lean_form_class = type(
                form_class.__name__,
                (cls._meta.form,),
                {name: fields[name] for name in names},
            )
            if len(kept) < cls.NARROWED_CACHE_SIZE:
                kept[names] = narrowed
        return narrowed

    def get_form_class(self) -> type[forms.Form]:
        return self.lean_form_class() or super().get_form_class()


class ProductFilter(LeanFilterSet):
    category = IntegerFilter(
        field_name="category_id",
        min_value=1,
        max_value=ID_COLUMN_MAX,
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
        label="Words of the name, the SKU or the description (PostgreSQL: full text by rank, "
        "typos in the name tolerated; SQLite: case-insensitive substring).",
    )
    in_stock = BooleanParameterFilter(
        method="filter_in_stock",
        label="true: only products in stock; false: only products out of stock "
        "(True/False and 1/0 too).",
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
        # Full text by rank on PostgreSQL, substrings elsewhere (nexus_catalog.services.search);
        # an ``ordering`` given too sorts after this.
        return search.ranked(search.matching(queryset, value), value)

    def filter_in_stock(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        # A parent is in stock when one of its active variants is.
        in_stock = listing.in_stock()
        return queryset.filter(in_stock if value else ~in_stock)


_SCHEMA_TYPES: dict[str, dict[str, Any]] = {
    "category": {"type": "integer", "minimum": 1, "maximum": ID_COLUMN_MAX},
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
    """``DjangoFilterBackend`` that filters through :meth:`LeanFilterSet.given` (a query
    string without any filter parameter costs nothing), and whose OpenAPI parameters carry
    their real types (drf-yasg would otherwise document every filter as a plain string)."""

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not issubclass(filterset_class, LeanFilterSet):
            return super().filter_queryset(request, queryset, view)
        kwargs = self.get_filterset_kwargs(request, queryset, view)
        narrowed = filterset_class.given(kwargs["data"], kwargs.get("prefix"))
        if narrowed is None:
            return queryset
        filterset = narrowed(**kwargs)
        if not filterset.is_valid() and self.raise_exception:
            raise translate_validation(filterset.errors)
        return filterset.qs

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
