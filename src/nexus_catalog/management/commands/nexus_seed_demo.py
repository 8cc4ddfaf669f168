"""``manage.py nexus_seed_demo``: a populated shop for the demo and for benchmarks.

Idempotent: categories are found by slug, products by SKU (``DEMO-000001``...), the demo
customer by username, so running it twice leaves the same counts; a larger ``--products``
adds only the missing ones. Products are inserted with ``bulk_create`` in batches, each
with its opening ``restock`` movement, so stock equals the sum of the movements from the
start. The demo customer's orders are placed through the ordering service, like any other.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.text import slugify

from nexus_catalog.models import (
    Category,
    InventoryMovement,
    Product,
    ShippingMethod,
    Voucher,
    VoucherKind,
)
from nexus_catalog.models.inventory import MovementReason
from nexus_catalog.services.ordering import place_order

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password-123"
SKU_PREFIX = "DEMO-"
BATCH_SIZE = 500
DEMO_SHIPPING = "standard"
DEMO_VOUCHER = "WELCOME10"

# Below this many products to create, no progress bar: it would flash by.
PROGRESS_THRESHOLD = 1000
BAR_WIDTH = 30
FILE_EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"

CATALOG: dict[str, list[str]] = {
    "Coffee": ["Espresso Beans", "Filter Roast", "Cold Brew Pack", "Decaf Blend"],
    "Tea": ["Sencha", "Earl Grey", "Rooibos", "Oolong"],
    "Brewing Gear": ["Pour-Over Cone", "French Press", "Hand Grinder", "Gooseneck Kettle"],
    "Mugs & Cups": ["Stoneware Mug", "Espresso Cup", "Travel Tumbler", "Glass Cup"],
    "Snacks": ["Almond Biscotti", "Dark Chocolate", "Shortbread", "Granola Bar"],
    "Gifts": ["Tasting Set", "Gift Card Box", "Sampler Crate", "Barista Apron"],
}
ADJECTIVES = [
    "Classic",
    "Organic",
    "Single-Origin",
    "Premium",
    "Everyday",
    "Limited",
    "Small-Batch",
]


def demo_product(index: int, categories: list[Category]) -> Product:
    """The ``index``-th demo product: the same every run, so reruns match by SKU."""
    rng = random.Random(index)
    category = categories[index % len(categories)]
    noun = rng.choice(CATALOG.get(category.name, ["Item"]))
    name = f"{rng.choice(ADJECTIVES)} {noun} #{index}"
    return Product(
        name=name,
        slug=f"{slugify(name)}-{index}",
        sku=f"{SKU_PREFIX}{index:06d}",
        description=f"{name}: a demo product of the {category.name} category.",
        price=Decimal(rng.randrange(150, 9000)) / 100,
        # Most products in stock, a few sold out, to make in_stock filtering visible.
        stock=0 if index % 17 == 0 else rng.randrange(5, 200),
        category=category,
        is_active=index % 23 != 0,
    )


class Command(BaseCommand):
    help = "Create demo categories, products (with their stock ledger) and a demo customer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--products",
            type=int,
            default=60,
            help="How many demo products the catalog should hold (default 60).",
        )
        parser.add_argument(
            "--no-orders",
            action="store_true",
            help="Do not place the demo customer's orders.",
        )

    def handle(self, *args: Any, products: int, no_orders: bool, **options: Any) -> None:
        if products < 0:
            raise CommandError("--products must be 0 or more.")
        categories = self.seed_categories()
        created = self.seed_products(products, categories)
        user = self.seed_customer()
        self.seed_checkout()
        orders = 0 if no_orders else self.seed_orders(user)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {len(categories)} categories, {created} new products "
                f"({Product.objects.filter(sku__startswith=SKU_PREFIX).count()} in all), "
                f"{orders} new orders; customer {DEMO_USERNAME!r} / {DEMO_PASSWORD!r}; "
                f"shipping method {DEMO_SHIPPING!r}, voucher {DEMO_VOUCHER!r}."
            )
        )
        if orders and settings.EMAIL_BACKEND == FILE_EMAIL_BACKEND:
            # The orders' e-mails went to files, not to this terminal: say where.
            self.stdout.write(f"Their order e-mails are files in {settings.EMAIL_FILE_PATH}.")

    def seed_checkout(self) -> None:
        """A shipping method (free over 50.00) and a 10 % voucher, for the cart flow."""
        ShippingMethod.objects.get_or_create(
            code=DEMO_SHIPPING,
            defaults={"name": "Standard", "price": Decimal("4.90"), "free_over": Decimal("50")},
        )
        Voucher.objects.get_or_create(
            code=DEMO_VOUCHER, defaults={"kind": VoucherKind.PERCENT, "value": Decimal("10")}
        )

    def seed_categories(self) -> list[Category]:
        categories = []
        for name in CATALOG:
            category, _ = Category.objects.get_or_create(
                slug=slugify(name), defaults={"name": name}
            )
            categories.append(category)
        return categories

    def seed_products(self, count: int, categories: list[Category]) -> int:
        existing = set(
            Product.objects.filter(sku__startswith=SKU_PREFIX).values_list("sku", flat=True)
        )
        missing = [i for i in range(1, count + 1) if f"{SKU_PREFIX}{i:06d}" not in existing]
        show_progress = len(missing) >= PROGRESS_THRESHOLD
        for start in range(0, len(missing), BATCH_SIZE):
            batch = [demo_product(i, categories) for i in missing[start : start + BATCH_SIZE]]
            with transaction.atomic():
                Product.objects.bulk_create(batch)
                # bulk_create sets primary keys on PostgreSQL and SQLite; refetch elsewhere.
                if any(p.pk is None for p in batch):
                    by_sku = dict(
                        Product.objects.filter(sku__in=[p.sku for p in batch]).values_list(
                            "sku", "pk"
                        )
                    )
                    for product in batch:
                        product.pk = by_sku[product.sku]
                InventoryMovement.objects.bulk_create(
                    InventoryMovement(
                        product_id=p.pk,
                        change=p.stock,
                        reason=MovementReason.RESTOCK,
                        note="demo data",
                    )
                    for p in batch
                    if p.stock
                )
            if show_progress:
                self.progress(start + len(batch), len(missing))
        if show_progress:
            self.stderr.write("")
        return len(missing)

    def progress(self, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // total
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.stderr.write(f"\rProducts [{bar}] {done}/{total}", ending="")
        self.stderr.flush()

    def seed_customer(self) -> Any:
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEMO_USERNAME, defaults={"email": "demo@example.com"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def seed_orders(self, user: Any) -> int:
        if user.nexus_orders.exists():
            return 0
        available = list(
            Product.objects.filter(
                sku__startswith=SKU_PREFIX, is_active=True, stock__gte=2
            ).order_by("sku")[:3]
        )
        if len(available) < 2:
            return 0
        place_order(
            user,
            [
                {"product": available[0].pk, "quantity": 2},
                {"product": available[1].pk, "quantity": 1},
            ],
            note="First demo order",
            shipping_address="1 Demo Street, Sampletown",
        )
        place_order(
            user,
            [{"product": available[-1].pk, "quantity": 1}],
            shipping_address="1 Demo Street, Sampletown",
        )
        return 2
