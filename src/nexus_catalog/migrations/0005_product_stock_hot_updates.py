"""Taking stock becomes a heap-only (HOT) update of the product row on PostgreSQL.

An update is HOT when it changes no indexed column and the row's page has room for the new
version: no index entry is written, whatever the number of indexes. The ``(is_active, stock)``
index made every order's stock decrement rewrite all the indexes of the product table, so it
goes. On PostgreSQL the table also keeps 10 % of each page free (``fillfactor = 90``) for
those new row versions. That applies to pages written from now on: existing pages fill as
rows are updated and pruned, or at once with ``VACUUM FULL nexus_catalog_product`` (which
locks the table) if the catalog is large and busy.
"""

from django.db import migrations

FILLFACTOR = 90


def set_fillfactor(apps, schema_editor, value: int | None = FILLFACTOR) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("nexus_catalog", "Product")._meta.db_table)
    if value is None:
        schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")
    else:
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor) -> None:
    set_fillfactor(apps, schema_editor, None)


class Migration(migrations.Migration):
    dependencies = [
        ("nexus_catalog", "0004_idempotency_single_transaction"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="product", name="nexus_prod_active_stock"),
        migrations.RunPython(set_fillfactor, reset_fillfactor),
    ]
