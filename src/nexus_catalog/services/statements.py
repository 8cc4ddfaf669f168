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


@functools.cache
def _take_sql(model: type[models.Model], using: str, returned: tuple[str, ...]) -> str:
    connection = connections[using]
    quote = connection.ops.quote_name
    column = {f.attname: quote(f.column) for f in model._meta.concrete_fields}
    stock, pk, active = column["stock"], column[model._meta.pk.attname], column["is_active"]
    return (
        f"UPDATE {quote(model._meta.db_table)} SET {stock} = {stock} - %s "
        f"WHERE {pk} = %s AND {active} AND {stock} >= %s "
        f"RETURNING {', '.join(column[name] for name in returned)}"
    )


def take_stock(
    model: type[models.Model], pk: Any, quantity: int, *, returned: tuple[str, ...], using: str
) -> tuple[Any, ...] | None:
    """Take ``quantity`` units of an active product in one statement, which also locks its
    row until the transaction ends; the ``returned`` columns (attnames) of the row after the
    update, or ``None`` when the product is unknown, inactive or short of stock (nothing
    changed)."""
    with connections[using].cursor() as cursor:
        cursor.execute(_take_sql(model, using, returned), [quantity, pk, quantity])
        return cursor.fetchone()


# -- the whole order in one statement -----------------------------------------------------


def _prepared_row(
    obj: models.Model, fields: Sequence[models.Field], skip: set[str], connection: Any
) -> list[Any]:
    """The values of ``obj`` for ``fields`` (but ``skip``), as the ORM's INSERT sends them."""
    params = []
    for field in fields:
        if field.attname in skip:
            continue
        value = field.pre_save(obj, add=True)
        if hasattr(value, "resolve_expression"):
            raise ValueError(
                f"{type(obj).__name__}.{field.name} holds an expression; "
                "statements only write plain values."
            )
        params.append(field.get_db_prep_save(value, connection=connection))
    return params


@functools.lru_cache(maxsize=256)
def _insert_order_sql(
    using: str,
    order_model: type[models.Model],
    line_model: type[models.Model],
    adjustment_model: type[models.Model],
    movement_model: type[models.Model],
    log_model: type[models.Model],
    lines: int,
    adjustments: int,
) -> str:
    connection = connections[using]
    quote = connection.ops.quote_name

    def insert(name: str, model: type[models.Model], rows: int, refs: dict[str, str]) -> str:
        fields = _insert_fields(model)
        values = ", ".join(refs.get(field.attname, "%s") for field in fields)
        return "{} AS (INSERT INTO {} ({}) VALUES {} RETURNING {} AS id{})".format(
            name,
            quote(model._meta.db_table),
            ", ".join(quote(field.column) for field in fields),
            ", ".join([f"({values})"] * rows),
            quote(model._meta.pk.column),
            ", {} AS product_id".format(quote(model._meta.get_field("product").column))
            if "product" in {f.name for f in fields}
            else "",
        )

    order_id = "(SELECT id FROM new_order)"
    object_id = log_model._meta.get_field("object_id").cast_db_type(connection)
    queries = [
        insert("new_order", order_model, 1, {}),
        insert("new_lines", line_model, lines, {"order_id": order_id}),
        insert(
            "new_movements",
            movement_model,
            lines,
            {"order_line_id": "(SELECT id FROM new_lines WHERE product_id = %s)"},
        ),
        insert("new_log", log_model, 1, {"object_id": f"CAST({order_id} AS {object_id})"}),
    ]
    # The ids of every new row, each named by its query (lines and movements by product).
    parts = [
        "SELECT 'new_order', id, NULL FROM new_order",
        "SELECT 'new_lines', id, product_id FROM new_lines",
        "SELECT 'new_movements', id, product_id FROM new_movements",
        "SELECT 'new_log', id, NULL FROM new_log",
    ]
    if adjustments:
        queries.insert(
            2, insert("new_adjustments", adjustment_model, adjustments, {"order_id": order_id})
        )
        parts.append("SELECT 'new_adjustments', id, NULL FROM new_adjustments")
    return "WITH {} {}".format(", ".join(queries), " UNION ALL ".join(parts))


def insert_order(
    order: models.Model,
    lines: Sequence[models.Model],
    adjustments: Sequence[models.Model],
    movements: Sequence[models.Model],
    log: models.Model,
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
    line_model = type(lines[0])
    adjustment_model = type(adjustments[0]) if adjustments else line_model
    sql = _insert_order_sql(
        using,
        type(order),
        line_model,
        adjustment_model,
        type(movements[0]),
        type(log),
        len(lines),
        len(adjustments),
    )
    params = _prepared_row(order, _insert_fields(type(order)), set(), connection)
    for line in lines:
        params += _prepared_row(line, _insert_fields(line_model), {"order_id"}, connection)
    for adjustment in adjustments:
        params += _prepared_row(
            adjustment, _insert_fields(adjustment_model), {"order_id"}, connection
        )
    for movement in movements:
        for field in _insert_fields(type(movement)):
            if field.attname == "order_line_id":
                params.append(movement.product_id)
            else:
                params += _prepared_row(movement, [field], set(), connection)
    params += _prepared_row(log, _insert_fields(type(log)), {"object_id"}, connection)

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
    for obj in (order, *lines, *adjustments, *movements, log):
        obj._state.adding = False
        obj._state.db = using
