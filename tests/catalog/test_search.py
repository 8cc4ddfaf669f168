"""Search: full text by rank with typo tolerance on PostgreSQL, substrings on SQLite."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from nexus_catalog.models import Product, ProductSearchDocument
from nexus_catalog.models.inventory import MovementReason
from nexus_catalog.services import inventory, search
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
def test_the_search_language_is_a_setting_applied_by_the_rebuild_command(api_client, category):
    # In the description: the typo tolerance (on the name) does not find it.
    hit = ProductFactory(category=category, name="Boots", description="Chaussures de randonnée")
    out = StringIO()
    # The command's DDL (the trigger function) is rolled back with the test, as its rows.
    with override_settings(NEXUS_CATALOG={"SEARCH_LANGUAGE": "french"}):
        call_command("nexus_rebuild_search", stdout=out)
        assert ids(api_client, "chaussure") == [hit.pk]
    with override_settings(NEXUS_CATALOG={"SEARCH_LANGUAGE": "simple"}):
        call_command("nexus_rebuild_search", stdout=out)
        assert ids(api_client, "chaussure") == []
        assert ids(api_client, "chaussures") == [hit.pk]
        # The trigger writes documents in the new language too: unstemmed.
        later = ProductFactory(category=category, name="Backpack", description="Sacs à dos")
        assert ids(api_client, "sacs") == [later.pk]
        assert ids(api_client, "sac") == []
    assert "Rebuilt 1 search document in 'french'." in out.getvalue()
    assert "Rebuilt 1 search document in 'simple'." in out.getvalue()


@on_postgres
def test_the_search_reads_the_gin_index(catalog_texts):
    queryset = search.matching(Product.objects.all(), "boots").values("id")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "nexus_prod_searchdoc" in plan
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


# The stored documents (PostgreSQL): kept current by the trigger -------------------------


def document_version(product: Product) -> str:
    """Where the product's document row lies: an update of the row (even in the same
    transaction, even heap-only) writes a new version at a new place."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ctid::text FROM {ProductSearchDocument._meta.db_table} WHERE product_id = %s",
            [product.pk],
        )
        return cursor.fetchone()[0]


@on_postgres
def test_a_renamed_product_is_found_by_its_new_name_only(api_client, catalog_texts):
    boots = catalog_texts["boots"]
    boots.name = "Suede walking shoes"
    boots.save()
    assert ids(api_client, "suede") == [boots.pk]
    assert ids(api_client, "leather") == []
    # Only the socks' description still says hiking.
    assert ids(api_client, "hiking") == [catalog_texts["socks"].pk]


@on_postgres
def test_a_changed_description_or_sku_is_searched(api_client, catalog_texts):
    socks = catalog_texts["socks"]
    Product.objects.filter(pk=socks.pk).update(description="Merino, very soft.", sku="WOOL-9")
    assert ids(api_client, "merino") == [socks.pk]
    assert ids(api_client, "WOOL-9") == [socks.pk]
    assert ids(api_client, "SOCK-1") == []
    assert ids(api_client, "boots") == [catalog_texts["boots"].pk]


@on_postgres
def test_stock_changes_leave_the_document_alone(catalog_texts, staff):
    shirt = catalog_texts["shirt"]
    before = document_version(shirt)
    inventory.adjust_stock(shirt, 5, reason=MovementReason.RESTOCK, actor=staff)
    assert inventory.take_stock(shirt.pk, 2, fields=["stock"], using="default") is not None
    # A full save that changes no searched text does not rewrite it either.
    shirt.refresh_from_db()
    shirt.price += 1
    shirt.save()
    assert document_version(shirt) == before
    shirt.description = "Organic cotton."
    shirt.save(update_fields=["description"])
    assert document_version(shirt) != before


@on_postgres
def test_every_product_has_its_document_and_loses_it_when_deleted(catalog_texts, category):
    never_stocked = Product.objects.create(
        category=category, name="Sample", sku="SAMPLE-1", price="1.00"
    )
    assert ProductSearchDocument.objects.count() == Product.objects.count() == 4
    never_stocked.delete()
    assert ProductSearchDocument.objects.count() == 3
    assert not ProductSearchDocument.objects.filter(product_id=never_stocked.pk).exists()


@on_sqlite
def test_the_rebuild_command_has_nothing_to_do_on_sqlite(catalog_texts):
    out = StringIO()
    call_command("nexus_rebuild_search", stdout=out)
    assert "Nothing to do" in out.getvalue()
    assert not ProductSearchDocument.objects.exists()


@on_postgres
def test_a_product_without_its_document_is_found_by_name_and_repaired_by_the_rebuild(
    api_client, catalog_texts, category
):
    boots = catalog_texts["boots"]  # "Leather hiking boots"
    bag = ProductFactory(category=category, name="Leather bag", sku="SATCHEL-77", description="")
    # As after a bulk load with triggers disabled: no document for the bag.
    ProductSearchDocument.objects.filter(product=bag).delete()
    # Found by the name's trigrams, ranked by them alone: after the boots, whose document
    # matches too (not first, as a missing rank would sort).
    assert ids(api_client, "leather") == [boots.pk, bag.pk]
    assert ids(api_client, "SATCHEL-77") == []
    call_command("nexus_rebuild_search", stdout=StringIO())
    assert ids(api_client, "SATCHEL-77") == [bag.pk]
    assert ProductSearchDocument.objects.filter(product=bag).exists()
