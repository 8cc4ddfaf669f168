"""A pricing plugin that raises: a clear 400 naming the failure, nothing written, and the
traceback in the log (not in the response)."""

from __future__ import annotations

import logging

import pytest

from nexus_catalog.exceptions import OrderRefused
from nexus_catalog.plugins.hookspecs import hookimpl
from tests.reliability.conftest import footprint

pytestmark = pytest.mark.django_db


class CrashingUnitPrice:
    @hookimpl
    def nexus_unit_price(self, product, quantity, user):
        raise ZeroDivisionError("internal detail of the plugin")


class CrashingAdjustments:
    @hookimpl
    def nexus_order_adjustments(self, order, lines, user):
        raise KeyError("internal detail of the plugin")


class RefusingAdjustments:
    """An engine error raised on purpose keeps its own meaning."""

    @hookimpl
    def nexus_order_adjustments(self, order, lines, user):
        raise OrderRefused("Not deliverable to this address.", field="shipping_address")


@pytest.mark.parametrize(
    ("plugin", "message"),
    [
        (CrashingUnitPrice(), "a pricing plugin failed"),
        (CrashingAdjustments(), "The order could not be priced: a pricing plugin failed."),
    ],
    ids=["nexus_unit_price", "nexus_order_adjustments"],
)
def test_crashing_pricing_plugin_is_a_clear_400_and_writes_nothing(
    customer_client, two_line_order, register_plugin, caplog, plugin, message
):
    register_plugin(plugin, "crashing")
    before = footprint()

    with caplog.at_level(logging.ERROR, logger="nexus_catalog.services.pricing"):
        response = customer_client.post(
            "/api/orders/", two_line_order, format="json", HTTP_IDEMPOTENCY_KEY="p-1"
        )

    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert b"internal detail" not in response.content
    assert footprint() == {**before, "idempotency": before["idempotency"] + 1}
    assert any(record.exc_info for record in caplog.records)


def test_refusal_by_a_crashing_plugin_is_replayed_on_retry_with_the_same_key(
    customer_client, two_line_order, register_plugin
):
    register_plugin(CrashingAdjustments(), "crashing")

    first = customer_client.post(
        "/api/orders/", two_line_order, format="json", HTTP_IDEMPOTENCY_KEY="p-2"
    )
    retry = customer_client.post(
        "/api/orders/", two_line_order, format="json", HTTP_IDEMPOTENCY_KEY="p-2"
    )

    assert (first.status_code, retry.status_code) == (400, 400)
    assert footprint()["orders"] == 0


def test_engine_error_raised_by_a_plugin_keeps_its_message(
    customer_client, two_line_order, register_plugin
):
    register_plugin(RefusingAdjustments(), "refusing")
    before = footprint()

    response = customer_client.post("/api/orders/", two_line_order, format="json")

    assert response.status_code == 400
    assert response.json() == {"shipping_address": ["Not deliverable to this address."]}
    assert footprint() == before
