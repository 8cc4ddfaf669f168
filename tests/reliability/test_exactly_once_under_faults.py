"""One ``Idempotency-Key``, one order, under real faults: gunicorn workers killed with
``SIGKILL`` under keyed order traffic, and an after-commit failure on every order.

The suite's host project is served by real gunicorn processes against the test database
(PostgreSQL); the clients are plain HTTP, retrying each key as the idempotency guide tells
a client to, until they get an answer that is not a retry-later.
"""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from queue import Empty, Queue
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from rest_framework_simplejwt.tokens import AccessToken

from benchmarks.server import REPO, gunicorn
from nexus_catalog.models import AuditLog, InventoryMovement, Order
from tests.factories import ProductFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 3
OPENING_STOCK = 10_000


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """(base URL, master pid) of gunicorn serving ``tests.settings`` on the test database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "NEXUS_TEST_DATABASE_URL": _database_url(),
        "NEXUS_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTHONPATH": str(REPO),
    }
    connection.close()  # the server's workers and this test share the database
    with gunicorn(
        env,
        workers=WORKERS,
        log=tmp_path / "gunicorn.log",
        app="tests.reliability.wsgi:application",
        ready_path="/api/categories/",
    ) as base_url:
        [master] = [pid for pid in _children(os.getpid()) if b"gunicorn" in _cmdline(pid)]
        yield base_url, master


def _post_order(base_url: str, token: str, product: int, key: str) -> tuple[int, dict, Any]:
    """One keyed order; (status, headers, JSON body), status 0 when the connection failed."""
    body = json.dumps({"items": [{"product": product, "quantity": 1}], "note": key}).encode()
    request = urllib.request.Request(
        f"{base_url}/api/orders/",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except (OSError, ValueError):  # reset, refused, or a body cut short by the kill
        return 0, {}, None


def _place_until_answered(base_url: str, token: str, product: int, key: str) -> tuple[int, Any]:
    """Retry ``key`` as a client would: on a lost connection, a 5xx or a 409."""
    for _attempt in range(60):
        status, _headers, body = _post_order(base_url, token, product, key)
        if status and status < 500 and status != 409:
            return status, body
        time.sleep(0.05)
    return status, body


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _cmdline(pid: int) -> bytes:
    return Path(f"/proc/{pid}/cmdline").read_bytes()


def _assert_one_order_per_key_and_each_replays(base_url, token, product, answers) -> None:
    for key, (status, body) in answers.items():
        assert status == 201, (key, status, body)
        orders = list(Order.objects.filter(note=key).values_list("pk", flat=True))
        assert orders == [body["id"]], key  # exactly one order, the one answered
        replay_status, headers, replayed = _post_order(base_url, token, product.pk, key)
        assert (replay_status, headers.get("Idempotent-Replayed")) == (201, "true"), key
        assert replayed == body
    product.refresh_from_db()
    placed = Order.objects.count()
    assert placed == len(answers)
    assert product.stock == OPENING_STOCK - placed
    movements = InventoryMovement.objects.filter(product=product).aggregate(total=Sum("change"))
    assert movements["total"] == product.stock


def test_killed_workers_never_place_a_keyed_order_twice(server, customer):
    base_url, master = server
    product = ProductFactory(stock=OPENING_STOCK, price="3.00")
    token = str(AccessToken.for_user(customer))
    keys: Queue[str] = Queue()
    for number in range(90):
        keys.put(f"kill-{number}")
    answers: dict[str, tuple[int, Any]] = {}
    done = threading.Event()

    def client() -> None:
        while True:
            try:
                key = keys.get_nowait()
            except Empty:
                return
            answers[key] = _place_until_answered(base_url, token, product.pk, key)

    def killer() -> None:
        rng = random.Random(15)
        for _kill in range(20):
            if done.wait(rng.uniform(0.1, 0.3)):
                return
            workers = _children(master)
            if workers:
                os.kill(rng.choice(workers), signal.SIGKILL)

    clients = [threading.Thread(target=client) for _ in range(4)]
    killing = threading.Thread(target=killer)
    for thread in [*clients, killing]:
        thread.start()
    for thread in clients:
        thread.join()
    done.set()
    killing.join()

    _assert_one_order_per_key_and_each_replays(base_url, token, product, answers)


@pytest.fixture
def failing_audit_delivery() -> Iterator[None]:
    """Every audit delivery fails after commit: marking the row delivered raises."""
    table = AuditLog._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION nexus_test_audit_sink_down() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit sink down'; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            f"CREATE TRIGGER nexus_test_audit_sink_down BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION nexus_test_audit_sink_down()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER IF EXISTS nexus_test_audit_sink_down ON {table}")
        cursor.execute("DROP FUNCTION IF EXISTS nexus_test_audit_sink_down()")


def test_an_after_commit_failure_on_every_order_never_places_one_twice(
    failing_audit_delivery, server, customer
):
    base_url, _master = server
    product = ProductFactory(stock=OPENING_STOCK, price="3.00")
    token = str(AccessToken.for_user(customer))
    answers = {}

    for number in range(10):
        key = f"after-commit-{number}"
        first = _post_order(base_url, token, product.pk, key)
        assert first[0] == 201, first  # the committed order, not a 500
        assert "Idempotent-Replayed" not in first[1]
        answers[key] = (first[0], first[2])

    _assert_one_order_per_key_and_each_replays(base_url, token, product, answers)
    assert not AuditLog.objects.filter(delivered_at__isnull=False).exists()  # it did fail
