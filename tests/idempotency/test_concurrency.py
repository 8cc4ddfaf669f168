"""Racing duplicates with real threads, each on its own database connection (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from nexus_catalog.models import IdempotencyRecord, InventoryMovement, Order, Product
from tests.factories import ProductFactory, UserFactory
from tests.idempotency import views
from tests.idempotency.conftest import send

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12


def in_thread(target: Callable[[], Any], results: list[Any]) -> threading.Thread:
    def run() -> None:
        try:
            results.append(target())
        finally:
            connection.close()

    return threading.Thread(target=run)


def test_twelve_concurrent_identical_orders_with_one_key_create_one_order():
    product = ProductFactory(stock=10)
    token = RefreshToken.for_user(UserFactory()).access_token
    body = {"items": [{"product": product.pk, "quantity": 2}]}
    barrier = threading.Barrier(THREADS)

    def place() -> tuple[int, bool, bytes]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        barrier.wait()
        response = client.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="order-1")
        return response.status_code, response.has_header("Idempotent-Replayed"), response.content

    results: list[tuple[int, bool, bytes]] = []
    threads = [in_thread(place, results) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == THREADS
    assert Order.objects.count() == 1
    ran = [content for status, replayed, content in results if status == 201 and not replayed]
    replayed = [content for status, replayed, content in results if replayed]
    conflicts = [status for status, replayed, _ in results if status == 409]
    assert len(ran) == 1
    assert len(replayed) + len(conflicts) == THREADS - 1
    assert all(content == ran[0] for content in replayed)
    product.refresh_from_db()
    assert product.stock == 8
    assert InventoryMovement.objects.filter(product=product).aggregate(total=Sum("change")) == {
        "total": 8
    }
    assert Product.objects.get(pk=product.pk).stock == 8


def test_duplicate_past_lock_timeout_is_409_then_replayed(settings):
    settings.NEXUS_CATALOG = {"IDEMPOTENCY": {"LOCK_TIMEOUT": timedelta(milliseconds=200)}}
    blocking = "/api/_test/blocking/"
    first: list[Any] = []
    thread = in_thread(lambda: send(APIClient(), {}, key="k1", path=blocking), first)
    thread.start()
    assert views.BlockingView.entered.wait(timeout=10)

    duplicate = send(APIClient(), {}, key="k1", path=blocking)
    views.BlockingView.release.set()
    thread.join()
    retry = send(APIClient(), {}, key="k1", path=blocking)

    assert duplicate.status_code == 409
    assert duplicate["Retry-After"] == "1"
    assert first[0].status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.content == first[0].content
    assert views.calls["blocking"] == 1


def test_duplicate_within_lock_timeout_waits_and_gets_the_replay():
    blocking = "/api/_test/blocking/"
    first: list[Any] = []
    duplicate: list[Any] = []
    thread = in_thread(lambda: send(APIClient(), {}, key="k1", path=blocking), first)
    thread.start()
    assert views.BlockingView.entered.wait(timeout=10)
    waiting = in_thread(lambda: send(APIClient(), {}, key="k1", path=blocking), duplicate)
    waiting.start()
    waiting.join(timeout=0.5)
    assert waiting.is_alive()  # blocked on the key's unique index, not answered

    views.BlockingView.release.set()
    thread.join()
    waiting.join()

    assert first[0].status_code == 201
    assert duplicate[0]["Idempotent-Replayed"] == "true"
    assert duplicate[0].content == first[0].content
    assert views.calls["blocking"] == 1


def test_duplicate_of_a_request_that_failed_runs_it_again():
    blocking = "/api/_test/blocking/"
    first: list[Any] = []
    duplicate: list[Any] = []
    client = APIClient(raise_request_exception=False)
    thread = in_thread(lambda: send(client, {"status": 503}, key="k1", path=blocking), first)
    thread.start()
    assert views.BlockingView.entered.wait(timeout=10)
    waiting = in_thread(lambda: send(APIClient(), {}, key="k1", path=blocking), duplicate)
    waiting.start()

    views.BlockingView.release.set()
    thread.join()
    waiting.join()

    assert first[0].status_code == 503
    assert duplicate[0].status_code == 201
    assert "Idempotent-Replayed" not in duplicate[0]
    assert views.calls["blocking"] == 2


def test_twelve_concurrent_duplicates_run_the_view_once():
    barrier = threading.Barrier(THREADS)

    def post() -> int:
        client = APIClient()
        barrier.wait()
        return send(client, {"a": 1}, key="k1").status_code

    results: list[int] = []
    threads = [in_thread(post, results) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert views.calls["echo"] == 1
    assert set(results) == {201}  # one ran; the others waited for it and got its replay
    assert IdempotencyRecord.objects.count() == 1
