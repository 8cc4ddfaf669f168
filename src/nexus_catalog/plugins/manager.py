"""The one pluggy ``PluginManager`` of the project ``nexus``.

Plugins are registered lazily, on the first call of :func:`get_plugin_manager` (after the
app registry is ready, never at import time), in this order:

1. the built-in plugins (:mod:`nexus_catalog.plugins.builtin`);
2. every distribution's ``nexus`` entry points, unless the environment variable
   ``NEXUS_DISABLE_PLUGIN_AUTOLOAD`` is set (as pytest's ``PYTEST_DISABLE_PLUGIN_AUTOLOAD``);
3. the dotted paths of ``NEXUS_CATALOG["PLUGINS"]``.

Names listed in ``NEXUS_CATALOG["DISABLED_PLUGINS"]`` are blocked and never registered.
The manager is rebuilt when ``NEXUS_CATALOG`` changes (``override_settings`` in tests).
"""

from __future__ import annotations

import os
import threading
from typing import Any

import pluggy
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from nexus_catalog.conf import catalog_settings
from nexus_catalog.plugins import hookspecs
from nexus_catalog.plugins.builtin import BUILTIN_PLUGINS

ENTRY_POINT_GROUP = "nexus"
AUTOLOAD_ENV = "NEXUS_DISABLE_PLUGIN_AUTOLOAD"

_lock = threading.Lock()
_manager: pluggy.PluginManager | None = None


def build_plugin_manager() -> pluggy.PluginManager:
    """A new manager with every plugin of the current settings registered."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name in catalog_settings.DISABLED_PLUGINS:
        pm.set_blocked(name)
    for name, plugin in BUILTIN_PLUGINS:
        if not pm.is_blocked(name):
            pm.register(plugin, name=name)
    if not os.environ.get(AUTOLOAD_ENV):
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for path in catalog_settings.user_settings.get("PLUGINS", []):
        if pm.is_blocked(path):
            continue
        plugin = import_string(path) if isinstance(path, str) else path
        name = path if isinstance(path, str) else None
        if pm.is_registered(plugin):
            continue
        pm.register(plugin, name=name)
    pm.check_pending()
    return pm


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide manager, built on first use."""
    global _manager
    if _manager is None:
        with _lock:
            if _manager is None:
                _manager = build_plugin_manager()
    return _manager


def reset_plugin_manager() -> None:
    """Forget the manager; the next :func:`get_plugin_manager` call builds a new one."""
    global _manager
    with _lock:
        _manager = None


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "NEXUS_CATALOG":
        reset_plugin_manager()


setting_changed.connect(_on_setting_changed)
