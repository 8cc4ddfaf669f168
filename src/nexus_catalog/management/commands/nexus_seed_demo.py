"""``manage.py nexus_seed_demo``: a populated shop for the demo and for benchmarks.

Idempotent: categories are found by slug, products by SKU (``DEMO-000001``...), the demo
customer by username, so running it twice leaves the same counts; a larger ``--products``
adds only the missing ones. Products are inserted with ``bulk_create`` in batches, each
with its opening ``restock`` movement, so stock equals the sum of the movements from the
start. The demo customer's orders are placed through the ordering service, like any other.

A T-shirt with variants (size x colour, each with its own SKU, price and stock) is created
through the catalog service, and small pictures are drawn with Pillow at seed time and
stored through the images service (so through the host's storage), for the T-shirt, its
colours and the first demo products: the list, Swagger UI and the admin show them.
"""

from __future__ import annotations

import io
import random
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.text import slugify
from PIL import Image, ImageDraw

from nexus_catalog.models import (
    Category,
    InventoryMovement,
    Product,
    ProductImage,
    ShippingMethod,
    Voucher,
    VoucherKind,
)
from nexus_catalog.models.inventory import MovementReason
from nexus_catalog.services import catalog, images
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


TEE_SKU = "DEMO-TEE"
TEE_SIZES = {"S": Decimal("19.00"), "M": Decimal("19.00"), "L": Decimal("21.00")}
TEE_COLOURS = {"red": (200, 60, 50), "navy": (40, 60, 120)}
# Pictures for the first demo products (a few hundred bytes each).
PICTURED_PRODUCTS = 6
PICTURE_SIZE = 96


def picture(colour: tuple[int, int, int], *, shirt: bool, name: str) -> SimpleUploadedFile:
    """A small PNG drawn now: a T-shirt's outline, or a plain mug-like shape."""
    image = Image.new("RGB", (PICTURE_SIZE, PICTURE_SIZE), (245, 242, 236))
    draw = ImageDraw.Draw(image)
    if shirt:
        outline = [(30, 14), (44, 20), (52, 20), (66, 14), (86, 30), (74, 42), (68, 38)]
        outline += [(68, 84), (28, 84), (28, 38), (22, 42), (10, 30)]
        draw.polygon(outline, fill=colour)
    else:
        draw.rounded_rectangle((24, 22, 64, 80), radius=8, fill=colour)
        draw.arc((56, 34, 80, 62), start=-90, end=90, fill=colour, width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


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
        self.seed_variants(categories)
        self.seed_pictures()
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

    def seed_variants(self, categories: list[Category]) -> None:
        """A T-shirt in three sizes and two colours, through the catalog service (audited,
        opening stock in the ledger); the missing pieces only on a rerun."""
        gifts = next((c for c in categories if c.name == "Gifts"), categories[0])
        tee = Product.objects.filter(sku=TEE_SKU).first()
        if tee is None:
            tee = catalog.create_product(
                {
                    "name": "Demo T-shirt",
                    "sku": TEE_SKU,
                    "description": "A cotton T-shirt: a parent of variants (size and colour).",
                    "category": gifts,
                    "option_names": ["size", "colour"],
                },
                actor=None,
            )
        existing = set(tee.variants.values_list("sku", flat=True))
        for colour in TEE_COLOURS:
            for size, price in TEE_SIZES.items():
                sku = f"{TEE_SKU}-{size}-{colour.upper()}"
                if sku in existing:
                    continue
                catalog.create_product(
                    {
                        "name": f"Demo T-shirt {size} {colour}",
                        "sku": sku,
                        "description": f"The demo T-shirt, size {size}, {colour}.",
                        "price": price,
                        "category": gifts,
                        "parent": tee,
                        "option_values": {"size": size, "colour": colour},
                    },
                    actor=None,
                    # One variant sold out, to show a parent in stock through the others.
                    stock=0 if (size, colour) == ("L", "navy") else 12,
                )

    def seed_pictures(self) -> None:
        """Pictures drawn at seed time, stored through the images service, for what has
        none yet: the T-shirt, each of its variants (its colour) and the first products."""
        storage = ProductImage._meta.get_field("image").storage
        if isinstance(storage, FileSystemStorage) and not settings.MEDIA_ROOT:
            # Local files without MEDIA_ROOT would land in the working directory.
            self.stdout.write("No pictures: set MEDIA_ROOT (and MEDIA_URL) to store them.")
            return
        pictured = set(ProductImage.objects.values_list("product_id", flat=True).distinct())
        tee = Product.objects.get(sku=TEE_SKU)
        wanted = [(tee, TEE_COLOURS["red"], True)]
        for variant in tee.variants.order_by("sku"):
            wanted.append((variant, TEE_COLOURS[variant.option_values["colour"]], True))
        first = Product.objects.filter(sku__startswith=f"{SKU_PREFIX}0").order_by("sku")
        for index, product in enumerate(first[:PICTURED_PRODUCTS]):
            rng = random.Random(index)
            colour = (rng.randrange(60, 200), rng.randrange(60, 200), rng.randrange(60, 200))
            wanted.append((product, colour, False))
        for product, colour, shirt in wanted:
            if product.pk in pictured:
                continue
            images.add_image(
                product,
                picture(colour, shirt=shirt, name=f"{product.slug}.png"),
                alt_text=product.name,
                actor=None,
            )

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
