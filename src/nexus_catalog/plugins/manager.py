"""The one pluggy ``PluginManager`` of the project ``nexus``.

Plugins are registered lazily, on the first call of :func:`get_plugin_manager` (after the
app registry is ready, never at import time), in this order:

1. the built-in plugins (:func:`nexus_catalog.plugins.builtin.builtin_plugins`, imported
   by its dotted path :data:`BUILTIN_PLUGINS` when the manager is built: the built-in
   plugins call services, which call this manager, so a module-level import would be a
   cycle), named ``nexus.*``;
2. every installed distribution's ``nexus`` entry points, named by the entry point, unless
   the environment variable ``NEXUS_DISABLE_PLUGIN_AUTOLOAD`` is set (as pytest's
   ``PYTEST_DISABLE_PLUGIN_AUTOLOAD``);
3. the dotted paths of ``NEXUS_CATALOG["PLUGINS"]``, each named by its dotted path.

An entry point or a dotted path may name a module, an object, or a class; a class is
instantiated with no arguments, since pluggy calls the hooks of a registered object as
bound methods. The same object found twice (an entry point also listed in ``PLUGINS``) is
registered once, under its first name.

A name listed in ``NEXUS_CATALOG["DISABLED_PLUGINS"]`` is never registered, whatever its
origin, and a disabled dotted path is not even imported. A dotted path or an entry point
that does not import, or a plugin that breaks the hook contract (an unknown ``nexus_*``
hook, an argument the specification does not offer), stops the build with a
:class:`PluginError` naming it; the system checks ``nexus_catalog.E003`` and ``E004`` report
the same at start-up.

The manager is rebuilt when ``NEXUS_CATALOG`` changes (``override_settings`` in tests).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import logging
import os
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import pluggy
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from nexus_catalog.conf import catalog_settings
from nexus_catalog.plugins import hookspecs

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "nexus"
#: The function listing the built-in plugins for the current settings, by dotted path.
BUILTIN_PLUGINS = "nexus_catalog.plugins.builtin.builtin_plugins"
AUTOLOAD_ENV = "NEXUS_DISABLE_PLUGIN_AUTOLOAD"

_lock = threading.Lock()
_manager: NexusPluginManager | None = None


class PluginError(ImproperlyConfigured):
    """A plugin cannot be loaded. ``name`` is the plugin's name (dotted path or entry point)."""

    def __init__(self, message: str, *, name: str) -> None:
        self.name = name
        super().__init__(message)


class PluginImportError(PluginError):
    """A dotted path of ``PLUGINS`` or a ``nexus`` entry point does not import."""


class PluginContractError(PluginError):
    """A plugin implements a hook that does not exist, or not as it is specified."""


@dataclass(frozen=True)
class PluginOrigin:
    """Where a registered plugin came from, as ``manage.py nexus_plugins`` shows it."""

    kind: str  # one of BUILTIN, ENTRY_POINT, SETTING
    distribution: str = ""
    version: str = ""

    BUILTIN = "built-in"
    ENTRY_POINT = "entry point"
    SETTING = "setting"

    def __str__(self) -> str:
        return " ".join(part for part in (self.kind, self.distribution, self.version) if part)


@dataclass(frozen=True)
class HookOutcome:
    """What one implementation did when :meth:`NexusPluginManager.call_each` called it."""

    plugin_name: str
    result: Any = None
    error: Exception | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


