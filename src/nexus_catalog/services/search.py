"""Product search: full text with typo tolerance on PostgreSQL, substrings elsewhere.

On PostgreSQL a product matches when its stored search document (name A, SKU B,
description C, in ``SEARCH_LANGUAGE``: :class:`~nexus_catalog.models.ProductSearchDocument`)
matches the words typed (``websearch_to_tsquery``: quotes, ``or`` and ``-word`` work as on
a web search engine), or when the text typed is close to a part of the name (``pg_trgm``
word similarity, the ``%>`` operator, so a typo such as ``tshirt`` for ``T-shirt`` still
finds it). Results come by rank: the text rank of the stored document plus the name's
similarity. Both conditions read GIN indexes (the documents' and the name's trigrams).
The similarity threshold is ``pg_trgm``'s ``pg_trgm.word_similarity_threshold`` (0.6 by
default; ``ALTER DATABASE ... SET`` to tune).

The documents are precomputed rather than computed at query time: ranking a vector
expression recomputed ``to_tsvector`` of every matching row's texts, seconds for a common
word at 100k products. A trigger (migration 0011, :func:`install`) keeps each document
current when a product is created or its name, SKU or description changes; stock updates
never fire it. The language is baked into the trigger: after changing ``SEARCH_LANGUAGE``,
``manage.py nexus_rebuild_search`` (:func:`install` then :func:`rebuild`).

Other databases (SQLite) keep the case-insensitive substring search of the name, the
description and the SKU, ordered as the list is.
"""

from __future__ import annotations

import re

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    TrigramWordSimilarity,
)
from django.db import connections
from django.db.models import (
    BooleanField,
    Expression,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from nexus_catalog.conf import catalog_settings
from nexus_catalog.models import Product, ProductSearchDocument

#: The annotation a ranked search adds.
RANK = "search_rank"

#: The trigger (and its function) that keeps the documents current on PostgreSQL.
TRIGGER = "nexus_product_search_document"

_CONFIG_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def is_full_text(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def _query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config=catalog_settings.SEARCH_LANGUAGE)


def rank(text: str) -> Expression:
    """The rank of a product for ``text`` (PostgreSQL): the text rank of its stored
    document plus the name's similarity."""
    # A product without a document (written with triggers disabled, before a rebuild) is
    # still found by its name; its text rank counts as 0 rather than making the sum NULL,
    # which would sort first.
    text_rank = Coalesce(
        SearchRank(F("search_document__document"), _query(text)),
        Value(0.0),
        output_field=FloatField(),
    )
    return text_rank + TrigramWordSimilarity(text, "name")


def matching(queryset: QuerySet, text: str) -> QuerySet:
    """``queryset`` narrowed to the products ``text`` finds, unordered."""
    if not is_full_text(queryset):
        return queryset.filter(
            Q(name__icontains=text) | Q(description__icontains=text) | Q(sku__icontains=text)
        )
    # The ids either GIN index finds, as one UNION, compared as an array:
    # ``id = ANY(ARRAY(...))`` runs the UNION once and then looks the few ids up by primary
    # key, whatever the catalog's size. An OR of the two conditions (across the two
    # tables) scanned every product; ``id IN (UNION)`` hash-joined them with a scan of the
    # whole product table (EXPLAIN ANALYZE at 100k products: 60 ms against 90 ms a page
    # for a word in 4,000 products).
    by_words = (
        ProductSearchDocument.objects.using(queryset.db)
        .filter(document=_query(text))
        .values("product_id")
    )
    by_name = (
        Product.objects.using(queryset.db)
        .filter(TrigramWordSimilar(F("name"), text))
        .order_by()
        .values("pk")
    )
    return queryset.filter(_IsAnyOf(F("pk"), Subquery(by_words.union(by_name))))


class _IsAnyOf(Func):
    """``column = ANY(ARRAY(subquery))``, a condition."""

    arity = 2
    arg_joiner = " = ANY(ARRAY"
    template = "%(expressions)s)"
    output_field = BooleanField()


def ranked(queryset: QuerySet, text: str) -> QuerySet:
    """``queryset`` annotated with :data:`RANK` and ordered by it (best first, then id);
    unchanged on databases without full-text search."""
    if not is_full_text(queryset):
        return queryset
    return queryset.annotate(**{RANK: rank(text)}).order_by(f"-{RANK}", "id")


# Keeping the documents (PostgreSQL) -------------------------------------------------------


def _document_sql(language: str, row: str) -> str:
    """The weighted document of ``row`` (``NEW`` in the trigger, the table in a rebuild):
    the same texts and weights as the search has always ranked."""
    if not _CONFIG_NAME.match(language):
        raise ValueError(f"Not a text-search configuration name: {language!r}")
    config = f"'{language}'::regconfig"
    return " || ".join(
        f"setweight(to_tsvector({config}, COALESCE({row}.{column}, '')), '{weight}')"
        for column, weight in (("name", "A"), ("sku", "B"), ("description", "C"))
    )


def trigger_sql(language: str) -> list[str]:
    """The statements creating (or replacing) the trigger that keeps each product's
    document current, in ``language``. Only inserts and updates naming the name, the SKU
    or the description fire it (stock updates stay cheap and heap-only), and an update
    that leaves all three as they were writes nothing (a full ``save()`` names them all)."""
    products = Product._meta.db_table
    documents = ProductSearchDocument._meta.db_table
    return [
        f"""
        CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            IF TG_OP = 'UPDATE'
               AND NEW.name IS NOT DISTINCT FROM OLD.name
               AND NEW.sku IS NOT DISTINCT FROM OLD.sku
               AND NEW.description IS NOT DISTINCT FROM OLD.description THEN
                RETURN NULL;
            END IF;
            INSERT INTO {documents} (product_id, document)
            VALUES (NEW.id, {_document_sql(language, "NEW")})
            ON CONFLICT (product_id) DO UPDATE SET document = EXCLUDED.document;
            RETURN NULL;
        END
        $body$
        """,
        f"DROP TRIGGER IF EXISTS {TRIGGER} ON {products}",
        f"""
        CREATE TRIGGER {TRIGGER}
        AFTER INSERT OR UPDATE OF name, sku, description ON {products}
        FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()
        """,
    ]


def rebuild_sql(language: str) -> str:
    """The statement writing every product's document in ``language``."""
    products = Product._meta.db_table
    documents = ProductSearchDocument._meta.db_table
    return f"""
        INSERT INTO {documents} (product_id, document)
        SELECT p.id, {_document_sql(language, "p")} FROM {products} p
        ON CONFLICT (product_id) DO UPDATE SET document = EXCLUDED.document
    """


def rebuild(using: str = "default", language: str | None = None) -> int:
    """Recreate the trigger in ``language`` (``SEARCH_LANGUAGE`` by default) and rewrite
    every product's document in it, in one transaction; returns the documents written.
    Nothing to do (0) on databases without full-text search."""
    from django.db import transaction

    connection = connections[using]
    if connection.vendor != "postgresql":
        return 0
    language = language or catalog_settings.SEARCH_LANGUAGE
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in trigger_sql(language):
            cursor.execute(statement)
        cursor.execute(rebuild_sql(language))
        return cursor.rowcount
