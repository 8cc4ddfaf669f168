"""Product search: full text with typo tolerance on PostgreSQL, substrings elsewhere.

On PostgreSQL a product matches when its weighted text-search vector (name A, SKU B,
description C, in ``SEARCH_LANGUAGE``) matches the words typed (``websearch_to_tsquery``:
quotes, ``or`` and ``-word`` work as on a web search engine), or when the text typed is
close to a part of the name (``pg_trgm`` word similarity, the ``%>`` operator, so a typo
such as ``tshirt`` for ``T-shirt`` still finds it). Results come by rank: the text rank plus
the name's similarity. Migration 0010 indexes both expressions (GIN), so a search reads
the indexes, not the table. The similarity threshold is ``pg_trgm``'s
``pg_trgm.word_similarity_threshold`` (0.6 by default; ``ALTER DATABASE ... SET`` to tune).

Other databases (SQLite) keep the case-insensitive substring search of the name, the
description and the SKU, ordered as the list is.
"""

from __future__ import annotations

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramWordSimilarity,
)
from django.db import connections
from django.db.models import Expression, F, Q, QuerySet

from nexus_catalog.conf import catalog_settings

#: The annotation a ranked search adds.
RANK = "search_rank"


def vector(language: str | None = None) -> SearchVector:
    """The document of a product; identical to migration 0010's index expression."""
    language = language or catalog_settings.SEARCH_LANGUAGE
    return (
        SearchVector("name", weight="A", config=language)
        + SearchVector("sku", weight="B", config=language)
        + SearchVector("description", weight="C", config=language)
    )


def is_full_text(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def rank(text: str) -> Expression:
    """The rank of a product for ``text`` (PostgreSQL): text rank plus name similarity."""
    query = SearchQuery(text, search_type="websearch", config=catalog_settings.SEARCH_LANGUAGE)
    return SearchRank(vector(), query) + TrigramWordSimilarity(text, "name")


def matching(queryset: QuerySet, text: str) -> QuerySet:
    """``queryset`` narrowed to the products ``text`` finds, unordered."""
    if not is_full_text(queryset):
        return queryset.filter(
            Q(name__icontains=text) | Q(description__icontains=text) | Q(sku__icontains=text)
        )
    language = catalog_settings.SEARCH_LANGUAGE
    query = SearchQuery(text, search_type="websearch", config=language)
    return queryset.annotate(_document=vector(language)).filter(
        Q(_document=query) | TrigramWordSimilar(F("name"), text)
    )


def ranked(queryset: QuerySet, text: str) -> QuerySet:
    """``queryset`` annotated with :data:`RANK` and ordered by it (best first, then id);
    unchanged on databases without full-text search."""
    if not is_full_text(queryset):
        return queryset
    return queryset.annotate(**{RANK: rank(text)}).order_by(f"-{RANK}", "id")
