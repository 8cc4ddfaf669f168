"""The lean read path of the catalog: response bodies without DRF's per-field machinery.

The serializers stay the contract (the schema, the validation, the writes); this module
produces exactly what they output, faster:

* :func:`row_shape`: a viewset fetches exactly the serializer's fields with ``values()``
  and shapes each row as the serializer would have shaped the instance: money as a string
  with the field's places, a datetime in the current time zone in ISO 8601 (``Z`` for UTC),
  a foreign key as its id. That skips building one model instance and a dozen field
  objects per row, which is most of what a page of products costs.
* :class:`FastRepresentationMixin`: a serializer of model instances (nested lists of
  plain serializers included, as an order's lines) renders through a shape computed once
  per class, instead of building its fields on every instantiation.

A serializer may name ``ATTACHED_FIELDS``: fields the viewset adds to the shaped rows
itself, for a whole page at once (a product's variants and images); the shape skips them.
Otherwise only serializers made of plain fields qualify; the shapes are ``None`` for any other (a
method field, a dotted source...) or when the host changed DRF's number or date formats,
and DRF's usual path is taken.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from rest_framework import ISO_8601, fields, relations, serializers
from rest_framework.settings import api_settings

# A converter takes the value and the current time zone (None without USE_TZ), looked up
# once per page rather than once per value.
Converter = Callable[[Any, Any], Any]

# Fields whose value from ``values()`` is already what the serializer would output.
_AS_IS = (
    fields.BooleanField,
    fields.CharField,
    fields.IntegerField,
    fields.ReadOnlyField,
    relations.PrimaryKeyRelatedField,
)


def _money(places: int) -> Converter:
    exponent = Decimal(1).scaleb(-places)

    def convert(value: Decimal | None, tz: Any) -> str | None:
        return None if value is None else f"{value.quantize(exponent):f}"

    return convert


def _datetime(value: Any, tz: Any) -> str | None:
    if value is None:
        return None
    if tz is not None and value.utcoffset() is not None:
        value = value.astimezone(tz)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _as_is(value: Any, tz: Any) -> Any:
    return value


def _choice(field: fields.ChoiceField) -> Converter:
    choices = field.choice_strings_to_values

    def convert(value: Any, tz: Any) -> Any:
        return value if value in ("", None) else choices.get(str(value), value)

    return convert


def _converter(field: fields.Field) -> Converter | None:
    """How the ``values()`` value becomes the field's output; None when not handled here."""
    if isinstance(field, fields.DecimalField):
        plain = getattr(field, "coerce_to_string", True) and not field.localize
        if not plain or field.decimal_places is None or getattr(field, "normalize_output", False):
            return None
        return _money(field.decimal_places)
    if isinstance(field, fields.DateTimeField):
        if hasattr(field, "timezone") or getattr(field, "format", ISO_8601) != ISO_8601:
            return None
        return _datetime
    if isinstance(field, fields.ChoiceField) and not isinstance(field, fields.MultipleChoiceField):
        return _choice(field)
    if isinstance(field, relations.PrimaryKeyRelatedField):
        return _as_is if field.pk_field is None else None
    big_integer = getattr(fields, "BigIntegerField", ())  # DRF 3.16+
    if isinstance(field, big_integer) and getattr(
        field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING
    ):
        return None
    if isinstance(field, (fields.ListField, fields.DictField)):
        # A JSON column: ``values()`` gives the decoded list or dict, as the field shows it
        # when its items need no conversion.
        return _as_is if _converter(field.child) is _as_is else None
    if isinstance(field, _AS_IS) and not isinstance(field, fields.HiddenField):
        return _as_is
    return None


