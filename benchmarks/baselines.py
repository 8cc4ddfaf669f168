"""The raw baselines: what the same responses cost without the package's machinery.

Plain Django views, mounted under ``/bench/`` by ``benchmarks.urls`` and never part of
``src/``. Reads use ``.values()`` and orjson; order placement is raw SQL (a conditional stock
update per line, the order row and its lines, in one transaction). A second placement,
``order_place_same_work``, also does in raw SQL what the design asks of every order (the
user checked, the ledger rows, the audit row, its delivery task queued on commit), to tell
the package's own overhead from the cost of those guarantees. Each answers the same JSON
shape as its API counterpart (``run.py`` checks the keys before measuring), so a ratio
compares the cost of producing the same bytes. Only the happy path and the obvious 400s are
handled: these views are a yardstick, not an API.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any
from urllib.parse import urlencode

import orjson
from celery import current_app
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from nexus_catalog.conf import catalog_settings
from nexus_catalog.models import (
    AuditLog,
    Category,
    InventoryMovement,
    Order,
    OrderAdjustment,
    OrderLine,
    Product,
    ProductImage,
)
from nexus_catalog.services import facets as facet_counts
from nexus_catalog.services import search

User = get_user_model()
DELIVERY_TASK = "nexus_catalog.tasks.deliver_audit_event"

CENT = Decimal("0.01")

PRODUCT_FIELDS = (
    "id",
    "name",
    "slug",
    "sku",
    "description",
    "price",
    "stock",
    "category",
    "is_active",
    "parent",
    "is_parent",
    "option_names",
    "option_values",
    "created_at",
    "updated_at",
)
VARIANT_FIELDS = ("id", "name", "slug", "sku", "price", "stock", "is_active", "option_values")
CATEGORY_FIELDS = ("id", "name", "slug", "parent", "description", "created_at", "updated_at")
ORDER_FIELDS = (
    "id",
    "user",
    "status",
    "currency",
    "subtotal",
    "total",
    "note",
    "shipping_address",
    "email",
    "shipping_method",
    # Null for an order from items (a checkout's snapshots are ids here, objects in the API).
    "shipping_postal_address",
    "billing_postal_address",
    "created_at",
    "updated_at",
)
LINE_FIELDS = (
    "id",
    "product",
    "product_name",
    "product_sku",
    "unit_price",
    "quantity",
    "line_total",
)
ADJUSTMENT_FIELDS = ("code", "label", "amount", "source")


def _default(value: Any) -> Any:
    # Money as strings with two places, as the API renders it.
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    raise TypeError


def json_response(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(
        orjson.dumps(data, default=_default, option=orjson.OPT_UTC_Z),
        status=status,
        content_type="application/json",
    )


def error(field: str, message: str, status: int = 400) -> HttpResponse:
    return json_response({field: [message]}, status=status)


def paginate(request: HttpRequest, queryset: QuerySet, fields: tuple[str, ...]) -> dict:
    """A page as the API's ``CatalogPagination`` renders it: count, next, previous, results.

    The same counting work as the API: at most ``COUNT_LIMIT + 1`` rows are counted, and
    past ``COUNT_LIMIT`` the count is null and one row more than the page tells whether a
    next page exists. Unlike the API, a page past the end is an empty page, not a 404.
    """
    try:
        page = max(int(request.GET.get("page", 1)), 1)
        size = int(request.GET.get("page_size", catalog_settings.PAGE_SIZE))
    except ValueError:
        page, size = 1, catalog_settings.PAGE_SIZE
    size = min(max(size, 1), catalog_settings.MAX_PAGE_SIZE)
    limit = catalog_settings.COUNT_LIMIT
    if limit is None:
        count = queryset.count()
    else:
        count = queryset.order_by()[: limit + 1].count()
        count = count if count <= limit else None
    offset = (page - 1) * size
    rows = queryset.values(*fields)
    if count is not None:
        results = list(rows[offset : offset + size])
        has_next = offset + size < count
    elif offset + size <= limit:
        results, has_next = list(rows[offset : offset + size]), True
    else:
        results = list(rows[offset : offset + size + 1])
        has_next = len(results) > size
        del results[size:]

    def link(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{urlencode(query)}")

    return {
        "count": count,
        "next": link(page + 1) if has_next else None,
        "previous": link(page - 1) if page > 1 else None,
        "results": results,
    }


def attach(rows: list[dict]) -> list[dict]:
    """What the API adds to each product of a page, read as it reads it: the variants of the
    page's parents in one query (none when the page has no parent), the images of every
    product shown in one ``product_id IN (...)`` query; the price range and whether it is in
    stock from those rows."""
    parents = [row["id"] for row in rows if row["is_parent"]]
    variants: dict[int, list[dict]] = {pk: [] for pk in parents}
    if parents:
        found = Product.objects.filter(parent_id__in=parents, is_active=True)
        for variant in found.order_by("name", "id").values("parent_id", *VARIANT_FIELDS):
            variants[variant.pop("parent_id")].append(variant)
    images: dict[int, list[dict]] = {}
    storage = ProductImage._meta.get_field("image").storage
    shown = [row["id"] for row in rows] + [v["id"] for vs in variants.values() for v in vs]
    if shown:
        found = ProductImage.objects.filter(product_id__in=shown)
        for pk, product, name, alt, position in found.order_by(
            "product_id", "position", "id"
        ).values_list("id", "product_id", "image", "alt_text", "position"):
            images.setdefault(product, []).append(
                {"id": pk, "url": storage.url(name), "alt_text": alt, "position": position}
            )
    for row in rows:
        row["images"] = images.get(row["id"], [])
        if row["is_parent"]:
            row["variants"] = sold = variants[row["id"]]
            for variant in sold:
                variant["images"] = images.get(variant["id"], [])
            prices = [v["price"] for v in sold]
            row["price_range"] = {
                "min": min(prices) if prices else None,
                "max": max(prices) if prices else None,
            }
            row["in_stock"] = any(v["stock"] > 0 for v in sold)
        else:
            row["variants"] = []
            row["price_range"] = {"min": row["price"], "max": row["price"]}
            row["in_stock"] = row["stock"] > 0
    return rows


def filtered(queryset: QuerySet, params: Any) -> QuerySet | None:
    """``queryset`` narrowed by the list's ``category`` and price filters; None for a value
    that is not a number."""
    try:
        if "category" in params:
            queryset = queryset.filter(category_id=int(params["category"]))
        if "min_price" in params:
            queryset = queryset.filter(price__gte=Decimal(params["min_price"]))
        if "max_price" in params:
            queryset = queryset.filter(price__lte=Decimal(params["max_price"]))
    except (ValueError, InvalidOperation):
        return None
    return queryset


@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    # The grouped list: parents and standalone products, each filtered on its own columns.
    queryset = Product.objects.filter(is_active=True, parent__isnull=True).order_by("name", "id")
    params = request.GET
    queryset = filtered(queryset, params)
    if queryset is None:
        return error("detail", "Bad filter value.")
    if params.get("in_stock") in {"true", "1"}:
        queryset = queryset.filter(stock__gt=0)
    if params.get("search"):
        # The same SQL as the API's search (PostgreSQL: the stored documents and the
        # name's trigrams, by rank): the same work, without DRF.
        text = params["search"][:200]
        queryset = search.ranked(search.matching(queryset, text), text)
    page = paginate(request, queryset, PRODUCT_FIELDS)
    attach(page["results"])
    return json_response(page)


@require_GET
def product_facets(request: HttpRequest) -> HttpResponse:
    """The facets' three queries (the package's service, the same SQL) without DRF and the
    filter set: only ``category`` and the prices are read."""
    queryset = filtered(Product.objects.filter(is_active=True, is_parent=False), request.GET)
    if queryset is None:
        return error("detail", "Bad filter value.")
    return json_response(facet_counts.facets(queryset))


@require_GET
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = Product.objects.filter(pk=pk, is_active=True).values(*PRODUCT_FIELDS).first()
    if row is None:
        return error("detail", "Not found.", status=404)
    return json_response(attach([row])[0])


@require_GET
def category_list(request: HttpRequest) -> HttpResponse:
    queryset = Category.objects.order_by("name", "id")
    return json_response(paginate(request, queryset, CATEGORY_FIELDS))


def bearer_user_id(request: HttpRequest) -> int | None:
    """The user id of a valid access token, without a database query."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Bearer "):
        return None
    try:
        return int(AccessToken(header[len("Bearer ") :])["user_id"])
    except (TokenError, KeyError, ValueError):
        return None


