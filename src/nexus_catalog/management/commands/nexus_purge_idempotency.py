"""``manage.py nexus_purge_idempotency``: delete the expired idempotency records."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from nexus_catalog.idempotency.store import purge_expired


class Command(BaseCommand):
    help = (
        "Delete the idempotency records whose TTL has passed (and abandoned in-progress "
        "claims past their expiry); their keys may then be used anew. Prints how many."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        purged = purge_expired()
        noun = "record" if purged == 1 else "records"
        self.stdout.write(f"Purged {purged} expired idempotency {noun}.")
