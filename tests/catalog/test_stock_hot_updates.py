"""On PostgreSQL, taking stock updates the product row in place (a heap-only, HOT, update):
no index of the product table holds ``stock``, and its pages keep room for the new row
versions, so an order writes no product index entry."""

from __future__ import annotations

import pytest
from django.db import connection

from nexus_catalog.models import Product
from nexus_catalog.services.ordering import place_order
from tests.factories import ProductFactory

pytestmark = pytest.mark.postgres

ORDERS = 40


def product_update_counters() -> tuple[int, int]:
    """``(n_tup_upd, n_tup_hot_upd)`` of the product table, this session's updates included.

    A backend sends its statistics at the end of a transaction at most once a second;
    ``pg_stat_force_next_flush()`` (PostgreSQL 15+) makes the next one send them, and the
    snapshot is cleared so the read sees them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = %s::regclass",
            [Product._meta.db_table],
        )
        updates, hot = cursor.fetchone()
    return updates, hot


def test_no_product_index_holds_stock(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s", [Product._meta.db_table]
        )
        definitions = [row[0] for row in cursor.fetchall()]

    assert definitions
    assert not [d for d in definitions if "stock" in d]


# Committed transactions, as in production: statistics are sent at commit.
@pytest.mark.django_db(transaction=True)
def test_taking_stock_is_a_heap_only_update(customer):
    products = ProductFactory.create_batch(4, stock=1000)
    updates_before, hot_before = product_update_counters()

    for n in range(ORDERS):
        place_order(customer, [{"product": products[n % len(products)].pk, "quantity": 1}])
    updates_after, hot_after = product_update_counters()

    updates, hot = updates_after - updates_before, hot_after - hot_before
    assert updates >= ORDERS
    assert hot >= 0.9 * updates, f"{hot} of {updates} product updates were HOT"
