"""Catalog depth: variants (a product's parent, its option names and values), product
images, and on PostgreSQL the search indexes.

Existing products become standalone products (no parent, no options): nothing of their data
changes. The list's indexes are rebuilt partial (``parent_id IS NULL``: the rows the
product list shows), and one partial index serves the flat list of what can be bought. On PostgreSQL the migration creates the ``pg_trgm`` extension (which needs the
right to create it: a superuser, or the database owner on PostgreSQL 13+ since the
extension is trusted) and two indexes on expressions of columns that taking stock never
changes, so stock updates stay heap-only (HOT):

* ``nexus_prod_search``: GIN on the weighted text-search vector (name A, SKU B,
  description C) in the ``SEARCH_LANGUAGE`` configured when the migration runs;
* ``nexus_prod_name_trgm``: GIN trigram index on the name, for typo-tolerant matches.

Migration 0011 replaces ``nexus_prod_search`` by stored documents
(``ProductSearchDocument``, kept by a trigger): ranking no longer recomputes every match's
vector.
"""

import django.db.models.deletion
import nexus_catalog.models.catalog
from django.db import migrations, models

SEARCH_INDEX = "nexus_prod_search"
TRIGRAM_INDEX = "nexus_prod_name_trgm"


def create_trigram_extension(apps, schema_editor) -> None:
    """``pg_trgm``, created on PostgreSQL only (SQLite has no extensions). Written here rather
    than with ``django.contrib.postgres.operations.CreateExtension``, whose module imports
    psycopg: a host on SQLite, without the ``[postgres]`` extra, must migrate too."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


def keep_trigram_extension(apps, schema_editor) -> None:
    # Other tables may use the extension: it stays.
    pass


def _search_indexes(language: str):
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    vector = (
        SearchVector("name", weight="A", config=language)
        + SearchVector("sku", weight="B", config=language)
        + SearchVector("description", weight="C", config=language)
    )
    return [
        GinIndex(vector, name=SEARCH_INDEX),
        GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name=TRIGRAM_INDEX),
    ]


def create_search_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    from nexus_catalog.conf import catalog_settings

    product = apps.get_model("nexus_catalog", "Product")
    for index in _search_indexes(catalog_settings.SEARCH_LANGUAGE):
        schema_editor.add_index(product, index)


def drop_search_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in (SEARCH_INDEX, TRIGRAM_INDEX):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):

    dependencies = [
        ('nexus_catalog', '0009_guest_orders'),
    ]

    operations = [
        migrations.RunPython(create_trigram_extension, keep_trigram_extension),
        migrations.CreateModel(
            name='ProductImage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('image', models.ImageField(max_length=255, upload_to=nexus_catalog.models.catalog.product_image_path, verbose_name='image')),
                ('alt_text', models.CharField(blank=True, max_length=255, verbose_name='alternative text')),
                ('position', models.PositiveIntegerField(default=0, verbose_name='position')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
            ],
            options={
                'verbose_name': 'product image',
                'verbose_name_plural': 'product images',
                'ordering': ['position', 'id'],
            },
        ),
        migrations.AddField(
            model_name='product',
            name='is_parent',
            field=models.BooleanField(default=False, editable=False, verbose_name='has variants'),
        ),
        migrations.AddField(
            model_name='product',
            name='option_names',
            field=models.JSONField(blank=True, default=list, verbose_name='option names'),
        ),
        migrations.AddField(
            model_name='product',
            name='option_values',
            field=models.JSONField(blank=True, default=dict, verbose_name='option values'),
        ),
        migrations.AddField(
            model_name='product',
            name='parent',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='variants', to='nexus_catalog.product', verbose_name='parent'),
        ),
        migrations.AddIndex(
            model_name='product',
            index=models.Index(fields=['parent', 'name'], name='nexus_prod_parent'),
        ),
        migrations.AddConstraint(
            model_name='product',
            constraint=models.CheckConstraint(condition=models.Q(('is_parent', False), models.Q(('parent__isnull', True), ('stock', 0)), _connector='OR'), name='nexus_product_parent_no_stock'),
        ),
        migrations.AddField(
            model_name='productimage',
            name='product',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='images', to='nexus_catalog.product', verbose_name='product'),
        ),
        migrations.AddIndex(
            model_name='productimage',
            index=models.Index(fields=['product', 'position'], name='nexus_image_product'),
        ),
        # The list's indexes hold only the rows it shows (no parent): see Product.Meta.
        migrations.RemoveIndex(
            model_name='product',
            name='nexus_prod_active_cat',
        ),
        migrations.RemoveIndex(
            model_name='product',
            name='nexus_prod_active_price',
        ),
        migrations.RemoveIndex(
            model_name='product',
            name='nexus_prod_active_name',
        ),
        migrations.RemoveIndex(
            model_name='product',
            name='nexus_prod_active_created',
        ),
        migrations.RemoveIndex(
            model_name='product',
            name='nexus_prod_active_cat_price',
        ),
        migrations.AddIndex(
            model_name='product',
            index=models.Index(condition=models.Q(('parent__isnull', True)), fields=['is_active', 'category', 'name'], name='nexus_prod_active_cat'),
        ),
        migrations.AddIndex(
            model_name='product',
            index=models.Index(condition=models.Q(('parent__isnull', True)), fields=['is_active', 'category', 'price'], name='nexus_prod_active_cat_price'),
        ),
        migrations.AddIndex(
            model_name='product',
            index=models.Index(condition=models.Q(('parent__isnull', True)), fields=['is_active', 'price'], name='nexus_prod_active_price'),
        ),
        migrations.AddIndex(
            model_name='product',
            index=models.Index(condition=models.Q(('parent__isnull', True)), fields=['is_active', 'name', 'id'], name='nexus_prod_active_name'),
        ),
        migrations.AddIndex(
            model_name='product',
            index=models.Index(condition=models.Q(('parent__isnull', True)), fields=['is_active', 'created_at'], name='nexus_prod_active_created'),
        ),
        migrations.AddIndex(
            model_name='product',
            index=models.Index(condition=models.Q(('is_parent', False)), fields=['is_active', 'name', 'id'], name='nexus_prod_sellable_name'),
        ),
        migrations.RunPython(create_search_indexes, drop_search_indexes),
    ]
