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
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from rest_framework_simplejwt.tokens import AccessToken

from nexus_catalog.models import Category, InventoryMovement, Order, Product, ProductImage
from nexus_catalog.models.inventory import MovementReason

CATEGORIES = 40
BATCH = 5000
# Enough that no benchmark ever runs a product out of stock: every failure is a real one.
STOCK = 1_000_000_000
INACTIVE_EVERY = 20
PARENT_EVERY = 25
SIZES = ("S", "M", "L")
IMAGE_EVERY = 5
SEARCH_SAMPLE = 50
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
    # Names of listed products among the first thousand: what the search scenario types.
    search_names: list[str] = field(default_factory=list)
    # The rows the product list shows to a customer (active parents and standalone products).
    listed: int | None = None


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
    """Add products until the catalog holds ``total`` rows (active and inactive): mostly
    standalone products; every ``PARENT_EVERY``-th a parent of ``len(SIZES)`` variants
    (the rows after it, in its category; its price their lowest, as the variants service
    keeps it); every ``IMAGE_EVERY``-th product one image row (the file itself is not
    written: a page reads the rows and builds the URLs)."""
    start = Product.objects.count()
    rng = random.Random(start)
    for first in range(start, total, BATCH):
        last = min(first + BATCH, total)
        rows: dict[int, Product] = {}
        parent_of: dict[int, int] = {}
        for n in range(first, last):
            name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {n:06d}"
            slot = n % PARENT_EVERY
            parent = n - slot + 1
            is_variant = 2 <= slot <= len(SIZES) + 1 and parent >= first
            rows[n] = Product(
                name=name,
                slug=f"bench-{n:06d}",
                sku=f"BENCH-{n:06d}",
                description=f"{name}: a sturdy, well-made item from the benchmark catalog.",
                price=Decimal(rng.randrange(100, 50000)) / 100,
                stock=STOCK,
                category_id=rng.choice(category_ids),
                is_active=n % INACTIVE_EVERY != 0,
            )
            if slot == 1 and n + len(SIZES) < last:
                rows[n].is_parent, rows[n].stock = True, 0
                rows[n].option_names = ["size"]
            elif is_variant and rows[parent].is_parent:
                parent_of[n] = parent
                rows[n].category_id = rows[parent].category_id
                rows[n].option_values = {"size": SIZES[slot - 2]}
        lowest: dict[int, Decimal] = {}
        for n, parent in parent_of.items():
            if rows[n].is_active:
                lowest[parent] = min(lowest.get(parent, rows[n].price), rows[n].price)
        for parent, price in lowest.items():
            rows[parent].price = price
        with transaction.atomic():
            Product.objects.bulk_create([p for n, p in rows.items() if n not in parent_of])
            for n, parent in parent_of.items():
                rows[n].parent_id = rows[parent].pk
            Product.objects.bulk_create([rows[n] for n in parent_of])
            InventoryMovement.objects.bulk_create(
                InventoryMovement(
                    product_id=product.pk,
                    change=STOCK,
                    reason=MovementReason.RESTOCK,
                    note="benchmark seed",
                )
                for product in rows.values()
                if not product.is_parent
            )
            ProductImage.objects.bulk_create(
                ProductImage(
                    product_id=product.pk,
                    image=f"nexus/products/{product.pk}/bench-{n:06d}.png",
                    alt_text=product.name,
                )
                for n, product in rows.items()
                if n % IMAGE_EVERY == 0
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
    # What can be bought (standalone products and variants): orders, details.
    product_ids = list(
        Product.objects.filter(is_active=True, is_parent=False)
        .order_by("id")
        .values_list("id", flat=True)
    )
    first_names = list(
        Product.objects.filter(is_active=True, parent__isnull=True)
        .order_by("id")
        .values_list("name", flat=True)[:1000]
    )
    search_names = random.Random(SEARCH_SAMPLE).sample(
        first_names, min(SEARCH_SAMPLE, len(first_names))
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
        search_names=search_names,
        listed=Product.objects.filter(is_active=True, parent__isnull=True).count(),
    )
