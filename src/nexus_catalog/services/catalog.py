"""Creating, changing and deleting categories and products, each change audited.

The callers (the API's serializers, the admin, commands) validate the values; these
functions apply them in one transaction with their audit row. A product's ``stock`` is
never written here directly: a new value becomes an
:class:`~nexus_catalog.models.InventoryMovement` through :mod:`.inventory`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from nexus_catalog.exceptions import CategoryCycle, CategoryNotEmpty, ProductInUse
from nexus_catalog.models import Category, InventoryMovement, Product
from nexus_catalog.services import audit, inventory, variants
from nexus_catalog.services.audit import AuditContext

CATEGORY_FIELDS = ("name", "slug", "parent", "description")
PRODUCT_FIELDS = (
    "name",
    "slug",
    "sku",
    "description",
    "price",
    "category",
    "is_active",
    "parent",
    "option_names",
    "option_values",
)


def _snapshot(obj: Category | Product, fields: tuple[str, ...]) -> dict[str, Any]:
    """The audited values of ``fields``: foreign keys as ids, money as strings."""
    values: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname)
        values[name] = str(value) if isinstance(value, Decimal) else value
    return values


def _apply(obj: Category | Product, data: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    unknown = set(data) - set(fields)
    if unknown:
        raise ValueError(f"Cannot set {sorted(unknown)} on {obj._meta.label}.")
    for name, value in data.items():
        setattr(obj, name, value)


# -- categories ----------------------------------------------------------------------------


def create_category(
    data: Mapping[str, Any], *, actor: Any, context: AuditContext | None = None
) -> Category:
    category = Category()
    _apply(category, data, CATEGORY_FIELDS)
    with transaction.atomic():
        category.save()
        audit.record(
            "category.created",
            category,
            actor=actor,
            after=_snapshot(category, CATEGORY_FIELDS),
            context=context,
        )
    return category


def update_category(
    category: Category,
    data: Mapping[str, Any],
    *,
    actor: Any,
    context: AuditContext | None = None,
) -> Category:
    """Change a category's fields.

    A new parent is checked under a lock that serialises every change of parent (see
    :func:`_lock_category_tree`): two categories moved under each other at once cannot both
    pass the check, the second sees the first's move and is refused.

    :raises CategoryCycle: the new parent is the category itself or one of its descendants.
    """
    with transaction.atomic():
        new_parent = data.get("parent")
        if new_parent is not None:
            _lock_category_tree()
        current = Category.objects.select_for_update().get(pk=category.pk)
        if new_parent is not None:
            _check_not_descendant(current, new_parent.pk)
        before = _snapshot(current, CATEGORY_FIELDS)
        _apply(current, data, CATEGORY_FIELDS)
        current.save()
        before, after = audit.changed_fields(before, _snapshot(current, CATEGORY_FIELDS))
        if after:
            audit.record(
                "category.updated",
                current,
                actor=actor,
                before=before,
                after=after,
                context=context,
            )
    for field in (*CATEGORY_FIELDS, "updated_at"):
        attname = current._meta.get_field(field).attname
        setattr(category, attname, getattr(current, attname))
    return category


# The key of the PostgreSQL advisory lock that serialises changes of a category's parent.
_CATEGORY_TREE_LOCK = int.from_bytes(
    hashlib.blake2b(b"nexus_catalog:category-tree", digest_size=8).digest(), "big", signed=True
)


def _lock_category_tree() -> None:
    """Serialise, until the end of the transaction, every change of a category's parent.

    Row locks cannot do it: whether a move makes a cycle depends on every ancestor of the new
    parent, rows another move may be changing at that moment, and locking the moved rows
    alone let two crossed moves both pass the check (a cycle) or wait on each other (a
    deadlock). Moves are rare staff edits, so one lock for all of them costs nothing. On
    PostgreSQL it is a transaction-level advisory lock; SQLite lets one transaction write at
    a time, and a second writer that read before the first committed fails rather than
    writing a cycle.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CATEGORY_TREE_LOCK])


def _check_not_descendant(category: Category, parent_id: int) -> None:
    """Refuse ``parent_id`` as the parent of ``category`` when it is the category or one of
    its descendants: walk up from it, reading each parent anew (instances loaded before the
    tree lock may hold parents that have changed since)."""
    seen: set[int] = set()
    node_id: int | None = parent_id
    while node_id is not None and node_id not in seen:
        if node_id == category.pk:
            raise CategoryCycle(field="parent")
        seen.add(node_id)
        node_id = Category.objects.filter(pk=node_id).values_list("parent_id", flat=True).first()


