"""manage.py nexus_seed_demo: a populated shop, the same after a second run."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from PIL import Image

from nexus_catalog.management.commands import nexus_seed_demo
from nexus_catalog.models import Category, InventoryMovement, Order, Product, ProductImage
from tests.catalog.conftest import ledger_mismatches

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    # The demo's pictures are files: written under a temporary MEDIA_ROOT.
    settings.MEDIA_ROOT = tmp_path
    settings.MEDIA_URL = "/media/"
    return tmp_path


def seed(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("nexus_seed_demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts() -> tuple[int, int, int, int]:
    return (
        Category.objects.count(),
        Product.objects.count(),
        InventoryMovement.objects.count(),
        Order.objects.count(),
    )


def test_seed_creates_a_shop_with_a_demo_customer():
    seed()

    assert Category.objects.count() == len(nexus_seed_demo.CATALOG)
    assert Product.objects.filter(sku__startswith="DEMO-0").count() == 60
    assert Product.objects.filter(is_active=True, stock__gt=0).exists()
    assert Order.objects.filter(user__username="demo").count() == 2
    assert authenticate(username="demo", password="demo-password-123") is not None


def test_seed_keeps_stock_equal_to_the_ledger():
    seed()

    assert ledger_mismatches() == {}


def test_seed_twice_gives_the_same_counts():
    seed("--products", "30")
    first = counts()

    seed("--products", "30")

    assert counts() == first


def test_seed_with_more_products_adds_only_the_missing_ones():
    seed("--products", "10", "--no-orders")

    seed("--products", "25", "--no-orders")

    assert Product.objects.filter(sku__startswith="DEMO-0").count() == 25
    assert ledger_mismatches() == {}


def test_large_seed_shows_a_progress_bar(monkeypatch):
    monkeypatch.setattr(nexus_seed_demo, "PROGRESS_THRESHOLD", 5)
    monkeypatch.setattr(nexus_seed_demo, "BATCH_SIZE", 4)

    _, err = seed("--products", "10", "--no-orders")

    assert "Products [" in err
    assert "10/10" in err
    assert Product.objects.filter(sku__startswith="DEMO-0").count() == 10


def test_small_seed_shows_no_progress_bar():
    _, err = seed("--products", "5", "--no-orders")

    assert err == ""


def test_negative_product_count_is_refused():
    with pytest.raises(CommandError):
        seed("--products", "-1")


def test_seed_adds_a_shipping_method_and_a_voucher_once():
    from nexus_catalog.models import ShippingMethod, Voucher

    seed("--no-orders")
    seed("--no-orders")
    assert list(ShippingMethod.objects.values_list("code", flat=True)) == ["standard"]
    assert list(Voucher.objects.values_list("code", flat=True)) == ["WELCOME10"]


def test_seed_adds_a_parent_with_variants_in_sizes_and_colours():
    seed("--products", "5", "--no-orders")

    tee = Product.objects.get(sku=nexus_seed_demo.TEE_SKU)
    values = {
        (v["size"], v["colour"]) for v in tee.variants.values_list("option_values", flat=True)
    }
    assert tee.is_parent and tee.option_names == ["size", "colour"]
    assert values == {(s, c) for s in ("S", "M", "L") for c in ("red", "navy")}
    assert tee.price == min(nexus_seed_demo.TEE_SIZES.values())  # its "from" price
    assert ledger_mismatches() == {}


def test_seed_draws_small_pictures_stored_through_the_storage(media, api_client):
    seed("--products", "8", "--no-orders")

    tee = Product.objects.get(sku=nexus_seed_demo.TEE_SKU)
    body = api_client.get(f"/api/products/{tee.slug}/").json()
    assert len(body["images"]) == 1 and body["images"][0]["url"].startswith("/media/")
    assert all(len(variant["images"]) == 1 for variant in body["variants"])
    files = list(media.rglob("*.png"))
    assert len(files) == 1 + 6 + nexus_seed_demo.PICTURED_PRODUCTS
    assert all(path.stat().st_size < 2048 for path in files)
    with Image.open(files[0]) as picture:
        assert picture.format == "PNG"


def test_seed_twice_adds_no_variant_or_picture():
    seed("--products", "5", "--no-orders")
    first = (Product.objects.count(), ProductImage.objects.count())

    seed("--products", "5", "--no-orders")

    assert (Product.objects.count(), ProductImage.objects.count()) == first


def test_seed_draws_no_picture_without_a_media_root(settings):
    settings.MEDIA_ROOT = ""

    out, _ = seed("--products", "3", "--no-orders")

    assert "No pictures: set MEDIA_ROOT" in out
    assert not ProductImage.objects.exists()
