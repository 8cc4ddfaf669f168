"""NexusPluginManager.call_each: the one helper that calls a hook's implementations one by
one, each failure isolated, wrappers skipped (the rule stated in its docstring)."""

from __future__ import annotations

import logging
from contextlib import contextmanager

import pytest

from nexus_catalog.plugins.hookspecs import hookimpl
from nexus_catalog.plugins.manager import NexusPluginManager

KWARGS = {"order": "the order"}


class Named:
    def __init__(self, name: str, calls: list[str]) -> None:
        self.name, self.calls = name, calls

    @hookimpl
    def nexus_order_created(self, order):
        self.calls.append(self.name)
        return f"{self.name} saw {order}"


class Raising:
    @hookimpl
    def nexus_order_created(self, order):
        raise RuntimeError("boom")


class Wrapping:
    def __init__(self) -> None:
        self.entered = 0

    @hookimpl(wrapper=True)
    def nexus_order_created(self, order):
        self.entered += 1
        return (yield)


class OldStyleWrapping:
    @hookimpl(hookwrapper=True)
    def nexus_order_created(self, order):
        yield


@pytest.fixture
def pm() -> NexusPluginManager:
    return NexusPluginManager()


def test_each_implementation_is_called_in_hook_order_with_its_result(pm):
    calls: list[str] = []
    pm.register(Named("first", calls), name="first")
    pm.register(Named("second", calls), name="second")

    outcomes = list(pm.call_each("nexus_order_created", KWARGS))

    # pluggy calls the last registered first; so does the helper.
    assert [(o.plugin_name, o.result, o.failed) for o in outcomes] == [
        ("second", "second saw the order", False),
        ("first", "first saw the order", False),
    ]
    assert calls == ["second", "first"]


def test_a_raising_implementation_is_an_outcome_and_the_others_still_run(pm):
    calls: list[str] = []
    pm.register(Named("after", calls), name="after")
    pm.register(Raising(), name="raising")

    outcomes = list(pm.call_each("nexus_order_created", KWARGS))

    assert [o.plugin_name for o in outcomes] == ["raising", "after"]
    assert isinstance(outcomes[0].error, RuntimeError) and outcomes[0].failed
    assert calls == ["after"]


def test_skipped_plugins_are_not_called(pm):
    calls: list[str] = []
    pm.register(Named("done", calls), name="done")
    pm.register(Named("todo", calls), name="todo")

    outcomes = list(pm.call_each("nexus_order_created", KWARGS, skip={"done"}))

    assert [o.plugin_name for o in outcomes] == ["todo"]
    assert calls == ["todo"]


def test_each_call_runs_inside_its_own_isolation(pm):
    events: list[str] = []
    pm.register(Named("a", events), name="a")
    pm.register(Raising(), name="raising")

    @contextmanager
    def isolation():
        events.append("enter")
        try:
            yield
        finally:
            events.append("exit")

    list(pm.call_each("nexus_order_created", KWARGS, isolation=isolation))

    assert events == ["enter", "exit", "enter", "a", "exit"]


@pytest.mark.parametrize("wrapper", [Wrapping, OldStyleWrapping])
def test_wrappers_are_not_called_and_are_reported_once(pm, caplog, wrapper):
    calls: list[str] = []
    pm.register(Named("plain", calls), name="plain")
    wrapping = pm.register(wrapper(), name="wrapping") and pm.get_plugin("wrapping")

    with caplog.at_level(logging.WARNING, logger="nexus_catalog.plugins.manager"):
        first = list(pm.call_each("nexus_order_created", KWARGS))
        second = list(pm.call_each("nexus_order_created", KWARGS))

    assert [o.plugin_name for o in first + second] == ["plain", "plain"]
    assert getattr(wrapping, "entered", 0) == 0
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "Wrapper wrapping of nexus_order_created ignored" in warning.getMessage()


def test_a_wrapper_of_a_hook_called_as_a_whole_still_wraps(pm):
    # The rule is the helper's: a normal hook call (nexus_unit_price) applies wrappers.
    class Price:
        @hookimpl
        def nexus_unit_price(self, product, quantity, user):
            return 10

    class Double:
        @hookimpl(wrapper=True)
        def nexus_unit_price(self, product, quantity, user):
            return (yield) * 2

    pm.register(Price(), name="price")
    pm.register(Double(), name="double")

    assert pm.hook.nexus_unit_price(product=None, quantity=1, user=None) == 20
