"""Reference directives whose facts come from the code, so the docs cannot drift from it.

``nexus-setting``: one settings key. The page writes the meaning; the default comes from the
``DEFAULTS`` of the app's ``conf.py``. A nested key is written
``NEXUS_CATALOG.IDEMPOTENCY.TTL``::

    ```{nexus-setting} NEXUS_CATALOG.CURRENCY
    ISO 4217 code stored on every order.
    ```

``nexus-command``: one management command of the two apps. Its summary (the command's
``help``) and its own options are read from the command class; the page adds the prose::

    ```{nexus-command} nexus_plugins
    When to run it.
    ```

A key or a command the code does not have is an error. When the build ends, every settings
key and every management command of the apps that no directive documents is a warning, so
``sphinx-build -W`` fails on an undocumented one.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)


def namespaces() -> dict[str, Mapping[str, Any]]:
    """Each settings namespace and its ``DEFAULTS`` (imported late: Django is set up first)."""
    from nexus_accounts.conf import DEFAULTS as ACCOUNTS_DEFAULTS
    from nexus_catalog.conf import DEFAULTS as CATALOG_DEFAULTS

    return {"NEXUS_CATALOG": CATALOG_DEFAULTS, "NEXUS_ACCOUNTS": ACCOUNTS_DEFAULTS}


def flatten(prefix: str, defaults: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """``(dotted key, default)`` for every key; a nested dict yields its inner keys too."""
    for key, value in defaults.items():
        name = f"{prefix}.{key}"
        yield name, value
        if isinstance(value, dict):
            yield from flatten(name, value)


def all_settings() -> dict[str, Any]:
    return {
        name: value
        for namespace, defaults in namespaces().items()
        for name, value in flatten(namespace, defaults)
    }


def format_default(value: Any) -> str:
    """The default as a reader would write it in ``settings.py``."""
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
            if seconds % size == 0 and seconds >= size:
                return f"timedelta({unit}={seconds // size})"
        return f"timedelta(seconds={value.total_seconds():g})"
    if isinstance(value, dict):
        return "a dict; the keys below, each overridable alone"
    return repr(value)


# The apps whose management commands the reference must cover.
COMMAND_APPS = ("nexus_catalog", "nexus_accounts")
# Options every Django command has; the reference shows only a command's own.
_BASE_OPTIONS = frozenset(
    {
        "help",
        "version",
        "verbosity",
        "settings",
        "pythonpath",
        "traceback",
        "no_color",
        "force_color",
        "skip_checks",
    }
)


def app_commands() -> dict[str, str]:
    """Each management command of :data:`COMMAND_APPS`, mapped to its app."""
    from django.apps import apps
    from django.core.management import find_commands

    return {
        name: app
        for app in COMMAND_APPS
        for name in find_commands(f"{apps.get_app_config(app).path}/management")
    }


def own_options(name: str, app: str) -> tuple[str, list[tuple[str, str]]]:
    """The command's help and ``(option strings, help)`` of each option it adds."""
    from django.core.management import load_command_class

    command = load_command_class(app, name)
    parser = command.create_parser("manage.py", name)
    options = [
        (", ".join(action.option_strings) or action.dest, action.help or "")
        for action in parser._actions
        if action.dest not in _BASE_OPTIONS and action.help != argparse.SUPPRESS
    ]
    return str(command.help), options


class SettingDirective(SphinxDirective):
    required_arguments = 1
    has_content = True

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        known = all_settings()
        if name not in known:
            raise self.error(f"nexus-setting: {name!r} is not a key of any DEFAULTS")
        documented = self.env.domaindata.setdefault("nexus_settings", {})
        documented[name] = self.env.docname

        target_id = "setting-" + nodes.make_id(name)
        section = nodes.container(classes=["nexus-setting"], ids=[target_id])
        title = nodes.paragraph(classes=["nexus-setting-name"])
        title += nodes.strong("", "", nodes.literal(name, name))
        section += title
        default = nodes.paragraph()
        default += nodes.Text("Default: ")
        formatted = format_default(known[name])
        if isinstance(known[name], dict):
            default += nodes.Text(formatted)
        else:
            default += nodes.literal(formatted, formatted)
        section += default
        self.state.nested_parse(self.content, self.content_offset, section)
        return [section]


class CommandDirective(SphinxDirective):
    required_arguments = 1
    has_content = True

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        commands = app_commands()
        if name not in commands:
            raise self.error(f"nexus-command: {name!r} is not a command of {COMMAND_APPS}")
        self.env.domaindata.setdefault("nexus_commands", {})[name] = self.env.docname
        summary, options = own_options(name, commands[name])

        section = nodes.container(classes=["nexus-command"], ids=["command-" + nodes.make_id(name)])
        title = nodes.paragraph()
        invocation = f"python manage.py {name}"
        title += nodes.strong("", "", nodes.literal(invocation, invocation))
        section += title
        section += nodes.paragraph(summary, summary)
        if options:
            items = nodes.bullet_list()
            for flags, help_text in options:
                item = nodes.list_item()
                paragraph = nodes.paragraph()
                paragraph += nodes.literal(flags, flags)
                paragraph += nodes.Text(f": {help_text}" if help_text else "")
                item += paragraph
                items += item
            section += items
        self.state.nested_parse(self.content, self.content_offset, section)
        return [section]


_REGISTRIES = ("nexus_settings", "nexus_commands")


def purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    for registry in _REGISTRIES:
        documented = env.domaindata.get(registry, {})
        for name in [name for name, doc in documented.items() if doc == docname]:
            del documented[name]


def merge_info(
    app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
) -> None:
    for registry in _REGISTRIES:
        env.domaindata.setdefault(registry, {}).update(other.domaindata.get(registry, {}))


def check_all_documented(app: Sphinx, env: BuildEnvironment) -> None:
    settings_documented = env.domaindata.get("nexus_settings", {})
    for name in all_settings():
        if name not in settings_documented:
            logger.warning("setting %s has no nexus-setting entry in the docs", name)
    commands_documented = env.domaindata.get("nexus_commands", {})
    for name in app_commands():
        if name not in commands_documented:
            logger.warning("command %s has no nexus-command entry in the docs", name)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("nexus-setting", SettingDirective)
    app.add_directive("nexus-command", CommandDirective)
    app.connect("env-purge-doc", purge_doc)
    app.connect("env-merge-info", merge_info)
    app.connect("env-check-consistency", check_all_documented)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
