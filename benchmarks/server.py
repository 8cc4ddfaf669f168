"""The benchmarked server: its database and its gunicorn process, both owned by one run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/nexus_bench"


class ServerError(RuntimeError):
    pass


def recreate_postgres_database(url: str) -> None:
    """Drop and create the database named by ``url``; it must be a ``nexus_bench*`` one."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("nexus_bench"):
        raise ServerError(
            f"refusing to drop {name!r}: the harness only owns nexus_bench* databases"
        )
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def remove_sqlite_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def purge_queue(broker_url: str, queue: str) -> int:
    """Delete the benchmark's Celery queue from a Redis broker; how many keys went."""
    import redis

    client = redis.Redis.from_url(broker_url, socket_connect_timeout=2)
    keys = [
        *client.scan_iter(match=f"{queue}*"),
        *client.scan_iter(match=f"_kombu.binding*.{queue}"),
    ]
    return client.delete(*keys) if keys else 0


def check_broker(broker_url: str) -> None:
    if not broker_url.startswith(("redis://", "rediss://")):
        raise ServerError(f"the harness manages Redis brokers only, not {broker_url!r}")
    import redis

    try:
        redis.Redis.from_url(broker_url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        raise ServerError(
            f"no Redis at {broker_url} ({error}); start one, or pass --eager to run the "
            "tasks in the web process as the example project does without a broker"
        ) from error


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(database: dict[str, str], *, plugins: bool) -> dict[str, str]:
    env = {
        **os.environ,
        **database,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "example_project")]),
    }
    if not plugins:
        env["NEXUS_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return env


def wait_until_up(
    base_url: str,
    process: subprocess.Popen,
    timeout: float = 60,
    ready_path: str = "/bench/categories/",
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"gunicorn exited with {process.returncode}; see its log")
        try:
            with urllib.request.urlopen(f"{base_url}{ready_path}", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:  # refused while binding, or a worker still importing
            pass
        time.sleep(0.2)
    raise ServerError(f"gunicorn did not answer within {timeout:.0f} s")


@contextmanager
def gunicorn(
    env: dict[str, str],
    *,
    workers: int,
    log: Path,
    app: str = "benchmarks.wsgi:application",
    ready_path: str = "/bench/categories/",
) -> Iterator[str]:
    """A gunicorn of ``workers`` sync workers serving ``app`` on a free loopback port; yields
    its base URL once ``ready_path`` answers 200. The soak test uses it too."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        app,
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--error-logfile",
        str(log),
    ]
    with log.open("ab") as output:
        process = subprocess.Popen(command, env=env, cwd=REPO, stdout=output, stderr=output)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base_url, process, ready_path=ready_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
