"""The soak test: gunicorn workers on a fresh PostgreSQL database, minutes of mixed traffic,
then the invariant check. Not part of CI; run it by hand::

    .venv/bin/python -m benchmarks.soak.run              # 3 workers, 150 s, 40 000 requests
    .venv/bin/python -m benchmarks.soak.run --duration 30 --budget 5000

The database (``--database-url``, default ``nexus_soak``) is dropped and created again; only
a database whose name starts with ``nexus_soak`` is accepted. The exit status is 0 when no
request got a 5xx or a connection error, every replay was faithful and every invariant
holds; 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/nexus_soak"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=12, help="client threads (1 is staff)")
    parser.add_argument("--duration", type=float, default=150.0, help="seconds of traffic")
    parser.add_argument("--budget", type=int, default=40_000, help="at most this many requests")
    parser.add_argument("--products", type=int, default=25)
    parser.add_argument("--stock", type=int, default=50, help="starting stock of each product")
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not urlsplit(args.database_url).path.lstrip("/").startswith("nexus_soak"):
        parser.error("the soak test only drops and recreates nexus_soak* databases")
    return args


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SETTINGS_MODULE": "benchmarks.soak.settings",
        "NEXUS_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "example_project")]),
    }
    env.pop("CELERY_BROKER_URL", None)
    env.pop("REDIS_URL", None)
    os.environ.update(env)
    sys.path[:0] = [str(REPO), str(REPO / "example_project")]

    import django
    from django.core.management import call_command
    from django.db import connection

    recreate_database(args.database_url)
    django.setup()
    call_command("migrate", verbosity=0)

    from benchmarks.server import gunicorn
    from benchmarks.soak import invariants, traffic
    from benchmarks.soak.seed import seed

    seeded = seed(products=args.products, stock=args.stock, customers=args.customers)
    starting = seeded["starting_stock"]
    connection.close()

    log = Path(tempfile.mkdtemp(prefix="nexus-soak-")) / "gunicorn.log"
    print(
        f"soak: {args.workers} gunicorn workers, {args.clients} clients, "
        f"{args.duration:.0f} s or {args.budget} requests, {args.products} products x "
        f"{args.stock} units, database {urlsplit(args.database_url).path.lstrip('/')}",
        flush=True,
    )
    with gunicorn(
        env,
        workers=args.workers,
        log=log,
        app="example_project.wsgi:application",
        ready_path="/api/categories/",
    ) as base_url:
        tally, elapsed = traffic.run(
            host="127.0.0.1",
            port=urlsplit(base_url).port,
            customers=seeded["customers"],
            staff=seeded["staff"],
            product_ids=sorted(starting),
            clients=args.clients,
            duration=args.duration,
            budget=args.budget,
            seed=args.seed,
        )

    report = invariants.check(starting)
    server_errors = sum(n for status, n in tally.statuses.items() if status >= 500)
    connection_errors = tally.statuses.get(0, 0)
    figures = {
        "requests": tally.sent,
        "seconds": round(elapsed, 1),
        "requests_per_second": round(tally.sent / elapsed, 1) if elapsed else 0,
        "latency_ms": {
            "p50": round(statistics.median(tally.latencies) * 1000, 1) if tally.latencies else 0,
            "p95": round(percentile(tally.latencies, 0.95) * 1000, 1),
            "p99": round(percentile(tally.latencies, 0.99) * 1000, 1),
        },
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "by_action": {f"{a} {s}": n for (a, s), n in sorted(tally.by_action.items())},
        "events": dict(sorted(tally.events.items())),
        "server_errors_5xx": server_errors,
        "connection_errors": connection_errors,
        "client_failures": tally.failures[:20],
        "products": report.products,
        "starting_units": sum(starting.values()),
        "units_in_stock": sum(
            invariants.Product.objects.values_list("stock", flat=True)  # type: ignore[arg-type]
        ),
        "units_on_open_orders": report.units_on_open_orders,
        "orders": report.orders,
        "orders_by_status": report.orders_by_status,
        "movements_by_reason": invariants.movements_by_reason(),
        "stock_mismatches": report.stock_mismatches,
        "ledger_mismatches": report.ledger_mismatches,
        "orders_without_created_audit": report.orders_without_created_audit,
        "orders_without_status_audit": report.orders_without_status_audit,
        "orders_without_lines": report.orders_without_lines,
        "orders_with_wrong_totals": report.orders_with_wrong_totals,
        "invariant_violations": report.violations,
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    ok = not (server_errors or connection_errors or tally.failures or report.violations)
    print(f"gunicorn log: {log}")
    print(
        f"\nsoak {'PASSED' if ok else 'FAILED'}: {tally.sent} requests in {elapsed:.0f} s, "
        f"{server_errors} 5xx, {connection_errors} connection errors, "
        f"{len(tally.failures)} client failures; {report.orders} orders, "
        f"{report.products} products: stock + units on open orders == starting stock for "
        f"{report.products - len(report.stock_mismatches)}/{report.products}, "
        f"{report.violations} invariant violations"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
