"""manage.py nexus_seed_demo: a populated shop, the same after a second run."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from nexus_catalog.management.commands import nexus_seed_demo
from nexus_catalog.models import Category, InventoryMovement, Order, Product
from tests.catalog.conftest import ledger_mismatches

pytestmark = pytest.mark.django_db


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
    assert Product.objects.count() == 60
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

    assert Product.objects.count() == 25
    assert ledger_mismatches() == {}


def test_large_seed_shows_a_progress_bar(monkeypatch):
    monkeypatch.setattr(nexus_seed_demo, "PROGRESS_THRESHOLD", 5)
    monkeypatch.setattr(nexus_seed_demo, "BATCH_SIZE", 4)

    _, err = seed("--products", "10", "--no-orders")

    assert "Products [" in err
    assert "10/10" in err
    assert Product.objects.count() == 10


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
