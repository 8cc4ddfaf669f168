"""The "after" hooks of the order lifecycle, run once the change has committed.

``nexus_order_created`` and ``nexus_order_transitioned`` are scheduled with
``transaction.on_commit``, so they never run for a change that rolled back. Each
implementation is called on its own: one that raises is logged and the others still run,
and none of them can undo the committed change or reach the caller.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from nexus_catalog.plugins.manager import get_plugin_manager

logger = logging.getLogger(__name__)

AFTER_COMMIT_HOOKS = frozenset({"nexus_order_created", "nexus_order_transitioned"})


def call_after_commit(hook_name: str, **kwargs: Any) -> None:
    """Run every implementation of ``hook_name`` with ``kwargs`` after the current
    transaction commits (at once when no transaction is open)."""
    if hook_name not in AFTER_COMMIT_HOOKS:
        raise ValueError(f"{hook_name!r} is not an after-commit hook.")

    def run_after_commit_hook() -> None:
        call_isolated(hook_name, kwargs)

    # robust: should anything escape (the plugin manager failing to build), Django logs it
    # and runs the other after-commit callbacks; the committed change is never the
    # caller's error. A named function: Django logs its __qualname__ (a partial has none).
    transaction.on_commit(run_after_commit_hook, robust=True)


def call_isolated(hook_name: str, kwargs: dict[str, Any]) -> list[str]:
    """Call each implementation of the hook alone; the names of those that raised (each
    logged with its traceback)."""
    failed = []
    for outcome in get_plugin_manager().call_each(hook_name, kwargs):
        if outcome.failed:
            failed.append(outcome.plugin_name)
            logger.error(
                "Plugin %s failed in %s", outcome.plugin_name, hook_name, exc_info=outcome.error
            )
    return failed
