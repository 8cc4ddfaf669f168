"""Harness-side seeding: a catalog of N products in seconds, and the benchmark's users.

Products go in with ``bulk_create`` in large batches, each with its opening ``restock``
movement, so stock equals the sum of movements as the services keep it. Seeding is
incremental: growing the catalog from 1k to 10k adds 9k products. The reader's 50 orders
are placed through ``place_order``, the service the API calls.

Call with Django set up on ``benchmarks.settings`` (``run.py`` does).
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from rest_framework_simplejwt.tokens import AccessToken

from nexus_catalog.models import Category, InventoryMovement, Order, Product
from nexus_catalog.models.inventory import MovementReason

CATEGORIES = 40
BATCH = 5000
# Enough that no benchmark ever runs a product out of stock: every failure is a real one.
STOCK = 1_000_000_000
INACTIVE_EVERY = 20
READER_ORDERS = 50
BUYERS = 16

ADJECTIVES = [
    "Amber",
    "Brisk",
    "Cobalt",
    "Dapper",
    "Ember",
    "Fable",
    "Gilded",
    "Hardy",
    "Ivory",
    "Jolly",
    "Keen",
    "Lunar",
    "Mellow",
    "Noble",
    "Opal",
    "Plucky",
    "Quiet",
    "Rustic",
    "Silver",
    "Tidy",
    "Umber",
    "Vivid",
    "Woven",
    "Young",
    "Zesty",
]
NOUNS = [
    "Anvil",
    "Basket",
    "Candle",
    "Drum",
    "Easel",
    "Flask",
    "Globe",
    "Hammock",
    "Inkwell",
    "Jacket",
    "Kettle",
    "Lantern",
    "Mug",
    "Notebook",
    "Oar",
    "Pillow",
    "Quilt",
    "Rucksack",
    "Satchel",
    "Teapot",
    "Umbrella",
    "Vase",
    "Wallet",
    "Yoyo",
    "Zither",
]


@dataclass(frozen=True)
class Fixtures:
    """What the scenarios need to know about the seeded data."""

    product_ids: list[int]
    category_ids: list[int]
    hot_product_id: int
    reader_token: str
    buyer_tokens: list[str]


def progress(done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r  seeding [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def seed_categories() -> list[int]:
    existing = Category.objects.count()
    Category.objects.bulk_create(
        Category(name=f"Category {n:02d}", slug=f"bench-category-{n:02d}")
        for n in range(existing + 1, CATEGORIES + 1)
    )
    return list(Category.objects.order_by("id").values_list("id", flat=True))


def seed_products(total: int, category_ids: list[int]) -> None:
    """Add products until the catalog holds ``total`` of them (active and inactive)."""
    start = Product.objects.count()
    rng = random.Random(start)
    for first in range(start, total, BATCH):
        last = min(first + BATCH, total)
        products = []
        for n in range(first, last):
            name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {n:06d}"
            products.append(
                Product(
                    name=name,
                    slug=f"bench-{n:06d}",
                    sku=f"BENCH-{n:06d}",
                    description=f"{name}: a sturdy, well-made item from the benchmark catalog.",
                    price=Decimal(rng.randrange(100, 50000)) / 100,
                    stock=STOCK,
                    category_id=rng.choice(category_ids),
                    is_active=n % INACTIVE_EVERY != 0,
                )
            )
        with transaction.atomic():
            created = Product.objects.bulk_create(products)
            InventoryMovement.objects.bulk_create(
                InventoryMovement(
                    product_id=product.pk,
                    change=STOCK,
                    reason=MovementReason.RESTOCK,
                    note="benchmark seed",
                )
                for product in created
            )
        progress(last - start, total - start)


def seed_users() -> tuple[object, list[object]]:
    User = get_user_model()
    reader, created = User.objects.get_or_create(
        username="bench-reader", defaults={"email": "reader@bench.invalid"}
    )
    if created:
        reader.set_unusable_password()
        reader.save(update_fields=["password"])
    buyers = []
    for n in range(BUYERS):
        buyer, created = User.objects.get_or_create(
            username=f"bench-buyer-{n:02d}", defaults={"email": f"buyer{n}@bench.invalid"}
        )
        if created:
            buyer.set_unusable_password()
            buyer.save(update_fields=["password"])
        buyers.append(buyer)
    return reader, buyers


def seed_reader_orders(reader: object, product_ids: list[int]) -> None:
    from nexus_catalog.services.ordering import place_order

    rng = random.Random(READER_ORDERS)
    for _ in range(READER_ORDERS - Order.objects.filter(user=reader).count()):
        items = [
            {"product": pid, "quantity": rng.randint(1, 3)} for pid in rng.sample(product_ids, 2)
        ]
        place_order(reader, items, note="benchmark reader order")


def analyze() -> None:
    """Fresh planner statistics and visibility map, as autovacuum would give a live shop."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def seed(total: int) -> Fixtures:
    category_ids = seed_categories()
    seed_products(total, category_ids)
    product_ids = list(
        Product.objects.filter(is_active=True).order_by("id").values_list("id", flat=True)
    )
    reader, buyers = seed_users()
    seed_reader_orders(reader, product_ids[:100])
    analyze()
    return Fixtures(
        product_ids=product_ids,
        category_ids=category_ids,
        hot_product_id=product_ids[0],
        reader_token=str(AccessToken.for_user(reader)),
        buyer_tokens=[str(AccessToken.for_user(buyer)) for buyer in buyers],
    )