class RowShape:
    """The ``values()`` columns of a serializer, and how each becomes its output.

    When every field is named as its column (a plain ``ModelSerializer``), a ``values()``
    row already has the output's keys in the output's order: only the columns that need a
    conversion (money, datetimes, choices) are rewritten, in place. Which ones those are is
    decided once per serializer class, not once per row."""

    def __init__(self, columns: list[tuple[str, str, Converter]]) -> None:
        self.columns = columns
        self.sources = [source for _, source, _ in columns]
        self.renamed = any(name != source for name, source, _ in columns)
        self.converted = [
            (source, convert) for _, source, convert in columns if convert is not _as_is
        ]

    def rows(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        tz = timezone.get_current_timezone() if settings.USE_TZ else None
        if self.renamed:
            columns = self.columns
            return [
                {name: convert(row[source], tz) for name, source, convert in columns}
                for row in rows
            ]
        rows = list(rows)
        converted = self.converted
        for row in rows:
            for source, convert in converted:
                row[source] = convert(row[source], tz)
        return rows


def row_shape(serializer_class: type[serializers.Serializer]) -> RowShape | None:
    """The shape of ``serializer_class``'s output, or None when it needs DRF's own path."""
    if api_settings.DATETIME_FORMAT != ISO_8601 or not api_settings.COERCE_DECIMAL_TO_STRING:
        return None
    return _row_shape(serializer_class)


@cache
def _row_shape(serializer_class: type[serializers.Serializer]) -> RowShape | None:
    columns = []
    # Fields the viewset computes for a whole page after reading the rows.
    attached = getattr(serializer_class, "ATTACHED_FIELDS", ())
    for name, field in serializer_class().fields.items():
        if field.write_only or name in attached:
            continue
        convert = _converter(field)
        if convert is None or "." in field.source or field.source == "*":
            return None
        columns.append((name, field.source, convert))
    return RowShape(columns)


def _one(value: Any, tz: Any) -> Any:
    """Marks a column of one nested object (see :class:`ObjectShape`); never called."""
    raise NotImplementedError


class ObjectShape:
    """How a serializer of model instances renders one: ``(name, attribute, converter,
    nested shape)`` per field; a nested list reads ``attribute.all()``, a nested object
    (converter :func:`_one`) the related instance or ``None``."""

    def __init__(self, columns: list[tuple[str, str, Converter | None, ObjectShape | None]]):
        self.columns = columns

    def render(self, instance: Any, tz: Any) -> dict[str, Any]:
        data = {}
        for name, attribute, convert, nested in self.columns:
            value = getattr(instance, attribute)
            if nested is None:
                data[name] = convert(value, tz)
            elif convert is _one:
                data[name] = None if value is None else nested.render(value, tz)
            else:
                data[name] = [nested.render(item, tz) for item in value.all()]
        return data


def object_shape(serializer_class: type[serializers.Serializer]) -> ObjectShape | None:
    """The shape of ``serializer_class``'s output for an instance, or None: DRF's path."""
    if api_settings.DATETIME_FORMAT != ISO_8601 or not api_settings.COERCE_DECIMAL_TO_STRING:
        return None
    return _object_shape(serializer_class)


@cache
def _object_shape(serializer_class: type[serializers.Serializer]) -> ObjectShape | None:
    model = getattr(getattr(serializer_class, "Meta", None), "model", None)
    if model is None:
        return None
    columns: list[tuple[str, str, Converter | None, ObjectShape | None]] = []
    for name, field in serializer_class().fields.items():
        if field.write_only:
            continue
        if "." in field.source or field.source == "*":
            return None
        if isinstance(field, serializers.ListSerializer):
            nested = _object_shape(type(field.child))
            if nested is None:
                return None
            columns.append((name, field.source, None, nested))
            continue
        if isinstance(field, serializers.Serializer):
            # One related object (a foreign key, read through select_related), or None.
            nested = _object_shape(type(field))
            if nested is None:
                return None
            columns.append((name, field.source, _one, nested))
            continue
        convert = _converter(field)
        if convert is None:
            return None
        try:
            # A foreign key is read from its column (``user_id``): no query for the user.
            attribute = model._meta.get_field(field.source).attname
        except FieldDoesNotExist:
            return None
        columns.append((name, attribute, convert, None))
    return ObjectShape(columns)


class FastRepresentationMixin:
    """For a ``ModelSerializer``: render through :func:`object_shape` when the serializer
    qualifies (its fields are then never built), through DRF otherwise."""

    def to_representation(self, instance: Any) -> Any:
        shape = object_shape(type(self))
        if shape is None:
            return super().to_representation(instance)
        tz = timezone.get_current_timezone() if settings.USE_TZ else None
        return shape.render(instance, tz)
