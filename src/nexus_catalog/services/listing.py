"""The product list's rows, and what a product payload carries beyond its own columns:
its variants, its price range, whether it can be bought now, and its images, for a whole
page of products in two queries whatever the page size (one for the variants of the
page's parents, skipped when the page has none; one ``product_id IN (...)`` read of the
images of every product shown, variants included).

The list shows :data:`LISTED` rows (parents and standalone products), each filtered on its
own columns; :func:`in_stock` is the one filter that looks at a parent's variants.

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

from django.db.models import Exists, OuterRef, Q

from nexus_catalog.models import Product, ProductImage
from nexus_catalog.models.catalog import LISTED
from nexus_catalog.services import reservations

__all__ = ["LISTED", "Summary", "in_stock", "summaries"]

#: The columns of a variant as the parent's payload lists it.
VARIANT_FIELDS = ("id", "name", "slug", "sku", "price", "stock", "is_active", "option_values")


def in_stock() -> Q:
    """Products in stock: a product or a variant with stock, a parent with an active
    variant that has stock (an ``EXISTS`` probe of the ``(parent, ...)`` index per parent;
    standalone rows answer from their own column)."""
    # With cart reservations on, the units carts hold are not in stock for a customer.
    has_units = reservations.has_units()
    variant_in_stock = Product.objects.filter(has_units, parent_id=OuterRef("pk"), is_active=True)
    return has_units | Q(Exists(variant_in_stock), is_parent=True)


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


def show_available_stock(payloads: list[dict[str, Any]]) -> None:
    """With cart reservations on, set the ``stock`` of product payloads (and of the variants a
    parent lists) to the units a customer may buy, and their ``in_stock`` to match: a
    customer is never promised units that carts hold. One query a page; off, none."""
    if not payloads or not reservations.enabled():
        return
    variants = [variant for row in payloads for variant in row.get("variants") or ()]
    shown = [*payloads, *variants]
    available = reservations.available_stock({row["id"]: row["stock"] for row in shown})
    for row in shown:
        row["stock"] = available[row["id"]]
    for row in payloads:
        if row.get("variants"):
            row["in_stock"] = any(v["is_active"] and v["stock"] > 0 for v in row["variants"])
        elif "in_stock" in row:
            row["in_stock"] = row["stock"] > 0
