"""``manage.py nexus_plugins``: the loaded plugins, their origin and their hooks."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

SAMPLES = "tests.plugins.sample_plugins"


def listing(capsys) -> dict[str, str]:
    """The table as {name: the rest of its line}."""
    call_command("nexus_plugins")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "ORIGIN", "HOOKS"]
    rows = {}
    for line in lines[1:]:
        if not line.strip():
            break
        name, rest = line.split(maxsplit=1)
        rows[name] = " ".join(rest.split())
    return rows


def test_lists_the_builtin_plugins_with_their_hooks(capsys):
    rows = listing(capsys)

    assert rows["nexus.pricing"] == "built-in nexus_unit_price (trylast)"
    assert rows["nexus.audit.logging"] == "built-in nexus_audit_event"


@override_settings(
    NEXUS_CATALOG={"PLUGINS": [f"{SAMPLES}.FixedPricePlugin", f"{SAMPLES}.recording_sink"]}
)
def test_lists_settings_plugins_by_dotted_path(capsys):
    rows = listing(capsys)

    assert rows[f"{SAMPLES}.FixedPricePlugin"] == "setting nexus_unit_price"
    assert rows[f"{SAMPLES}.recording_sink"] == "setting nexus_audit_event"


@override_settings(NEXUS_CATALOG={"DISABLED_PLUGINS": ["nexus.audit.logging"]})
def test_lists_disabled_plugins_apart(capsys):
    call_command("nexus_plugins")

    table, _, rest = capsys.readouterr().out.partition("\n\n")
    assert "Disabled: nexus.audit.logging" in rest
    assert "nexus.audit.logging" not in table


def test_says_when_entry_points_were_not_loaded(capsys):
    call_command("nexus_plugins")

    assert "NEXUS_DISABLE_PLUGIN_AUTOLOAD is set" in capsys.readouterr().out


@override_settings(NEXUS_CATALOG={"PLUGINS": ["shop.plugins.Loyalty"]})
def test_a_plugin_that_does_not_load_is_a_command_error_naming_it():
    with pytest.raises(CommandError, match=r"shop\.plugins\.Loyalty"):
        call_command("nexus_plugins")
