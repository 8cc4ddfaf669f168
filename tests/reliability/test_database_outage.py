"""The database going away in the middle of an order: a JSON 503, and nothing half-written
(no order, no line, no stock taken, no movement, no audit row, no idempotency record)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import OperationalError, connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from nexus_catalog.api import errors
from nexus_catalog.plugins.hookspecs import hookimpl
from nexus_catalog.services import audit, inventory
from tests.factories import CategoryFactory, ProductFactory, UserFactory
from tests.reliability.conftest import footprint

OUTAGE = "server closed the connection unexpectedly: INSERT INTO nexus_catalog_order SECRET"


def fail_on_call(monkeypatch, module: Any, name: str, call_number: int) -> None:
    """Make ``module.name`` raise a database outage on its ``call_number``-th call; the
    calls before it run for real (so the failure comes after some rows were written)."""
    real = getattr(module, name)
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == call_number:
            raise OperationalError(OUTAGE)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, flaky)


class OutageInAdjustments:
    @hookimpl
    def nexus_order_adjustments(self, order, lines, user):
        raise OperationalError(OUTAGE)


FAILURE_POINTS = {
    # After the stock was taken, before the order is written.
    "pricing adjustments": lambda mp, register: register(OutageInAdjustments(), "outage"),
    # After the first product's stock was taken, before the second's.
    "second stock take": lambda mp, register: fail_on_call(mp, inventory, "take_stock", 2),
    # At the last write: the audit row, after the order, its lines and movements.
    "audit row": lambda mp, register: fail_on_call(mp, audit, "record", 1),
}


def assert_clean_503(response) -> None:
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": errors.UNAVAILABLE}
    assert int(response["Retry-After"]) > 0
    for leak in (b"INSERT", b"nexus_catalog_", b"SECRET", b"Traceback"):
        assert leak not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("point", FAILURE_POINTS)
def test_outage_mid_order_is_a_json_503_and_writes_nothing(
    customer_client, two_line_order, monkeypatch, register_plugin, point
):
    before = footprint()
    FAILURE_POINTS[point](monkeypatch, register_plugin)

    response = customer_client.post("/api/orders/", two_line_order, format="json")

    assert_clean_503(response)
    assert footprint() == before


@pytest.mark.django_db
def test_order_retried_with_its_key_after_an_outage_is_placed_once(
    customer_client, two_line_order, monkeypatch
):
    before = footprint()
    FAILURE_POINTS["second stock take"](monkeypatch, None)

    failed = customer_client.post(
        "/api/orders/", two_line_order, format="json", HTTP_IDEMPOTENCY_KEY="order-7"
    )
    assert_clean_503(failed)
    assert footprint() == before

    monkeypatch.undo()
    placed = customer_client.post(
        "/api/orders/", two_line_order, format="json", HTTP_IDEMPOTENCY_KEY="order-7"
    )
    replayed = customer_client.post(
        "/api/orders/", two_line_order, format="json", HTTP_IDEMPOTENCY_KEY="order-7"
    )

    assert (placed.status_code, replayed.status_code) == (201, 201)
    assert replayed["Idempotent-Replayed"] == "true"
    after = footprint()
    assert (after["orders"], after["lines"]) == (1, 2)
    assert [stock for _, stock in after["stock"]] == [7, 7]


class KillOwnBackend:
    """Terminates this request's PostgreSQL backend from another connection, as a database
    restart or a failover would, in the middle of the order's transaction (on PostgreSQL,
    after its stock was taken)."""

    @hookimpl
    def nexus_order_adjustments(self, order, lines, user):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]

        def kill() -> None:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            finally:
                connection.close()

        killer = threading.Thread(target=kill)
        killer.start()
        killer.join()
        return []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backend_killed_mid_order_is_a_503_and_writes_nothing(register_plugin):
    customer = UserFactory()
    category = CategoryFactory()
    products = [ProductFactory(category=category, stock=10) for _ in range(2)]
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(customer)}")
    before = footprint()
    register_plugin(KillOwnBackend(), "killer")

    response = client.post(
        "/api/orders/",
        {"items": [{"product": p.pk, "quantity": 2} for p in products]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="killed-1",
    )

    assert response.status_code == 503
    assert response.json() == {"detail": errors.UNAVAILABLE}
    connection.close()  # the killed session; the checks below reconnect
    assert footprint() == before
