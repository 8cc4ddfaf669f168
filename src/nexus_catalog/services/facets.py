"""Facets of a filtered set of purchasable products, in three queries whatever its size.

The counts are of what can be bought (standalone products and variants; parents are not
counted), after the list's filters:

* per category (one ``GROUP BY``);
* per option value: ``{"size": {"M": 3, "L": 1}, ...}`` (one ``GROUP BY`` over the JSON
  pairs of the variants' ``option_values``: ``jsonb_each_text`` on PostgreSQL,
  ``json_each`` on SQLite);
* per price band of ``FACET_PRICE_BANDS`` and in stock or not (one query of conditional
  counts).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import Count, Q, QuerySet

from nexus_catalog.conf import catalog_settings
from nexus_catalog.models import Product


def bands() -> list[tuple[Decimal, Decimal | None]]:
    """``FACET_PRICE_BANDS`` as ``(low, high)`` pairs, ``low`` inclusive, ``high``
    exclusive, the last one open (``None``)."""
    bounds = [Decimal(str(b)) for b in catalog_settings.FACET_PRICE_BANDS]
    lows = [Decimal("0"), *bounds]
    return list(zip(lows, [*bounds, None], strict=True))


def facets(queryset: QuerySet[Product]) -> dict[str, Any]:
    """The facets of ``queryset`` (already filtered to purchasable products)."""
    queryset = queryset.order_by()
    by_category = list(
        queryset.values("category_id", "category__name")
        .annotate(count=Count("id"))
        .order_by("category__name", "category_id")
    )
    price_bands = bands()
    counts = queryset.aggregate(
        total=Count("id"),
        in_stock=Count("id", filter=Q(stock__gt=0)),
        **{
            f"band{i}": Count(
                "id", filter=Q(price__gte=low) & (Q() if high is None else Q(price__lt=high))
            )
            for i, (low, high) in enumerate(price_bands)
        },
    )
    return {
        "count": counts["total"],
        "categories": [
            {"id": row["category_id"], "name": row["category__name"], "count": row["count"]}
            for row in by_category
        ],
        "options": _option_counts(queryset),
        "price_bands": [
            {"min": low, "max": high, "count": counts[f"band{i}"]}
            for i, (low, high) in enumerate(price_bands)
        ],
        "in_stock": {"true": counts["in_stock"], "false": counts["total"] - counts["in_stock"]},
    }


def _option_counts(queryset: QuerySet[Product]) -> dict[str, dict[str, int]]:
    """``{name: {value: count}}`` over the variants of ``queryset``, in one query.

    The ORM cannot group by the pairs of a JSON object, so the ``GROUP BY`` is written here
    around the queryset's own SQL (a read: the write path stays the ORM)."""
    connection = connections[queryset.db]
    inner, params = queryset.filter(parent__isnull=False).values("id").query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(Product._meta.db_table)
    column = quote(Product._meta.get_field("option_values").column)
    if connection.vendor == "postgresql":
        pairs = f"jsonb_each_text(p.{column}) AS o(key, value)"
    elif connection.vendor == "sqlite":
        pairs = f"json_each(p.{column}) AS o"
    else:  # pragma: no cover - the system check E006 refuses other databases
        return {}
    sql = (
        f"SELECT o.key, o.value, COUNT(*) FROM {table} AS p, {pairs} "
        f"WHERE p.{quote('id')} IN ({inner}) GROUP BY o.key, o.value ORDER BY o.key, o.value"
    )
    options: dict[str, dict[str, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for key, value, count in cursor.fetchall():
            options[key][str(value)] = count
    return dict(options)