def delete_category(category: Category, *, actor: Any, context: AuditContext | None = None) -> None:
    """Delete an empty category.

    :raises CategoryNotEmpty: it still has products (active or not) or subcategories.
    """
    with transaction.atomic():
        # Inserting a product of this category takes a key-share lock on its row, which
        # this lock excludes: no product can slip in between the check and the delete.
        locked = Category.objects.select_for_update().get(pk=category.pk)
        if locked.products.exists() or locked.children.exists():
            raise CategoryNotEmpty()
        before = _snapshot(locked, CATEGORY_FIELDS)
        audit.record("category.deleted", locked, actor=actor, before=before, context=context)
        locked.delete()


# -- products ------------------------------------------------------------------------------


def create_product(
    data: Mapping[str, Any],
    *,
    actor: Any,
    stock: int = 0,
    context: AuditContext | None = None,
) -> Product:
    """Create a product, a parent of variants (``option_names``) or a variant (``parent``
    and ``option_values``: see :mod:`.variants`); an initial ``stock`` is recorded as a
    ``restock`` movement.

    :raises CatalogValidationError: it breaks a rule of variants; nothing is written.
    """
    product = Product(stock=0, price=None)
    _apply(product, data, PRODUCT_FIELDS)
    with transaction.atomic():
        variants.prepare_new(product, data, stock=stock)
        product.save()
        variants.refresh_parent(product.parent_id)
        audit.record(
            "product.created",
            product,
            actor=actor,
            after=_snapshot(product, PRODUCT_FIELDS),
            context=context,
        )
        if stock:
            inventory.set_stock(product, stock, actor=actor, note="initial stock", context=context)
    return product


def update_product(
    product: Product,
    data: Mapping[str, Any],
    *,
    actor: Any,
    stock: int | None = None,
    context: AuditContext | None = None,
) -> Product:
    """Change a product's fields; a new ``stock`` becomes one movement (see
    :func:`~nexus_catalog.services.inventory.set_stock`), audited as
    ``product.stock_adjusted``."""
    with transaction.atomic():
        variants.lock_parent(product)
        current = Product.objects.select_for_update().get(pk=product.pk)
        data = variants.check_update(current, data, stock=stock)
        before = _snapshot(current, PRODUCT_FIELDS)
        _apply(current, data, PRODUCT_FIELDS)
        if data:
            current.save(update_fields=[*data, "updated_at"])
        if current.is_parent and "category" in data:
            variants.move_variants(current)
        if current.is_parent:
            # What staff sent as a parent's price gives way to its variants' lowest.
            variants.refresh_parent(current.pk)
            current.price = Product.objects.values_list("price", flat=True).get(pk=current.pk)
        elif {"price", "is_active"} & set(data):
            variants.refresh_parent(current.parent_id)
        before, after = audit.changed_fields(before, _snapshot(current, PRODUCT_FIELDS))
        if after:
            audit.record(
                "product.updated", current, actor=actor, before=before, after=after, context=context
            )
        if stock is not None:
            inventory.set_stock(current, stock, actor=actor, note="set by staff", context=context)
    for field in (*PRODUCT_FIELDS, "is_parent", "stock", "updated_at"):
        field_name = current._meta.get_field(field).attname
        setattr(product, field_name, getattr(current, field_name))
    return product


def delete_product(product: Product, *, actor: Any, context: AuditContext | None = None) -> None:
    """Delete a product that was never ordered, with its stock ledger.

    :raises ProductInUse: it appears on an order line, or it is a parent that still has
        variants (delete them first).
    """
    with transaction.atomic():
        variants.lock_parent(product)
        locked = Product.objects.select_for_update().get(pk=product.pk)
        if locked.order_lines.exists():
            raise ProductInUse()
        if locked.variants.exists():
            raise ProductInUse("This product has variants; delete them first.")
        before = {**_snapshot(locked, PRODUCT_FIELDS), "stock": locked.stock}
        audit.record("product.deleted", locked, actor=actor, before=before, context=context)
        # Its ledger goes with it: the invariant is about products that exist.
        InventoryMovement.objects.filter(product=locked).delete()
        locked.delete()
        variants.refresh_parent(locked.parent_id)
