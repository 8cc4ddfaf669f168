"""Each product's precomputed search document (PostgreSQL full-text search).

A table of its own, one row per product, rather than a column on the product: the product
row is rewritten by every order (stock), and a wide ``tsvector`` on it would make every such
heap-only update copy more bytes and every list scan read more pages. On PostgreSQL a
trigger created by migration 0011 keeps the row current (it fires on inserts and on updates
of the name, the SKU or the description only, never on stock updates);
``nexus_rebuild_search`` rebuilds every document. On SQLite the table exists but stays
empty: search there reads the product's own columns.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from nexus_catalog.models.catalog import Product

#: The GIN index of the documents, read by every full-text match. Created by migration
#: 0011 on PostgreSQL only (not declared in ``Meta``: SQLite has no GIN).
DOCUMENT_INDEX = "nexus_prod_searchdoc"


class ProductSearchDocument(models.Model):
    # Written by the database (trigger), never by Django code: no save() path sets it.
    product = models.OneToOneField(
        Product,
        verbose_name=_("product"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_document",
    )
    # Weighted: name A, SKU B, description C, in SEARCH_LANGUAGE as of the last rebuild.
    document = SearchVectorField(_("search document"))

    class Meta:
        verbose_name = _("product search document")
        verbose_name_plural = _("product search documents")

    def __str__(self) -> str:
        return f"search document of product {self.product_id}"
