"""Shared factory_boy factories of the test suite (users, categories, products)."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from nexus_catalog.models import Category, InventoryMovement, Product
from nexus_catalog.models.inventory import MovementReason

TEST_PASSWORD = "correct-horse-battery-staple-42"


class UserFactory(factory.django.DjangoModelFactory):
    """A customer; the password is :data:`TEST_PASSWORD` unless given."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = False

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs) -> None:
        self.set_password(extracted or TEST_PASSWORD)
        if create:
            self.save(update_fields=["password"])


class StaffUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    description = ""


class ProductFactory(factory.django.DjangoModelFactory):
    """A product whose initial ``stock`` is also written as one ``restock`` movement, so the
    ledger invariant (stock == sum of movements) holds for factory products too."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Product {n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    description = factory.LazyAttribute(lambda p: f"Description of {p.name}.")
    price = Decimal("10.00")
    stock = 10
    category = factory.SubFactory(CategoryFactory)
    is_active = True

    @factory.post_generation
    def opening_stock(self, create: bool, extracted: object, **kwargs) -> None:
        if create and self.stock:
            InventoryMovement.objects.create(
                product=self, change=self.stock, reason=MovementReason.RESTOCK, note="opening"
            )


class ParentProductFactory(ProductFactory):
    """A parent of variants: declares option names, holds no stock, is never sold."""

    name = factory.Sequence(lambda n: f"Shirt {n}")
    sku = factory.Sequence(lambda n: f"PARENT-{n:05d}")
    stock = 0
    is_parent = True
    option_names = factory.LazyFunction(lambda: ["size", "colour"])


class VariantFactory(ProductFactory):
    """A variant of ``parent`` (in its category); ``option_values`` must name the parent's
    options."""

    parent = factory.SubFactory(ParentProductFactory)
    category = factory.LazyAttribute(lambda v: v.parent.category)
    option_values = factory.LazyFunction(lambda: {"size": "M", "colour": "red"})
