"""The "after" hooks of the order lifecycle, run once the change has committed.

``nexus_order_created`` and ``nexus_order_transitioned`` are scheduled with
``transaction.on_commit``, so they never run for a change that rolled back. Each
implementation is called on its own: one that raises is logged and the others still run,
and none of them can undo the committed change.
"""

from __future__ import annotations

import logging
from functools import partial
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
    transaction.on_commit(partial(call_isolated, hook_name, kwargs))


def call_isolated(hook_name: str, kwargs: dict[str, Any]) -> list[str]:
    """Call each implementation of the hook alone; the names of those that raised."""
    failed = []
    hook = getattr(get_plugin_manager().hook, hook_name)
    # get_hookimpls() lists implementations in reverse call order.
    for impl in reversed(hook.get_hookimpls()):
        if impl.wrapper or impl.hookwrapper:
            continue
        try:
            impl.function(*[kwargs[name] for name in impl.argnames])
        except Exception:
            failed.append(impl.plugin_name)
            logger.exception("Plugin %s failed in %s", impl.plugin_name, hook_name)
    return failed