class NexusPluginManager(pluggy.PluginManager):
    """A pluggy manager that remembers the origin of each plugin it loaded."""

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT_NAME)
        self.add_hookspecs(hookspecs)
        self.origins: dict[str, PluginOrigin] = {}
        self._ignored_wrappers: set[tuple[str, str]] = set()

    def origin_of(self, name: str) -> PluginOrigin | None:
        """The origin of a plugin loaded by :func:`build_plugin_manager`; ``None`` for one
        registered later by calling ``register`` directly (as some tests do)."""
        return self.origins.get(name)

    def add_plugin(self, plugin: object, name: str, origin: PluginOrigin) -> bool:
        """Register ``plugin`` (a class is instantiated first) unless its name is blocked or
        the same name or object is already registered; True when it was registered."""
        if self.is_blocked(name) or self.has_plugin(name):
            return False
        if inspect.isclass(plugin):
            plugin = plugin()
        if self.is_registered(plugin):
            logger.debug("Plugin %s is already registered as %s", name, self.get_name(plugin))
            return False
        try:
            self.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginContractError(f"Plugin {name!r} ({origin}): {exc}", name=name) from exc
        self.origins[name] = origin
        return True

    def call_each(
        self,
        hook_name: str,
        kwargs: Mapping[str, Any],
        *,
        skip: Collection[str] = (),
        isolation: Callable[[], AbstractContextManager[Any]] = nullcontext,
    ) -> Iterator[HookOutcome]:
        """Call the implementations of ``hook_name`` one by one, in the order a hook call
        would use (pluggy calls the last registered first, ``tryfirst``/``trylast``
        honoured), and yield a :class:`HookOutcome` for each, as it is called: which
        plugin, and what it returned or the exception it raised.

        This is the one way the engine calls a hook whose implementations must not depend
        on each other: one that raises does not stop the others (the caller decides,
        outcome by outcome, whether to log and go on or to stop), and the caller knows
        which plugin gave which result. ``skip`` names plugins not to call (those that
        already have an event); ``isolation`` is entered around each call (a savepoint,
        so that a failing implementation cannot break the caller's transaction).

        The rule for wrappers, stated here once: a ``wrapper=True`` (or old-style
        ``hookwrapper=True``) implementation is *not called* by this helper, since there
        is no single hook call for it to wrap. It is reported once per manager, with a
        warning naming plugin and hook, and skipped. The hooks called this way are
        ``nexus_order_adjustments``, ``nexus_shipping_methods``, ``nexus_order_created``,
        ``nexus_order_transitioned``
        and ``nexus_audit_event``; a wrapper is for the hooks called as a whole
        (``nexus_unit_price``, ``nexus_order_validate``, ``nexus_order_pre_transition``).

        Only :class:`Exception` is caught: ``KeyboardInterrupt`` and ``SystemExit`` go
        through.
        """
        hook = getattr(self.hook, hook_name)
        # get_hookimpls() lists implementations in reverse call order, wrappers last.
        for impl in reversed(hook.get_hookimpls()):
            if impl.wrapper or impl.hookwrapper:
                self._report_ignored_wrapper(impl.plugin_name, hook_name)
                continue
            if impl.plugin_name in skip:
                continue
            try:
                with isolation():
                    result = impl.function(*[kwargs[name] for name in impl.argnames])
            except Exception as exc:
                yield HookOutcome(impl.plugin_name, error=exc)
            else:
                yield HookOutcome(impl.plugin_name, result=result)

    def _report_ignored_wrapper(self, plugin_name: str, hook_name: str) -> None:
        if (plugin_name, hook_name) in self._ignored_wrappers:
            return
        self._ignored_wrappers.add((plugin_name, hook_name))
        logger.warning(
            "Wrapper %s of %s ignored: its implementations are called one by one, "
            "so there is no hook call to wrap",
            plugin_name,
            hook_name,
        )

    def unknown_hooks(self) -> list[tuple[str, str]]:
        """(plugin name, hook name) for each implementation of a hook with no specification.

        pluggy's ``check_pending`` raises on the first one; this lists them all.
        """
        found = []
        for hook_name, caller in vars(self.hook).items():
            if hook_name.startswith("_") or caller.has_spec():
                continue
            for impl in caller.get_hookimpls():
                if not impl.optionalhook:
                    found.append((impl.plugin_name, hook_name))
        return found


