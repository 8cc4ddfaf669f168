"""The rules of variants: a parent declares option names and is never sold; each variant
has one value for each of its parent's names, and no other.

A product is one of three kinds, fixed when it is created:

* standalone: no parent, no option names (every product made before variants existed);
* parent: ``option_names`` declared (``is_parent``), no stock, never on an order; its
  ``price`` is its "from" price, the lowest of its active variants' (:func:`refresh_parent`;
  the price given at creation until it has an active variant);
* variant: a ``parent``, ``option_values`` with exactly the parent's names, its own SKU,
  price, stock and stock ledger, in the parent's category.

:func:`check_product` is called by :mod:`.catalog` inside the transaction that saves the
product, with the parent's row locked, so two variants with the same values cannot both
be created.

What the product list filters and orders a parent by is on the parent's own row (its
category, its "from" price, its text), so the list reads one row per entry with the
indexes' plain walk; :func:`refresh_parent` keeps that price current in the transaction of
every staff write of a variant. Orders never write a parent, so placing one is unchanged
(and stays a heap-only update of the variant's stock).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Min

from nexus_catalog.exceptions import CatalogValidationError
from nexus_catalog.models import Product

MAX_OPTIONS = 5
MAX_OPTION_LENGTH = 50


def _clean_names(names: Any) -> list[str]:
    if not isinstance(names, list) or not names:
        raise CatalogValidationError({"option_names": ["A non-empty list of option names."]})
    if len(names) > MAX_OPTIONS:
        raise CatalogValidationError({"option_names": [f"At most {MAX_OPTIONS} option names."]})
    cleaned = []
    for name in names:
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_OPTION_LENGTH:
            raise CatalogValidationError(
                {"option_names": [f"Each name is a text of 1 to {MAX_OPTION_LENGTH} characters."]}
            )
        cleaned.append(name.strip())
    if len(set(cleaned)) != len(cleaned):
        raise CatalogValidationError({"option_names": ["The names must differ."]})
    return cleaned


def _clean_values(values: Any, names: Iterable[str]) -> dict[str, str]:
    names = list(names)
    if not isinstance(values, dict):
        raise CatalogValidationError({"option_values": ["An object of option name: value."]})
    missing = [name for name in names if name not in values]
    unknown = sorted(set(values) - set(names))
    problems = []
    if missing:
        problems.append(f"Missing: {', '.join(missing)}.")
    if unknown:
        problems.append(f"Not an option of the parent: {', '.join(unknown)}.")
    if problems:
        raise CatalogValidationError(
            {"option_values": [*problems, f"The parent's options are: {', '.join(names)}."]}
        )
    cleaned = {}
    for name in names:
        value = values[name]
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_OPTION_LENGTH:
            raise CatalogValidationError(
                {"option_values": [f"{name}: a text of 1 to {MAX_OPTION_LENGTH} characters."]}
            )
        cleaned[name] = value.strip()
    return cleaned


def prepare_new(product: Product, data: Mapping[str, Any], *, stock: int) -> None:
    """Check a product about to be created and set what its kind implies (``is_parent``,
    the parent's category, a parent's zero price when none was given).

    A variant's parent row is locked (``select_for_update``) until the end of the caller's
    transaction, which serialises the creation of the parent's variants.
    """
    names = data.get("option_names") or []
    parent = data.get("parent")
    if names and parent is not None:
        raise CatalogValidationError({"parent": ["A parent of variants cannot be a variant."]})
    if names:
        product.option_names = _clean_names(names)
        product.is_parent = True
        if data.get("option_values"):
            raise CatalogValidationError({"option_values": ["Only variants have values."]})
        if stock:
            raise CatalogValidationError({"stock": ["A parent holds no stock: its variants do."]})
        if product.price is None:
            product.price = Decimal("0.00")
        return
    if parent is None:
        if data.get("option_values"):
            raise CatalogValidationError({"option_values": ["Only variants have values."]})
        if product.price is None:
            raise CatalogValidationError({"price": ["This field is required."]})
        return
    locked = Product.objects.select_for_update().get(pk=parent.pk)
    if not locked.is_parent:
        raise CatalogValidationError(
            {"parent": ["Not a parent: only a product created with option_names has variants."]}
        )
    if product.price is None:
        raise CatalogValidationError({"price": ["This field is required."]})
    product.option_values = _clean_values(data.get("option_values") or {}, locked.option_names)
    product.category_id = locked.category_id
    _check_unique_values(locked, product.option_values)


def check_update(current: Product, data: Mapping[str, Any], *, stock: int | None) -> dict[str, Any]:
    """Check a change of ``current`` (its row locked by the caller) and return ``data``
    cleaned: the kind of a product, its parent and a parent's option names never change; a
    variant's values may, within its parent's names; a parent's category moves its
    variants with it (:func:`move_variants`)."""
    data = dict(data)
    if "parent" in data and (data["parent"].pk if data["parent"] else None) != current.parent_id:
        raise CatalogValidationError({"parent": ["A product's parent cannot change."]})
    if "option_names" in data and data["option_names"] != current.option_names:
        raise CatalogValidationError(
            {"option_names": ["Option names are set when the parent is created."]}
        )
    if current.is_parent and stock:
        raise CatalogValidationError({"stock": ["A parent holds no stock: its variants do."]})
    if "option_values" in data:
        if current.parent_id is None:
            if data["option_values"]:
                raise CatalogValidationError({"option_values": ["Only variants have values."]})
            return data
        parent = Product.objects.select_for_update().get(pk=current.parent_id)
        values = _clean_values(data["option_values"], parent.option_names)
        if values != current.option_values:
            _check_unique_values(parent, values)
        data["option_values"] = values
    if current.parent_id is not None and "category" in data:
        parent_category = (
            Product.objects.filter(pk=current.parent_id).values_list("category_id", flat=True)
        ).get()
        if data["category"].pk != parent_category:
            raise CatalogValidationError(
                {"category": ["A variant is in its parent's category; move the parent."]}
            )
    return data


def move_variants(parent: Product) -> None:
    """Put the variants of ``parent`` in its category (after the parent moved)."""
    Product.objects.filter(parent=parent).exclude(category_id=parent.category_id).update(
        category_id=parent.category_id
    )


def _check_unique_values(parent: Product, values: dict[str, str]) -> None:
    for existing in Product.objects.filter(parent=parent).values_list("option_values", flat=True):
        if existing == values:
            raise CatalogValidationError(
                {"option_values": ["Another variant of this parent has these values."]}
            )


def lock_parent(product: Product) -> None:
    """Lock the parent of ``product`` (a variant) until the caller's transaction ends; do
    nothing for a product without a parent. Every write of a variant locks the parent
    first, then the variant (as creating one does), so no two writes wait on each other
    crosswise."""
    if product.parent_id is not None:
        Product.objects.select_for_update().filter(pk=product.parent_id).values_list("pk").get()


def refresh_parent(parent_id: int | None) -> None:
    """Set the price of the parent ``parent_id`` to the lowest price of its active variants
    (its "from" price), when it has one; no parent (None): nothing.

    Called after a variant was created, changed or deleted, and after a parent was
    changed, inside the same transaction, with the parent's row locked (:func:`lock_parent`),
    so two variants changed at once cannot leave the price of the one that wrote last."""
    if parent_id is None:
        return
    Product.objects.select_for_update().filter(pk=parent_id).values_list("pk").get()
    lowest = Product.objects.filter(parent_id=parent_id, is_active=True).aggregate(
        lowest=Min("price")
    )["lowest"]
    if lowest is not None:
        Product.objects.filter(pk=parent_id).exclude(price=lowest).update(price=lowest)
