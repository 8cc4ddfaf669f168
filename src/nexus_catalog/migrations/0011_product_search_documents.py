"""Each product's search document, precomputed in a table of its own.

Searching by rank recomputed ``to_tsvector`` of the name, SKU and description of every
matching row at query time (seconds for a common word at 100k products). The documents are
now stored, one row per product (:class:`nexus_catalog.models.ProductSearchDocument`), with
a GIN index, and on PostgreSQL a trigger keeps them current: it fires on inserts and on
updates naming the name, the SKU or the description, never on stock updates, so taking
stock stays a small heap-only (HOT) update of the product row. The documents of existing
products are written here, in the ``SEARCH_LANGUAGE`` configured when the migration runs
(``manage.py nexus_rebuild_search`` rewrites them after a change), and 0010's index on the
vector expression, which nothing reads any more, is dropped; the trigram index on the name
stays. On SQLite the table is created and stays empty.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

DOCUMENT_INDEX = "nexus_prod_searchdoc"
EXPRESSION_INDEX = "nexus_prod_search"  # 0010's
TRIGGER = "nexus_product_search_document"


def install(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    from nexus_catalog.conf import catalog_settings
    from nexus_catalog.services import search

    language = catalog_settings.SEARCH_LANGUAGE
    documents = schema_editor.quote_name("nexus_catalog_productsearchdocument")
    schema_editor.execute(
        f"CREATE INDEX {DOCUMENT_INDEX} ON {documents} USING gin (document)"
    )
    for statement in search.trigger_sql(language):
        schema_editor.execute(statement)
    schema_editor.execute(search.rebuild_sql(language))
    schema_editor.execute(f"DROP INDEX IF EXISTS {EXPRESSION_INDEX}")


def uninstall(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    from nexus_catalog.conf import catalog_settings

    products = schema_editor.quote_name("nexus_catalog_product")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {products}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
    # 0010's expression index back, as 0010 built it.
    language = catalog_settings.SEARCH_LANGUAGE.replace("'", "''")
    vector = " || ".join(
        f"setweight(to_tsvector('{language}'::regconfig, COALESCE({column}, '')), '{weight}')"
        for column, weight in (("name", "A"), ("sku", "B"), ("description", "C"))
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {EXPRESSION_INDEX} ON {products} USING gin (({vector}))"
    )


class Migration(migrations.Migration):

    dependencies = [
        ("nexus_catalog", "0010_catalog_depth"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProductSearchDocument",
            fields=[
                (
                    "product",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="nexus_catalog.product",
                        verbose_name="product",
                    ),
                ),
                (
                    "document",
                    django.contrib.postgres.search.SearchVectorField(
                        verbose_name="search document"
                    ),
                ),
            ],
            options={
                "verbose_name": "product search document",
                "verbose_name_plural": "product search documents",
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
