"""The soak test's starting data, written through the services (so every stock has its
opening movement and audit row)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from nexus_catalog.services import catalog

PASSWORD = "soak-Passw0rd-not-secret"


def seed(*, products: int, stock: int, customers: int) -> dict[str, Any]:
    """Create a staff user, ``customers`` customers and ``products`` products of ``stock``
    units each; return the usernames and ``{product id: starting stock}``."""
    users = get_user_model()
    staff = users.objects.create_user("soak-staff", "staff@soak.example", PASSWORD, is_staff=True)
    names = [f"soak-customer-{n}" for n in range(customers)]
    for name in names:
        users.objects.create_user(name, f"{name}@soak.example", PASSWORD)
    categories = [
        catalog.create_category({"name": f"Soak category {n}"}, actor=staff) for n in range(4)
    ]
    starting = {}
    for n in range(products):
        product = catalog.create_product(
            {
                "name": f"Soak product {n}",
                "sku": f"SOAK-{n:04d}",
                "description": "A product of the soak test.",
                "price": Decimal("3.50") + n,
                "category": categories[n % len(categories)],
            },
            stock=stock,
            actor=staff,
        )
        starting[product.pk] = stock
    return {"staff": staff.username, "customers": names, "starting_stock": starting}
