"""Categories and products: what the shop sells."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _


def unique_slug(model: type[models.Model], value: str, *, exclude_pk: int | None = None) -> str:
    """``slugify(value)``, suffixed ``-2``, ``-3``... until no other row of ``model`` has it."""
    max_length = model._meta.get_field("slug").max_length
    base = (slugify(value) or "item")[: max_length - 8]
    taken = set(
        model._default_manager.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


class Category(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(Category, self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)


#: The rows the product list shows: parents of variants and standalone products.
LISTED = models.Q(parent__isnull=True)


class Product(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True, blank=True)
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    description = models.TextField(_("description"), blank=True)
    # A parent's price is its "from" price: the lowest of its active variants', kept by
    # services.variants on every staff write of a variant, so that the list's price
    # filters and ordering read a parent's own column.
    price = models.DecimalField(
        _("price"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    # Changed only through services.inventory, which writes the matching InventoryMovement.
    stock = models.PositiveIntegerField(_("stock"), default=0)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Variants (services.variants keeps the rules): a parent declares ``option_names`` and
    # is never sold; each variant points to its parent and carries one value per name.
    # A standalone product has neither.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="variants",
    )
    is_parent = models.BooleanField(_("has variants"), default=False, editable=False)
    option_names = models.JSONField(_("option names"), default=list, blank=True)
    option_values = models.JSONField(_("option values"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="nexus_product_price_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(stock__gte=0), name="nexus_product_stock_gte_0"
            ),
            # A parent is not a variant, and holds no stock of its own (a constraint is no
            # index: taking stock stays a HOT update).
            models.CheckConstraint(
                condition=models.Q(is_parent=False) | models.Q(parent__isnull=True, stock=0),
                name="nexus_product_parent_no_stock",
            ),
        ]
        indexes = [
            # One index per list filter and ordering, led by is_active, which every
            # non-staff query filters on. The list shows the rows without a parent
            # (parents and standalone products): these indexes hold only those rows
            # (partial, ``parent_id IS NULL``), so a filtered list is the plain walk of
            # one of them with a LIMIT, and its count reads the index alone.
            models.Index(
                fields=["is_active", "category", "name"],
                name="nexus_prod_active_cat",
                condition=LISTED,
            ),
            # The count of a category within a price range (the list's filters) reads only
            # this index: no heap page per matching row.
            models.Index(
                fields=["is_active", "category", "price"],
                name="nexus_prod_active_cat_price",
                condition=LISTED,
            ),
            models.Index(
                fields=["is_active", "price"], name="nexus_prod_active_price", condition=LISTED
            ),
            models.Index(
                fields=["is_active", "name", "id"], name="nexus_prod_active_name", condition=LISTED
            ),
            models.Index(
                fields=["is_active", "created_at"],
                name="nexus_prod_active_created",
                condition=LISTED,
            ),
            # ``?variants=flat`` (what can be bought: standalone products and variants), in
            # its default order.
            models.Index(
                fields=["is_active", "name", "id"],
                name="nexus_prod_sellable_name",
                condition=models.Q(is_parent=False),
            ),
            # No index may contain ``stock`` (nor ``updated_at``), not even in a partial
            # index's condition: taking stock then changes no indexed column, so PostgreSQL
            # updates the row in place on its page (a heap-only, HOT, update) instead of
            # writing a new entry in every index of the table for every order. The price:
            # ``in_stock`` and ``ordering=stock`` have no index of their own (see the list
            # endpoints' reference). Migration 0005 also leaves free space on the table's
            # pages (fillfactor) for those updates.
            # The variants of a parent, in the payload's order; also what ``in_stock`` of a
            # parent probes (an active variant with stock).
            models.Index(fields=["parent", "name"], name="nexus_prod_parent"),
            # On PostgreSQL, migration 0010 adds a trigram index on the name (a column that
            # taking stock never changes); the full-text documents live in their own table
            # (ProductSearchDocument, migration 0011), kept by a trigger on the texts.
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(Product, self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)


def product_image_path(instance: ProductImage, filename: str) -> str:
    return f"nexus/products/{instance.product_id}/{filename}"


class ProductImage(models.Model):
    """A picture of a product, stored through Django's storage API (``default_storage``:
    local files, S3 or any django-storages backend, by configuration)."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="images"
    )
    image = models.ImageField(_("image"), upload_to=product_image_path, max_length=255)
    alt_text = models.CharField(_("alternative text"), max_length=255, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("product image")
        verbose_name_plural = _("product images")
        indexes = [models.Index(fields=["product", "position"], name="nexus_image_product")]

    def __str__(self) -> str:
        return self.alt_text or self.image.name
