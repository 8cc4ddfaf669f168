"""The tables every order and every idempotent request write carry no index that no query
uses: each index is one more entry to write per row."""

from __future__ import annotations

import pytest
from django.db import connection

from nexus_catalog.models import AuditLog, IdempotencyRecord, InventoryMovement

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def index_definitions(model) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s", [model._meta.db_table]
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize("model", [AuditLog, IdempotencyRecord, InventoryMovement])
def test_no_pattern_matching_index_on_the_written_tables(model):
    assert not [d for d in index_definitions(model) if "pattern_ops" in d]


def test_movements_by_product_use_the_product_and_date_index_only():
    by_product = [d for d in index_definitions(InventoryMovement) if "(product_id" in d]

    assert by_product == [
        "CREATE INDEX nexus_move_product ON public.nexus_catalog_inventorymovement "
        "USING btree (product_id, created_at)"
    ]


def test_idempotency_keys_stay_unique():
    assert [d for d in index_definitions(IdempotencyRecord) if "(lookup_key)" in d] == [
        "CREATE UNIQUE INDEX nexus_idem_lookup_key ON public.nexus_catalog_idempotencyrecord "
        "USING btree (lookup_key)"
    ]