@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    user_id = bearer_user_id(request)
    if user_id is None:
        return error("detail", "Authentication credentials were not provided.", status=401)
    page = paginate(request, Order.objects.filter(user_id=user_id), ORDER_FIELDS)
    orders = {row["id"]: row for row in page["results"]}
    for row in orders.values():
        row["lines"], row["adjustments"] = [], []
    for line in OrderLine.objects.filter(order_id__in=orders).values("order", *LINE_FIELDS):
        orders[line.pop("order")]["lines"].append(line)
    adjustments = OrderAdjustment.objects.filter(order_id__in=orders)
    for adjustment in adjustments.values("order", *ADJUSTMENT_FIELDS):
        orders[adjustment.pop("order")]["adjustments"].append(adjustment)
    return json_response(page)


def parse_items(body: bytes) -> list[tuple[int, int]] | HttpResponse:
    try:
        items = orjson.loads(body)["items"]
        merged: dict[int, int] = {}
        for item in items:
            product, quantity = int(item["product"]), int(item["quantity"])
            if quantity < 1:
                return error("items", "Quantity must be at least 1.")
            merged[product] = merged.get(product, 0) + quantity
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return error("items", "A list of {product, quantity} is required.")
    if not merged:
        return error("items", "An order needs at least one item.")
    # Rows are updated in id order, so two orders never wait on each other in a cycle.
    return sorted(merged.items())


