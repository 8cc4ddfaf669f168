"""Search: full text by rank with typo tolerance on PostgreSQL, substrings on SQLite."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from nexus_catalog.models import Product
from nexus_catalog.services import search
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

# Full-text search is PostgreSQL's: these run in the PostgreSQL pass (and fail in CI
# without it, as every postgres-marked test does).
on_postgres = pytest.mark.postgres
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's substring search")


def ids(client, text, **params):
    response = client.get("/api/products/", {"search": text, "variants": "flat", **params})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def catalog_texts(category):
    return {
        "boots": ProductFactory(
            category=category, name="Leather hiking boots", sku="BOOT-1", description="Warm."
        ),
        "shirt": ProductFactory(
            category=category, name="Classic T-shirt", sku="TEE-1", description="Cotton."
        ),
        "socks": ProductFactory(
            category=category,
            name="Wool socks",
            sku="SOCK-1",
            description="Good with hiking boots.",
        ),
    }


def test_search_finds_the_sku(api_client, catalog_texts):
    assert ids(api_client, "TEE-1") == [catalog_texts["shirt"].pk]


@on_postgres
def test_search_ranks_a_name_match_before_a_description_match(api_client, catalog_texts):
    assert ids(api_client, "boots") == [catalog_texts["boots"].pk, catalog_texts["socks"].pk]


@on_postgres
def test_search_stems_words(api_client, catalog_texts):
    assert ids(api_client, "boot") == [catalog_texts["boots"].pk, catalog_texts["socks"].pk]


@on_postgres
def test_search_tolerates_a_typo_in_the_name(api_client, catalog_texts):
    assert ids(api_client, "leathr") == [catalog_texts["boots"].pk]


@on_postgres
def test_an_explicit_ordering_wins_over_the_rank(api_client, catalog_texts):
    found = ids(api_client, "boots", ordering="-name")
    assert found == [catalog_texts["socks"].pk, catalog_texts["boots"].pk]


@on_postgres
def test_the_search_language_is_a_setting(api_client, category):
    # In the description: the typo tolerance (on the name) does not find it.
    hit = ProductFactory(category=category, name="Boots", description="Chaussures de randonnée")
    with override_settings(NEXUS_CATALOG={"SEARCH_LANGUAGE": "french"}):
        assert ids(api_client, "chaussure") == [hit.pk]
    with override_settings(NEXUS_CATALOG={"SEARCH_LANGUAGE": "simple"}):
        assert ids(api_client, "chaussure") == []


@on_postgres
def test_the_search_reads_the_gin_index(catalog_texts):
    queryset = search.matching(Product.objects.all(), "boots").values("id")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "nexus_prod_search" in plan
    assert "nexus_prod_name_trgm" in plan


@on_sqlite
def test_sqlite_keeps_substring_search(api_client, catalog_texts):
    assert ids(api_client, "hiking boots") == [catalog_texts["boots"].pk, catalog_texts["socks"].pk]
    assert ids(api_client, "leathr") == []


def test_search_in_the_grouped_list_matches_each_rows_own_text(api_client, category):
    from tests.factories import ParentProductFactory, VariantFactory

    parent = ParentProductFactory(category=category, name="Jacket", description="")
    variant = VariantFactory(parent=parent, name="Jacket XL", sku="JACKET-XL-GREEN", description="")

    def found(**params):
        response = api_client.get("/api/products/", params)
        return [row["id"] for row in response.json()["results"]]

    assert found(search="jacket") == [parent.pk]
    # A variant's own SKU is found among what can be bought.
    assert found(search="JACKET-XL-GREEN") == []
    assert found(search="JACKET-XL-GREEN", variants="flat") == [variant.pk]
