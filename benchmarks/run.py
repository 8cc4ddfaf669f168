"""Benchmark the example project under gunicorn against raw baselines: ``make bench``.

For each catalog size: seed, then for each scenario run the API and its reference
alternately in short rounds (wrk, on 127.0.0.1) and keep the medians. Prints a table, the
share of the product table's updates that were heap-only (HOT) during the order scenarios,
and the targets, and writes ``benchmarks/results/<timestamp>.json`` and ``.png``.
See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# Run as a script (``python benchmarks/run.py``): make the repository and the example importable.
for entry in (str(REPO / "example_project"), str(REPO)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from benchmarks import loadgen, report, scenarios, server  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
GUNICORN_WORKERS = 2 * (os.cpu_count() or 1) - 1
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/15"
QUEUE = "nexus-bench"
# A PostgreSQL backend that goes idle with statistics pending flushes them within 10 s
# (PGSTAT_IDLE_INTERVAL): the gunicorn workers' counters are read once that has passed.
STATS_FLUSH_SECONDS = 11


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument(
        "--database-url",
        default=server.DEFAULT_POSTGRES_URL,
        help="PostgreSQL URL of a nexus_bench* database, dropped and created by the run",
    )
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="catalog sizes, comma-separated"
    )
    parser.add_argument("--duration", type=int, default=3, help="seconds per measured round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per scenario")
    parser.add_argument("--connections", type=int, default=16, help="concurrent clients")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=max(GUNICORN_WORKERS, 1))
    parser.add_argument("--scenarios", default="", help="only these scenarios, comma-separated")
    parser.add_argument(
        "--plugins",
        action="store_true",
        help="load entry-point plugins too (by default the engine is measured alone)",
    )
    parser.add_argument(
        "--broker-url",
        default=DEFAULT_BROKER_URL,
        help="Redis broker the web processes queue Celery tasks on (no worker consumes them)",
    )
    parser.add_argument(
        "--eager",
        action="store_true",
        help="no broker: tasks run inside the request, as in the example project's demo mode",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1k products, 1 s rounds")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.duration, args.rounds = "1000", 1, 1
    args.size_list = sorted(int(size) for size in args.sizes.split(",") if size.strip())
    return args


def database_environment(args: argparse.Namespace, workdir: Path) -> dict[str, str]:
    if args.db == "postgres":
        server.recreate_postgres_database(args.database_url)
        return {"DATABASE_URL": args.database_url}
    path = workdir / "bench.sqlite3"
    server.remove_sqlite_database(path)
    return {"SQLITE_PATH": str(path)}


def setup_django(env: dict[str, str]) -> None:
    for key in (
        "DATABASE_URL",
        "SQLITE_PATH",
        "NEXUS_DISABLE_PLUGIN_AUTOLOAD",
        "CELERY_BROKER_URL",
        "NEXUS_BENCH_QUEUE",
    ):
        if key in env:
            os.environ[key] = env[key]
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def postgres_deadlocks() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def product_update_counters(quiet_since: float) -> tuple[int, int] | None:
    """``(n_tup_upd, n_tup_hot_upd)`` of the product table once every server process has
    flushed its statistics: ``quiet_since`` is when the last write load ended (monotonic)."""
    from django.db import connection

    from nexus_catalog.models import Product

    if connection.vendor != "postgresql":
        return None
    time.sleep(max(0.0, quiet_since + STATS_FLUSH_SECONDS - time.monotonic()))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = %s::regclass",
            [Product._meta.db_table],
        )
        updates, hot = cursor.fetchone()
    return int(updates), int(hot)


def request(
    base_url: str, path: str, *, token: str = "", body: dict | None = None, key: str = ""
) -> tuple[int, dict[str, str], Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(f"{base_url}{path}", data=data, headers=headers)
    try:
        with urllib.request.urlopen(call, timeout=10) as response:
            status, headers_in, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, headers_in, raw = error.code, dict(error.headers), error.read()
    try:
        return status, headers_in, json.loads(raw)
    except ValueError:
        return status, headers_in, raw.decode(errors="replace")[:200]


def shape(document: Any) -> Any:
    """The keys of a response, and of its first result or line: what "the same page" means."""
    if isinstance(document, dict):
        keys = {key: shape(value) for key, value in document.items() if key in {"results", "lines"}}
        return {"keys": sorted(document), **keys}
    if isinstance(document, list):
        return shape(document[0]) if document else []
    return None


def without_links(document: Any) -> Any:
    """A page without its ``next``/``previous`` links (they name each view's own path)."""
    if isinstance(document, dict):
        return {k: v for k, v in document.items() if k not in {"next", "previous"}}
    return document


def preflight(base_url: str, fixtures: Any) -> list[str]:
    """The API answers, each baseline serves the same shape, Idempotency-Key is honoured."""
    pid, buyer = fixtures.product_ids[-1], fixtures.buyer_tokens[0]
    order = {"items": [{"product": pid, "quantity": 1}]}
    pairs = [
        ("/api/products/?page_size=20", "/bench/products/?page_size=20", "", None),
        # A page with parents (their variants) and images, and a search.
        ("/api/products/?page_size=100", "/bench/products/?page_size=100", "", None),
        ("/api/products/?search=lantern", "/bench/products/?search=lantern", "", None),
        ("/api/products/facets/", "/bench/products/facets/", "", None),
        (f"/api/products/{pid}/", f"/bench/products/{pid}/", "", None),
        ("/api/categories/", "/bench/categories/", "", None),
        ("/api/orders/", "/bench/orders/", fixtures.reader_token, None),
        ("/api/orders/", "/bench/orders/place/", buyer, order),
        ("/api/orders/", "/bench/orders/place-same-work/", buyer, order),
    ]
    notes = []
    for api_path, raw_path, token, body in pairs:
        api_status, _, api = request(base_url, api_path, token=token, body=body)
        raw_status, _, raw = request(base_url, raw_path, token=token, body=body)
        if api_status >= 300:
            raise SystemExit(
                f"{'POST' if body else 'GET'} {api_path} answered {api_status}: {api!r}\n"
                "Is the catalog API mounted in example_project/urls.py?"
            )
        if raw_status >= 300:
            raise SystemExit(f"baseline {raw_path} answered {raw_status}: {raw!r}")
        if shape(api) != shape(raw):
            notes.append(f"{raw_path} differs from {api_path}: {shape(raw)} != {shape(api)}")
        elif "/products/" in api_path and without_links(api) != without_links(raw):
            # The catalog's baselines answer the very same documents, not just their keys.
            notes.append(f"{raw_path} answers other values than {api_path}")
    key = f"bench-preflight-{time.time_ns()}"
    first = request(base_url, "/api/orders/", token=buyer, body=order, key=key)
    again = request(base_url, "/api/orders/", token=buyer, body=order, key=key)
    if again[1].get("Idempotent-Replayed") != "true" or again[2] != first[2]:
        notes.append("Idempotency-Key is not honoured: a retry was not replayed")
    return notes


def measure(
    args: argparse.Namespace, base_url: str, scenario: scenarios.Scenario, size: int
) -> dict[str, Any]:
    options = {"connections": args.connections, "threads": args.threads}
    for load in (scenario.load, scenario.reference):  # warm both paths up, unmeasured
        loadgen.run_wrk(base_url, load, duration=1, **options)
    rounds = []
    for number in range(args.rounds):
        # Alternate which one goes first, so neither always runs on a warmer machine.
        order = [("scenario", scenario.load), ("reference", scenario.reference)]
        if number % 2:
            order.reverse()
        measured = {
            label: loadgen.run_wrk(
                base_url, load, duration=args.duration, seed=number + 1, **options
            )
            for label, load in order
        }
        rounds.append((measured["scenario"], measured["reference"]))
    row = report.summarise(size, scenario, rounds)
    ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "-"
    print(
        f"  {scenario.name:<24} {row['rps']:>8.0f} req/s  p50 {row['p50_ms']:>6.1f} ms  "
        f"p99 {row['p99_ms']:>6.1f} ms  errors {row['failed']:>4}  "
        f"| reference {row['reference_rps']:>8.0f} req/s  ratio {ratio}",
        flush=True,
    )
    return row


def measure_size(
    args: argparse.Namespace,
    base_url: str,
    size: int,
    wanted: set[str],
    workdir: Path,
    notes: list[str],
    hot_updates: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Grow the catalog to ``size`` products and run every wanted scenario on it; appends
    the product table's HOT share over the order scenarios to ``hot_updates``."""
    from django.db import connections

    from benchmarks import seed

    print(f"== {size} products", flush=True)
    started = time.monotonic()
    fixtures = seed.seed(size)
    print(f"  seeded in {time.monotonic() - started:.1f} s", flush=True)
    connections.close_all()
    if size == args.size_list[0]:
        notes += preflight(base_url, fixtures)
        for note in notes:
            print(f"  NOTE: {note}")
    rows, counters_before, writes_ended = [], None, time.monotonic()
    for scenario in scenarios.build(fixtures, workdir / str(size)):
        if wanted and scenario.name not in wanted:
            continue
        if scenario.writes and counters_before is None:
            counters_before = product_update_counters(writes_ended)
        rows.append(measure(args, base_url, scenario, size))
        if scenario.writes:
            writes_ended = time.monotonic()
    if counters_before is not None:
        counters_after = product_update_counters(writes_ended)
        if counters_after is not None:
            share = report.hot_share(size, counters_before, counters_after)
            hot_updates.append(share)
            print(f"  {report.hot_text([share])}", flush=True)
    return rows


def machine(args: argparse.Namespace) -> dict[str, Any]:
    from django import get_version
    from django.db import connection

    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()"
        )
        database = cursor.fetchone()[0]
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": get_version(),
        "database": database,
        "wrk": (wrk.stdout or wrk.stderr).splitlines()[0] if (wrk.stdout or wrk.stderr) else "",
        "gunicorn_workers": args.workers,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        loadgen.require_wrk()
    except loadgen.LoadGeneratorError as error:
        print(error, file=sys.stderr)
        return 2
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    args.output.mkdir(parents=True, exist_ok=True)
    workdir = args.output / f"{stamp}.data"
    workdir.mkdir()

    print(
        f"== database: {args.db}; sizes {args.size_list}; {args.rounds} x {args.duration} s rounds"
    )
    database = database_environment(args, workdir)
    if not args.plugins:
        database["NEXUS_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    if not args.eager:
        server.check_broker(args.broker_url)
        server.purge_queue(args.broker_url, QUEUE)
        database.update(CELERY_BROKER_URL=args.broker_url, NEXUS_BENCH_QUEUE=QUEUE)
    setup_django(database)
    wanted = {name for name in args.scenarios.split(",") if name}
    deadlocks_before = postgres_deadlocks()
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    hot_updates: list[dict[str, Any]] = []
    env = server.server_environment(database, plugins=args.plugins)
    try:
        with server.gunicorn(env, workers=args.workers, log=workdir / "gunicorn.log") as url:
            for size in args.size_list:
                rows += measure_size(args, url, size, wanted, workdir, notes, hot_updates)
    finally:
        if not args.eager:
            server.purge_queue(args.broker_url, QUEUE)
    deadlocks_after = postgres_deadlocks()
    deadlocks = (
        deadlocks_after - deadlocks_before
        if deadlocks_before is not None and deadlocks_after is not None
        else None
    )
    checks = report.evaluate(rows, deadlocks, hot_updates)
    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    result = {
        "timestamp": stamp,
        "command": command.strip(),
        "db": args.db,
        "machine": machine(args),
        "config": {
            "sizes": args.size_list,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "connections": args.connections,
            "wrk_threads": args.threads,
            "plugins": args.plugins,
            "celery": "eager" if args.eager else f"queued on {args.broker_url}",
        },
        "deadlocks": deadlocks,
        "hot_updates": hot_updates,
        "notes": notes,
        "results": rows,
        "checks": [check.as_dict() for check in checks],
    }
    json_path = args.output / f"{stamp}.json"
    json_path.write_text(json.dumps(result, indent=2, default=str))
    (args.output / f"{stamp}.md").write_text(
        report.markdown_table(rows) + "\n\n" + report.hot_text(hot_updates) + "\n"
    )
    png_path = report.plot(rows, args.output / f"{stamp}.png", f"django-nexus-commerce, {args.db}")

    print()
    print(report.text_table(rows))
    print()
    if hot_updates:
        print(report.hot_text(hot_updates))
        print()
    print(report.checks_text(checks))
    print()
    print(f"results: {json_path}\nplot:    {png_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