class OutOfStock(Exception):
    pass


def active_username(user_id: int) -> str | None:
    """What the API's authentication adds to the token: the user still exists and is active."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {q(User.USERNAME_FIELD)} FROM {q(User._meta.db_table)} "
            f"WHERE {q(User._meta.pk.column)} = %s AND {q('is_active')}",
            [user_id],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def write_ledger_and_audit(
    cursor: Any,
    request: HttpRequest,
    user_id: int,
    username: str,
    order_id: int,
    line_ids: list[int],
    priced: list[tuple],
    subtotal: Decimal,
    now: datetime,
) -> str:
    """A ledger movement per line and the ``order.created`` audit row; returns its event id."""
    q = connection.ops.quote_name
    placeholders = ", ".join(["(%s, %s, 'order', %s, %s, '', %s)"] * len(priced))
    params: list[Any] = []
    for line_id, (product_id, _, _, _, quantity, _) in zip(line_ids, priced, strict=True):
        params.extend([product_id, -quantity, line_id, user_id, now])
    cursor.execute(
        f"INSERT INTO {q(InventoryMovement._meta.db_table)} (product_id, change, reason, "
        f"order_line_id, actor_id, note, created_at) VALUES {placeholders}",
        params,
    )
    snapshot = {
        "status": "pending",
        "currency": catalog_settings.CURRENCY,
        "subtotal": str(subtotal),
        "total": str(subtotal),
        "lines": [
            {"product": product_id, "quantity": quantity, "unit_price": str(price)}
            for product_id, _, _, price, quantity, _ in priced
        ],
        "adjustments": [],
    }
    event_id = str(uuid.uuid4())
    cursor.execute(
        f"INSERT INTO {q(AuditLog._meta.db_table)} (event_id, action, object_type, object_id, "
        f"actor_id, actor_repr, before, after, request_id, ip_address, created_at, "
        f"delivery_attempts) VALUES (%s, 'order.created', %s, %s, %s, %s, '{{}}', %s, %s, %s, "
        f"%s, 0)",
        [
            event_id,
            Order._meta.label_lower,
            str(order_id),
            user_id,
            username,
            orjson.dumps(snapshot).decode(),
            request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex,
            request.META.get("REMOTE_ADDR"),
            now,
        ],
    )
    return event_id


def _enqueue_delivery(event_id: str) -> None:
    """Queue the audit delivery task by name, as the API does on commit (no task in eager
    mode: there the API delivers in process, through the package's own code)."""
    conf = current_app.conf
    if conf.broker_url and not conf.task_always_eager:
        current_app.send_task(DELIVERY_TASK, args=[event_id], ignore_result=True)


def _place(request: HttpRequest, *, same_work: bool) -> HttpResponse:
    user_id = bearer_user_id(request)
    if user_id is None:
        return error("detail", "Authentication credentials were not provided.", status=401)
    username = active_username(user_id) if same_work else ""
    if username is None:
        return error("detail", "User not found or inactive.", status=401)
    items = parse_items(request.body)
    if isinstance(items, HttpResponse):
        return items
    q = connection.ops.quote_name
    products, orders, lines = (q(m._meta.db_table) for m in (Product, Order, OrderLine))
    now = timezone.now()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            priced = []
            for product_id, quantity in items:
                cursor.execute(
                    f"UPDATE {products} SET stock = stock - %s, updated_at = %s "
                    f"WHERE id = %s AND is_active AND NOT is_parent AND stock >= %s "
                    f"RETURNING name, sku, price",
                    [quantity, now, product_id, quantity],
                )
                row = cursor.fetchone()
                if row is None:
                    raise OutOfStock(product_id)
                name, sku, price = row
                price = Decimal(str(price)).quantize(CENT)
                priced.append((product_id, name, sku, price, quantity, price * quantity))
            subtotal = sum((line[5] for line in priced), Decimal("0.00"))
            currency = catalog_settings.CURRENCY
            cursor.execute(
                f"INSERT INTO {orders} (user_id, status, currency, subtotal, total, note, "
                f"shipping_address, email, shipping_method, created_at, updated_at) "
                f"VALUES (%s, 'pending', %s, %s, %s, '', '', '', '', %s, %s) RETURNING id",
                [user_id, currency, subtotal, subtotal, now, now],
            )
            order_id = cursor.fetchone()[0]
            placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(priced))
            params: list[Any] = []
            for line in priced:
                params.extend([order_id, *line])
            cursor.execute(
                f"INSERT INTO {lines} (order_id, product_id, product_name, product_sku, "
                f"unit_price, quantity, line_total) VALUES {placeholders} RETURNING id",
                params,
            )
            line_ids = [row[0] for row in cursor.fetchall()]
            if same_work:
                # The design's guarantees, in the same transaction; the audit event is
                # queued for the sinks once it commits.
                event_id = write_ledger_and_audit(
                    cursor, request, user_id, username, order_id, line_ids, priced, subtotal, now
                )
                transaction.on_commit(partial(_enqueue_delivery, event_id))
    except OutOfStock as exc:
        return error("items", f"Product {exc.args[0]} is unknown, inactive or out of stock.")
    return json_response(
        {
            "id": order_id,
            "user": user_id,
            "status": "pending",
            "currency": currency,
            "subtotal": subtotal,
            "total": subtotal,
            "note": "",
            "shipping_address": "",
            "email": "",
            "shipping_method": "",
            "shipping_postal_address": None,
            "billing_postal_address": None,
            "lines": [
                dict(zip(LINE_FIELDS, (line_id, *line), strict=True))
                for line_id, line in zip(line_ids, priced, strict=True)
            ],
            "adjustments": [],
            "created_at": now,
            "updated_at": now,
        },
        status=201,
    )


@csrf_exempt
@require_POST
def order_place(request: HttpRequest) -> HttpResponse:
    """The issue's raw placement: the stock updates, the order and its lines."""
    return _place(request, same_work=False)


@csrf_exempt
@require_POST
def order_place_same_work(request: HttpRequest) -> HttpResponse:
    """The raw placement plus what the design asks of every order: the user checked in the
    database, a ledger row per line, the audit row, and its delivery task queued on commit.
    Measured beside the API to tell the package's overhead from the cost of its guarantees."""
    return _place(request, same_work=True)
