"""Fixtures of the plugin tests: a fresh manager per test, and a real installed distribution."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nexus_catalog.plugins.manager import AUTOLOAD_ENV
from tests.plugins.sample_plugins import recording_sink


@pytest.fixture(autouse=True)
def _clear_recording_sink() -> Iterator[None]:
    # The manager itself is rebuilt for every test by the root conftest.
    recording_sink.events.clear()
    yield
    recording_sink.events.clear()


@pytest.fixture
def autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entry points are loaded, as in production (the suite turns them off elsewhere)."""
    monkeypatch.delenv(AUTOLOAD_ENV, raising=False)


@pytest.fixture
def install_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., None]]:
    """Install a distribution on ``sys.path``: a ``.dist-info`` with ``nexus`` entry points
    and the plugin module beside it, found by ``importlib.metadata`` as pip's would be."""
    modules: list[str] = []

    def install(
        name: str, version: str, entry_points: dict[str, str], modules_source: dict[str, str]
    ) -> None:
        for module, source in modules_source.items():
            (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
            modules.append(module)
        info = tmp_path / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        lines = "".join(f"{ep} = {target}\n" for ep, target in entry_points.items())
        (info / "entry_points.txt").write_text(f"[nexus]\n{lines}")
        monkeypatch.syspath_prepend(str(tmp_path))

    yield install
    for module in modules:
        sys.modules.pop(module, None)
