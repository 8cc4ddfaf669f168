"""SQL for the order hot path, built once from the models' metadata.

Placing an order writes an order, its lines and adjustments, a ledger movement per line, an
audit row, and takes the stock. Through the ORM, compiling each of those statements costs
more CPU than the database spends running it (in-process, the ORM's ``create()`` of an order
took about 0.6 ms against 0.2 ms for the same INSERT sent directly), and each is a round
trip. So on PostgreSQL:

- the stock of each product is taken, and its row locked, by one ``UPDATE ... RETURNING``
  (:func:`take_stock`);
- every row of the order is written by one statement (:func:`insert_order`): an INSERT per
  table, chained as data-modifying ``WITH`` queries, the lines and adjustments taking the new
  order's id, each movement the id of its line, the audit row the order's id as its object.

The statements are written once per database alias and row count from ``Model._meta``, and
every value goes through the field's own ``pre_save`` and ``get_db_prep_save``, as in the
ORM's INSERT: the rows are the ones :meth:`~django.db.models.query.QuerySet.bulk_create`
would write. As with ``bulk_create``, no ``pre_save``/``post_save`` signal is sent and
``Model.save()`` is not called; the plugin hooks (``nexus_order_created``,
``nexus_audit_event``) are the way to react to a new order.

Other backends keep the ORM (:func:`supported` is False): the fast path relies on
PostgreSQL's ``UPDATE ... RETURNING`` and data-modifying ``WITH``, and on psycopg returning
Python values that need no converters.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import connections, models

from nexus_catalog.models import (
    AuditLog,
    InventoryMovement,
    Order,
    OrderAdjustment,
    OrderLine,
    Product,
)

# A statement binds about a dozen values per line; PostgreSQL takes at most 65,535. Orders
# with more lines than this (MAX_ORDER_LINES allows 50 by default) are written by the ORM.
MAX_LINES = 1000


def supported(using: str, *, lines: int = 1) -> bool:
    """Whether the statements here can write an order of ``lines`` lines on ``using``."""
    return connections[using].vendor == "postgresql" and lines <= MAX_LINES


@functools.cache
def _insert_fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    # What bulk_create inserts for new rows: every concrete column but generated ones and
    # an auto-incremented primary key.
    return tuple(
        field
        for field in model._meta.concrete_fields
        if not field.generated and not isinstance(field, models.AutoField)
    )


# -- taking stock -------------------------------------------------------------------------


@functools.cache
def _in_field_order(names: frozenset[str]) -> tuple[str, ...]:
    # Model.from_db() takes the values in the order of the model's fields.
    return tuple(f.attname for f in Product._meta.concrete_fields if f.attname in names)


@functools.cache
def _take_sql(using: str, returned: tuple[str, ...]) -> str:
    quote = connections[using].ops.quote_name
    column = {f.attname: quote(f.column) for f in Product._meta.concrete_fields}
    stock, pk, active = column["stock"], column["id"], column["is_active"]
    return (
        f"UPDATE {quote(Product._meta.db_table)} SET {stock} = {stock} - %s "
        f"WHERE {pk} = %s AND {active} AND {stock} >= %s "
        f"RETURNING {', '.join(column[name] for name in returned)}"
    )


def take_stock(pk: Any, quantity: int, *, fields: Sequence[str], using: str) -> Product | None:
    """Take ``quantity`` units of an active product in one statement, which also locks its
    row until the transaction ends; the product as it is after the update, with ``fields``
    loaded, or ``None`` when it is unknown, inactive or short of stock (nothing changed)."""
    returned = _in_field_order(frozenset(fields))
    with connections[using].cursor() as cursor:
        cursor.execute(_take_sql(using, returned), [quantity, pk, quantity])
        row = cursor.fetchone()
    return None if row is None else Product.from_db(using, returned, row)


# -- the whole order in one statement -----------------------------------------------------

# The columns the statement fills from rows it writes itself, per model: the SQL put in
# place of the value (``{type}`` is the column's type), and the attribute of the instance
# bound to its ``%s``, if any. Lines and adjustments take the new order's id, a movement
# the id of the new line of its product, the audit row the order's id as its object.
_NEW_ORDER_ID = "(SELECT id FROM new_order)"
_FILLED: dict[type[models.Model], dict[str, tuple[str, str | None]]] = {
    Order: {},
    OrderLine: {"order_id": (_NEW_ORDER_ID, None)},
    OrderAdjustment: {"order_id": (_NEW_ORDER_ID, None)},
    InventoryMovement: {
        "order_line_id": ("(SELECT id FROM new_lines WHERE product_id = %s)", "product_id")
    },
    AuditLog: {"object_id": (f"CAST({_NEW_ORDER_ID} AS {{type}})", None)},
}


def _params(obj: models.Model, connection: Any) -> list[Any]:
    """The values ``obj``'s row binds, as the ORM's INSERT sends them."""
    filled = _FILLED[type(obj)]
    params = []
    for field in _insert_fields(type(obj)):
        if field.attname in filled:
            source = filled[field.attname][1]
            if source is not None:
                params.append(getattr(obj, source))
            continue
        value = field.pre_save(obj, add=True)
        if hasattr(value, "resolve_expression"):
            raise ValueError(
                f"{type(obj).__name__}.{field.name} holds an expression; "
                "statements only write plain values."
            )
        params.append(field.get_db_prep_save(value, connection=connection))
    return params


# The queries of the statement, in the order they are written and their values bound; a
# query with no rows (an order without adjustments) is left out.
_QUERIES: tuple[tuple[str, type[models.Model]], ...] = (
    ("new_order", Order),
    ("new_lines", OrderLine),
    ("new_movements", InventoryMovement),
    ("new_log", AuditLog),
    ("new_adjustments", OrderAdjustment),
)


def _has_product(model: type[models.Model]) -> bool:
    # Lines and movements return their product's id, which pairs each with its instance.
    return any(f.name == "product" for f in _insert_fields(model))


def _insert(using: str, name: str, model: type[models.Model], rows: int) -> str:
    connection = connections[using]
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    filled = _FILLED[model]
    values = ", ".join(
        filled[f.attname][0].format(type=f.cast_db_type(connection))
        if f.attname in filled
        else "%s"
        for f in fields
    )
    product = (
        ", {} AS product_id".format(quote(model._meta.get_field("product").column))
        if _has_product(model)
        else ""
    )
    return "{} AS (INSERT INTO {} ({}) VALUES {} RETURNING {} AS id{})".format(
        name,
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join([f"({values})"] * rows),
        quote(model._meta.pk.column),
        product,
    )


@functools.lru_cache(maxsize=256)
def _insert_order_sql(using: str, rows: tuple[int, ...]) -> str:
    """The statement writing ``rows[i]`` rows with query ``i`` of :data:`_QUERIES`; it
    answers the ids of every new row, each named by its query (lines and movements with
    their product's id)."""
    written = [
        (name, model, count) for (name, model), count in zip(_QUERIES, rows, strict=True) if count
    ]
    queries = [_insert(using, name, model, count) for name, model, count in written]
    ids = [
        f"SELECT '{name}', id, {'product_id' if _has_product(model) else 'NULL'} FROM {name}"
        for name, model, _ in written
    ]
    return "WITH {} {}".format(", ".join(queries), " UNION ALL ".join(ids))


def insert_order(
    order: Order,
    lines: Sequence[OrderLine],
    adjustments: Sequence[OrderAdjustment],
    movements: Sequence[InventoryMovement],
    log: AuditLog,
    *,
    using: str,
) -> None:
    """Write a new order and everything placed with it in one statement.

    ``lines`` and ``adjustments`` belong to ``order``; ``movements`` are the ledger rows of
    the lines, one per line (a line per product, as :func:`place_order` merges them);
    ``log`` is the audit row of the order, whose ``object_id`` becomes the order's id. Every
    instance gets its primary key, and the foreign keys filled by the statement are set on
    the instances too, as if each had been saved in turn.
    """
    line_of = {line.product_id: line for line in lines}
    if len(line_of) != len(lines) or {m.product_id for m in movements} != set(line_of):
        raise ValueError("insert_order() takes one line per product and one movement per line.")
    connection = connections[using]
    rows_of = {
        "new_order": [order],
        "new_lines": lines,
        "new_movements": movements,
        "new_log": [log],
        "new_adjustments": adjustments,
    }
    objs = [obj for name, _ in _QUERIES for obj in rows_of[name]]
    params = [value for obj in objs for value in _params(obj, connection)]

    sql = _insert_order_sql(using, tuple(len(rows_of[name]) for name, _ in _QUERIES))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    ids: dict[str, list[tuple[Any, Any]]] = {"new_adjustments": []}
    for query, pk, product_id in rows:
        ids.setdefault(query, []).append((pk, product_id))
    [(order.pk, _)] = ids["new_order"]
    [(log.pk, _)] = ids["new_log"]
    line_ids = {product_id: pk for pk, product_id in ids["new_lines"]}
    movement_ids = {product_id: pk for pk, product_id in ids["new_movements"]}
    # Ids come from one sequence, drawn in the order of the VALUES rows.
    adjustment_ids = sorted(pk for pk, _ in ids["new_adjustments"])
    log.object_id = str(order.pk)
    for line in lines:
        line.pk, line.order_id = line_ids[line.product_id], order.pk
    for adjustment, pk in zip(adjustments, adjustment_ids, strict=True):
        adjustment.pk, adjustment.order_id = pk, order.pk
    for movement in movements:
        movement.pk = movement_ids[movement.product_id]
        movement.order_line_id = line_ids[movement.product_id]
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
