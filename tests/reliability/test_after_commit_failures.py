"""A failure after commit never reaches the caller of a committed change, nor stops the
other after-commit callbacks (issue 15: Django's robust on_commit logs the callback's
``__qualname__``, which a ``functools.partial`` lacks, so scheduling partials turned a
failing audit delivery into an AttributeError out of the commit and a 500)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection

from nexus_catalog.models import AuditLog, Order
from tests.plugins.sample_plugins import RaisingSink
from tests.plugins_fixtures import Crashing, Recording

pytestmark = pytest.mark.django_db(transaction=True)

TABLE = AuditLog._meta.db_table
REFUSAL = "audit row updates refused by the test"


@contextmanager
def refusing_audit_updates() -> Iterator[None]:
    """A trigger that makes every UPDATE of the audit table fail (as a database that went
    away would): the delivery cannot mark the event delivered, so it raises after the
    change committed."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION nexus_test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER nexus_test_refuse BEFORE UPDATE ON {TABLE} "
                "FOR EACH ROW EXECUTE FUNCTION nexus_test_refuse()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER nexus_test_refuse BEFORE UPDATE ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER nexus_test_refuse ON {TABLE}")
                cursor.execute("DROP FUNCTION nexus_test_refuse()")
            else:
                cursor.execute("DROP TRIGGER nexus_test_refuse")


@pytest.fixture
def audit_updates_refused() -> Iterator[None]:
    with refusing_audit_updates():
        yield


@pytest.fixture
def recording(register_plugin) -> Recording:
    # Registered first, called last: after the crashing hook and the raising sink.
    recording = register_plugin(Recording(), "recording")
    register_plugin(Crashing(), "crashing")
    register_plugin(RaisingSink(), "raising-sink")
    return recording


def test_a_failing_delivery_without_a_broker_leaves_the_order_placed(
    audit_updates_refused, recording, customer_client, two_line_order, caplog
):
    with caplog.at_level(logging.ERROR):
        response = customer_client.post("/api/orders/", two_line_order, format="json")

    assert response.status_code == 201, response.content
    order_id = response.json()["id"]
    assert Order.objects.filter(pk=order_id).exists()
    # The after-commit hook scheduled after the failing delivery still ran.
    assert recording.created == [order_id]
    # Each failure is logged: the sink, the hook, and the delivery that could not finish.
    assert "Audit sink raising-sink failed" in caplog.text
    assert "Plugin crashing failed in nexus_order_created" in caplog.text
    assert "dispatch_audit_event" in caplog.text and REFUSAL in caplog.text
    # The event stays in the outbox for the redelivery sweep.
    log = AuditLog.objects.get(action="order.created", object_id=str(order_id))
    assert log.delivered_at is None


def test_a_keyed_order_whose_delivery_fails_is_placed_once_and_replayed(
    audit_updates_refused, recording, customer_client, two_line_order
):
    headers = {"HTTP_IDEMPOTENCY_KEY": "after-commit-failure"}

    first = customer_client.post("/api/orders/", two_line_order, format="json", **headers)
    retry = customer_client.post("/api/orders/", two_line_order, format="json", **headers)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json()["id"] == first.json()["id"]
    assert Order.objects.count() == 1


def test_a_failing_transition_delivery_leaves_the_transition_done(
    recording, customer_client, two_line_order
):
    placed = customer_client.post("/api/orders/", two_line_order, format="json")
    order_id = placed.json()["id"]

    with refusing_audit_updates():
        response = customer_client.post(
            f"/api/orders/{order_id}/transition/", {"status": "cancelled"}, format="json"
        )

    assert response.status_code == 200, response.content
    assert Order.objects.get(pk=order_id).status == "cancelled"
    assert recording.transitioned == [(order_id, "pending", "cancelled")]
