"""Commands run as a user would run them: in a fresh virtualenv, outside the test suite's.

The slow tests that build distributions, install them or build the docs share these. A fresh
virtualenv installs from the local pip cache and PyPI only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without what points at the test suite or its venv."""
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"):
        env.pop(name, None)
    env.update(extra)
    return env


def run_capturing(
    args: list[str | Path],
    *,
    cwd: Path | None = None,
    timeout: float = 600,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command that must succeed; on failure, the assertion shows its output."""
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, args))} exited {result.returncode}\n"
        f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
    )
    return result


def run(
    args: list[str | Path],
    *,
    cwd: Path | None = None,
    timeout: float = 600,
    env: dict[str, str] | None = None,
) -> str:
    """Run a command that must succeed; returns its stdout."""
    return run_capturing(args, cwd=cwd, timeout=timeout, env=env).stdout


def fresh_venv(path: Path, *requirements: str | Path) -> Path:
    """A new virtualenv at ``path`` with ``pip install <requirements>``; returns its bin/."""
    run([sys.executable, "-m", "venv", path])
    bin_dir = path / "bin"
    pip = [bin_dir / "python", "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    run([*pip, *requirements])
    return bin_dir