def load_plugin(path: str) -> object:
    """Import the object a ``PLUGINS`` entry names, or raise :class:`PluginImportError`."""
    if not isinstance(path, str):
        raise PluginImportError(
            f"NEXUS_CATALOG['PLUGINS'] entries must be dotted paths (strings), not {path!r}.",
            name=repr(path),
        )
    try:
        # A module path first: ``import_string`` would look a submodule up as an attribute
        # of its package, which fails until something else has imported it.
        try:
            return importlib.import_module(path)
        except ModuleNotFoundError as exc:
            if exc.name != path:
                raise
        return import_string(path)
    except Exception as exc:
        raise PluginImportError(
            f"NEXUS_CATALOG['PLUGINS']: could not import the plugin {path!r}: {exc}", name=path
        ) from exc


def _plugin_paths() -> list[str]:
    paths = catalog_settings.PLUGINS
    if not isinstance(paths, (list, tuple)):
        raise PluginImportError(
            f"NEXUS_CATALOG['PLUGINS'] must be a list of dotted paths, not {paths!r}.",
            name=repr(paths),
        )
    return list(paths)


def plugin_import_errors() -> list[PluginImportError]:
    """One error for each enabled ``PLUGINS`` entry that does not import."""
    try:
        paths = _plugin_paths()
    except PluginImportError as exc:
        return [exc]
    errors = []
    for path in paths:
        if path in catalog_settings.DISABLED_PLUGINS:
            continue
        try:
            load_plugin(path)
        except PluginImportError as exc:
            errors.append(exc)
    return errors


def _load_entry_points(pm: NexusPluginManager) -> None:
    for dist in importlib.metadata.distributions():
        for ep in dist.entry_points:
            if ep.group != ENTRY_POINT_GROUP or pm.is_blocked(ep.name):
                continue
            origin = PluginOrigin(PluginOrigin.ENTRY_POINT, dist.metadata["Name"], dist.version)
            if pm.has_plugin(ep.name):
                # The same distribution found twice on sys.path is common in development;
                # another distribution using the same name is a conflict worth a warning.
                if pm.origin_of(ep.name) != origin:
                    logger.warning(
                        "Entry point %r of %s ignored: a plugin of that name is already "
                        "registered (%s)",
                        ep.name,
                        origin,
                        pm.origin_of(ep.name),
                    )
                continue
            try:
                plugin = ep.load()
            except Exception as exc:
                raise PluginImportError(
                    f"The {ENTRY_POINT_GROUP!r} entry point {ep.name!r} of {origin} "
                    f"({ep.value}) could not be imported: {exc}",
                    name=ep.name,
                ) from exc
            pm.add_plugin(plugin, ep.name, origin)


def build_plugin_manager() -> NexusPluginManager:
    """A new manager with every plugin of the current settings registered.

    :raises PluginError: a plugin does not import or breaks the hook contract.
    """
    pm = NexusPluginManager()
    for name in catalog_settings.DISABLED_PLUGINS:
        pm.set_blocked(name)
    builtin_plugins = import_string(BUILTIN_PLUGINS)
    for name, plugin in builtin_plugins(disabled=catalog_settings.DISABLED_PLUGINS):
        pm.add_plugin(plugin, name, PluginOrigin(PluginOrigin.BUILTIN))
    if not os.environ.get(AUTOLOAD_ENV):
        _load_entry_points(pm)
    for path in _plugin_paths():
        if isinstance(path, str) and pm.is_blocked(path):
            continue
        pm.add_plugin(load_plugin(path), path, PluginOrigin(PluginOrigin.SETTING))
    for plugin_name, hook_name in pm.unknown_hooks():
        raise PluginContractError(
            f"Plugin {plugin_name!r} implements {hook_name!r}, which is not a hook of "
            f"{hookspecs.PROJECT_NAME!r} (see nexus_catalog.plugins.hookspecs).",
            name=plugin_name,
        )
    return pm


def get_plugin_manager() -> NexusPluginManager:
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
