"""The plugin system: ``hookspecs`` is the contract, ``manager`` loads the plugins."""

from nexus_catalog.plugins.hookspecs import hookimpl

__all__ = ["hookimpl"]
