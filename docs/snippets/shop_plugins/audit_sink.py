"""An audit sink that appends every event, as one JSON line, to the file SHOP_AUDIT_LOG_PATH."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

from nexus_catalog.plugins import hookimpl
from nexus_catalog.plugins.types import AuditEvent


class JsonLinesAuditSink:
    """A class plugin: the manager instantiates it once, with no arguments."""

    def __init__(self) -> None:
        self.path = Path(settings.SHOP_AUDIT_LOG_PATH)

    @hookimpl
    def nexus_audit_event(self, event: AuditEvent) -> None:
        # Delivery is at least once: the reader deduplicates on event_id.
        line = json.dumps(event.to_dict(), sort_keys=True)
        with self.path.open("a", encoding="utf-8") as log:
            log.write(line + "\n")
