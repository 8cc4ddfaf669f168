"""SQL for the order hot path, built once from the models' metadata.

Placing an order writes five rows (order, line, ledger movement, audit row, and the stock
update). Through the ORM, compiling each of those statements costs more CPU than the
database spends running it: in-process, the ORM's ``create()`` of an order took about
0.6 ms against 0.2 ms for the same INSERT sent directly. So on PostgreSQL the statements
are written once per model and database alias from ``Model._meta``, and every value goes
through the field's own ``pre_save`` and ``get_db_prep_save``, as in the ORM's INSERT: the
rows are the ones :meth:`~django.db.models.query.QuerySet.bulk_create` would write. As with
``bulk_create``, no ``pre_save``/``post_save`` signal is sent and ``Model.save()`` is not
called; the plugin hooks (``nexus_order_created``, ``nexus_audit_event``) are the way to
react to a new order.

Other backends keep the ORM (:func:`supported` is False): the fast path relies on
PostgreSQL's ``UPDATE ... RETURNING`` and on psycopg returning Python values that need no
converters.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import connections, models

# Values bound per statement stay well under PostgreSQL's limit of 65,535 parameters even
# for the largest order MAX_ORDER_LINES allows; the ORM batches above this, so do we.
MAX_ROWS_PER_INSERT = 1000


def supported(using: str) -> bool:
    """Whether the compiled statements run on the database ``using``."""
    return connections[using].vendor == "postgresql"


def _insert_fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    # What bulk_create inserts for new rows: every concrete column but generated ones and
    # an auto-incremented primary key.
    return tuple(
        field
        for field in model._meta.concrete_fields
        if not field.generated and not isinstance(field, models.AutoField)
    )


@functools.cache
def _insert_sql(model: type[models.Model], using: str, rows: int) -> str:
    connection = connections[using]
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    returning, _ = connection.ops.return_insert_columns(model._meta.db_returning_fields)
    row = "({})".format(", ".join(["%s"] * len(fields)))
    return "INSERT INTO {} ({}) VALUES {} {}".format(
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join([row] * rows),
        returning,
    )


def insert(objs: Sequence[models.Model], *, using: str) -> None:
    """INSERT new instances of one model, a statement per :data:`MAX_ROWS_PER_INSERT`.

    Sets each instance's primary key (and any other ``db_returning`` field) and marks it
    saved, as ``bulk_create`` does.
    """
    if not objs:
        return
    model = type(objs[0])
    connection = connections[using]
    fields = _insert_fields(model)
    returning_fields = model._meta.db_returning_fields
    for start in range(0, len(objs), MAX_ROWS_PER_INSERT):
        batch = objs[start : start + MAX_ROWS_PER_INSERT]
        params: list[Any] = []
        for obj in batch:
            for field in fields:
                value = field.pre_save(obj, add=True)
                if hasattr(value, "resolve_expression"):
                    raise ValueError(
                        f"{model.__name__}.{field.name} holds an expression; "
                        "statements.insert() only writes plain values."
                    )
                params.append(field.get_db_prep_save(value, connection=connection))
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(model, using, len(batch)), params)
            rows = cursor.fetchall()
        for obj, row in zip(batch, rows, strict=True):
            for field, value in zip(returning_fields, row, strict=True):
                setattr(obj, field.attname, value)
            obj._state.adding = False
            obj._state.db = using


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
