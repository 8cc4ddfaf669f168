"""``manage.py nexus_purge_carts``: delete the carts untouched for ``CART_TTL``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from nexus_catalog.services.carts import purge_old_carts


class Command(BaseCommand):
    help = (
        "Delete the carts untouched for NEXUS_CATALOG['CART_TTL'] (open, checked out or "
        "merged; orders keep everything they need). Prints how many."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        purged = purge_old_carts()
        self.stdout.write(f"Purged {purged} old {'cart' if purged == 1 else 'carts'}.")
