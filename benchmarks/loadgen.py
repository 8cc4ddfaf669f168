"""Driving load with wrk: one bounded run against 127.0.0.1, parsed into a ``Measurement``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk" / "scenario.lua"
RESULT_PREFIX = "BENCH_RESULT "


class LoadGeneratorError(RuntimeError):
    pass


@dataclass(frozen=True)
class Measurement:
    """What one wrk run saw. Times in microseconds."""

    requests: int
    duration_us: int
    p50_us: int
    p90_us: int
    p99_us: int
    mean_us: float
    max_us: int
    status: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    bytes: int = 0

    @property
    def rps(self) -> float:
        return self.requests / (self.duration_us / 1_000_000) if self.duration_us else 0.0

    @property
    def server_errors(self) -> int:
        return self.status.get("5xx", 0)

    @property
    def failed(self) -> int:
        """Responses that were not 2xx, and requests that got no response at all."""
        socket_errors = sum(v for k, v in self.errors.items() if k != "status")
        return self.requests - self.status.get("2xx", 0) + socket_errors

    def as_dict(self) -> dict:
        return {**asdict(self), "rps": round(self.rps, 1)}


@dataclass(frozen=True)
class Load:
    """One request stream: what wrk sends, read by ``wrk/scenario.lua`` from the environment."""

    method: str = "GET"
    paths: Path | None = None
    path: str = "/"
    tokens: Path | None = None
    products: Path | None = None
    idempotency: bool = False

    def environment(self, seed: int) -> dict[str, str]:
        env = {
            "BENCH_METHOD": self.method,
            "BENCH_PATH": self.path,
            "BENCH_IDEMPOTENCY": "1" if self.idempotency else "0",
            "BENCH_NONCE": uuid.uuid4().hex[:12],
            "BENCH_SEED": str(seed),
        }
        for name, value in (
            ("BENCH_PATHS", self.paths),
            ("BENCH_TOKENS", self.tokens),
            ("BENCH_PRODUCTS", self.products),
        ):
            env[name] = str(value) if value else ""
        return env


def require_wrk() -> str:
    executable = shutil.which("wrk")
    if executable is None:
        raise LoadGeneratorError(
            "wrk is not installed. On Debian or Ubuntu: `sudo apt-get install -y wrk` "
            "(on macOS: `brew install wrk`); then run the benchmark again."
        )
    return executable


def parse_output(stdout: str) -> Measurement:
    """The JSON line that ``scenario.lua``'s ``done()`` prints."""
    for line in stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return Measurement(**json.loads(line[len(RESULT_PREFIX) :]))
    raise LoadGeneratorError(f"wrk printed no result line:\n{stdout}")


def run_wrk(
    base_url: str,
    load: Load,
    *,
    duration: int,
    connections: int,
    threads: int,
    seed: int = 1,
) -> Measurement:
    if not base_url.startswith(("http://127.0.0.1", "http://localhost")):
        raise LoadGeneratorError(f"refusing to load anything but loopback: {base_url}")
    command = [
        require_wrk(),
        "--threads",
        str(min(threads, connections)),
        "--connections",
        str(connections),
        "--duration",
        f"{max(int(duration), 1)}s",
        "--timeout",
        "10s",
        "--script",
        str(SCRIPT),
        base_url,
    ]
    env = {**os.environ, **load.environment(seed)}
    completed = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=duration + 60, check=False
    )
    if completed.returncode != 0:
        raise LoadGeneratorError(f"wrk failed ({completed.returncode}): {completed.stderr}")
    return parse_output(completed.stdout)
