"""The product list's filtered count reads only an index and its page walks one in order;
the migrations match the models."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from nexus_catalog.models import Product
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

FILTERED = {"min_price": "10", "max_price": "300", "page_size": 20}


def test_migrations_match_the_models():
    # Exits (SystemExit) when a model change has no migration.
    call_command("makemigrations", "nexus_catalog", "--check", "--dry-run", stdout=StringIO())


def plan(sql: str) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        # A test table is tiny: without these the planner reads the whole heap, which
        # says nothing about which indexes can serve the query.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def catalog_rows():
    """As on a real catalog, neither the category nor the price range alone is selective:
    a category of 100 products, 3 of them in the range, and 30 other products in the range."""
    shelf, others = CategoryFactory(), CategoryFactory()
    products = [
        Product(category=shelf, name=f"S{n}", sku=f"S{n}", slug=f"s{n}", price=price)
        for n, price in enumerate([15, 25, 35] + [1000] * 97)
    ]
    products += [
        Product(category=others, name=f"O{n}", sku=f"O{n}", slug=f"o{n}", price=price)
        for n, price in enumerate([20] * 30 + [2000] * 270)
    ]
    Product.objects.bulk_create(products)
    with connection.cursor() as cursor:
        # As autovacuum leaves a live table: statistics, and the pages marked all-visible,
        # without which an index-only scan would cost as much as reading the heap.
        cursor.execute("VACUUM ANALYZE nexus_catalog_product")
    return shelf


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # VACUUM cannot run in the test's transaction
def test_filtered_count_is_an_index_only_scan(api_client, catalog_rows):
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get("/api/products/", {"category": catalog_rows.pk, **FILTERED})
    assert response.status_code == 200 and response.json()["count"] == 3

    count_sql = next(q["sql"] for q in captured if "COUNT(" in q["sql"].upper())
    explained = plan(count_sql)
    assert "Index Only Scan using nexus_prod_active_cat_price" in explained, explained


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_filtered_page_is_one_scan_of_the_product_table(api_client, catalog_rows):
    # The page reads the product table once through an index, with a LIMIT: no join of
    # what the filters match to the rows shown (the first pass's ``id IN (SELECT
    # COALESCE(parent_id, id) ...)``, which kept the planner from walking the list's index
    # in order and stopping at the page).
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get("/api/products/", {"category": catalog_rows.pk, **FILTERED})
    assert [row["name"] for row in response.json()["results"]] == ["S0", "S1", "S2"]

    page_sql = next(q["sql"] for q in captured if "ORDER BY" in q["sql"].upper())
    explained = plan(page_sql)
    assert explained.count("Scan using") == 1, explained
    assert "Join" not in explained and "SubPlan" not in explained, explained
