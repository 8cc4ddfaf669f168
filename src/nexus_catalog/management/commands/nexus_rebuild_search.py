"""``manage.py nexus_rebuild_search``: the search documents in the current language."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from nexus_catalog.conf import catalog_settings
from nexus_catalog.services import search


class Command(BaseCommand):
    help = (
        "PostgreSQL: recreate the trigger that keeps the products' search documents in "
        "NEXUS_CATALOG['SEARCH_LANGUAGE'] and rewrite every document in it (run after "
        "changing the setting). Prints how many. Nothing to do on other databases."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        using = options["database"]
        if connections[using].vendor != "postgresql":
            self.stdout.write("Nothing to do: full-text search is PostgreSQL's.")
            return
        language = catalog_settings.SEARCH_LANGUAGE
        written = search.rebuild(using=using, language=language)
        noun = "document" if written == 1 else "documents"
        self.stdout.write(f"Rebuilt {written} search {noun} in {language!r}.")
