"""``manage.py nexus_plugins``: which plugins are loaded, where from, and which hooks each implements."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from nexus_catalog.plugins.manager import (
    AUTOLOAD_ENV,
    NexusPluginManager,
    PluginError,
    get_plugin_manager,
)

# Shown after a hook name when the implementation is ordered or wraps the others.
_IMPL_FLAGS = ("wrapper", "hookwrapper", "tryfirst", "trylast")


def describe_hooks(pm: NexusPluginManager, plugin: object) -> list[str]:
    """The hooks ``plugin`` implements, sorted, each with its ordering flags if any."""
    hooks = []
    for caller in pm.get_hookcallers(plugin) or []:
        for impl in caller.get_hookimpls():
            if impl.plugin is plugin:
                flags = [flag for flag in _IMPL_FLAGS if getattr(impl, flag)]
                hooks.append(caller.name + (f" ({', '.join(flags)})" if flags else ""))
    return sorted(hooks)


class Command(BaseCommand):
    help = (
        "List the loaded plugins of project 'nexus': name, origin (built-in, entry point "
        "with its distribution, setting) and the hooks each implements."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            pm = get_plugin_manager()
        except PluginError as exc:
            raise CommandError(str(exc)) from exc
        rows = [("NAME", "ORIGIN", "HOOKS")]
        disabled = []
        for name, plugin in pm.list_name_plugin():
            if plugin is None:  # pluggy keeps blocked names with no plugin
                disabled.append(name)
                continue
            origin = pm.origin_of(name)
            hooks = describe_hooks(pm, plugin)
            rows.append(
                (name, str(origin) if origin else "registered at run time", ", ".join(hooks) or "-")
            )
        widths = [max(len(row[i]) for row in rows) for i in range(2)]
        for name, origin, hooks in rows:
            self.stdout.write(f"{name:<{widths[0]}}  {origin:<{widths[1]}}  {hooks}".rstrip())
        if disabled:
            self.stdout.write(f"\nDisabled: {', '.join(disabled)}")
        if os.environ.get(AUTOLOAD_ENV):
            self.stdout.write(f"\nEntry points were not loaded: {AUTOLOAD_ENV} is set.")
