"""What a product payload carries beyond its own columns: its variants, its price range,
whether it can be bought now, and its images, for a whole page of products in two
queries whatever the page size (one for the variants of the page's parents, one for the
images of every product shown, variants included).

* a standalone product or a variant: the range is its price, in stock when its stock is;
* a parent: the range and the stock of its active variants (no active variant: no range,
  not in stock).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from nexus_catalog.models import Product, ProductImage
from nexus_catalog.services import search

#: The columns of a variant as the parent's payload lists it.
VARIANT_FIELDS = ("id", "name", "slug", "sku", "price", "stock", "is_active", "option_values")


def grouped(
    visible: QuerySet[Product],
    filtered: QuerySet[Product],
    *,
    unfiltered: QuerySet[Product],
    search_text: str | None = None,
) -> QuerySet[Product]:
    """The list's rows: parents and standalone products of ``visible``, narrowed to those
    with a purchasable product (itself or a variant) in ``filtered`` (``unfiltered``
    narrowed by the list's filters), in ``filtered``'s order.

    Without a filter it is a plain read of the rows without a parent. With one, the rows
    are those whose id is ``COALESCE(parent_id, id)`` of a match. A search's rank orders
    the rows by their own text (a parent whose variants alone match comes after the rows
    that match themselves)."""
    rows = visible.filter(parent__isnull=True)
    order = list(filtered.query.order_by)
    if filtered.query.where != unfiltered.query.where:
        groups = filtered.order_by().values(group=Coalesce("parent_id", "id"))
        rows = rows.filter(pk__in=groups)
    if f"-{search.RANK}" in order and search_text:
        return search.ranked(rows, search_text)
    return rows.order_by(*order) if order else rows


@dataclass
class Summary:
    variants: list[dict[str, Any]] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock: bool = False


def summaries(
    products: Iterable[Mapping[str, Any]], *, include_inactive: bool
) -> dict[int, Summary]:
    """A :class:`Summary` per product of ``products`` (rows with ``id``, ``is_parent``,
    ``price`` and ``stock``). ``include_inactive``: list inactive variants too (staff);
    they never count in the range or the stock."""
    products = list(products)
    result = {row["id"]: Summary() for row in products}
    parents = [row["id"] for row in products if row["is_parent"]]
    variants_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if parents:
        variants = Product.objects.filter(parent_id__in=parents)
        if not include_inactive:
            variants = variants.filter(is_active=True)
        for row in variants.order_by("name", "id").values("parent_id", *VARIANT_FIELDS):
            variants_of[row.pop("parent_id")].append(row)
    shown = [*result, *(v["id"] for vs in variants_of.values() for v in vs)]
    images = _images(shown)
    for row in products:
        summary = result[row["id"]]
        summary.images = images.get(row["id"], [])
        if row["is_parent"]:
            summary.variants = variants_of.get(row["id"], [])
            for variant in summary.variants:
                variant["images"] = images.get(variant["id"], [])
            sellable = [v for v in summary.variants if v["is_active"]]
            if sellable:
                summary.price_min = min(v["price"] for v in sellable)
                summary.price_max = max(v["price"] for v in sellable)
                summary.in_stock = any(v["stock"] > 0 for v in sellable)
        else:
            summary.price_min = summary.price_max = row["price"]
            summary.in_stock = row["stock"] > 0
    return result


def _images(product_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The images of ``product_ids`` in position order, each with its storage URL."""
    if not product_ids:
        return {}
    storage = ProductImage._meta.get_field("image").storage
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = ProductImage.objects.filter(product_id__in=product_ids).order_by(
        "product_id", "position", "id"
    )
    for pk, product_id, name, alt_text, position in rows.values_list(
        "id", "product_id", "image", "alt_text", "position"
    ):
        found[product_id].append(
            {"id": pk, "url": storage.url(name), "alt_text": alt_text, "position": position}
        )
    return found
