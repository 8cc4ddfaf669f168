"""A new order renders without a query, and exactly as DRF's serializer path renders it."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from rest_framework import serializers

from nexus_catalog.api.reads import object_shape
from nexus_catalog.api.serializers import OrderSerializer
from nexus_catalog.models import Order
from nexus_catalog.plugins.manager import get_plugin_manager
from nexus_catalog.plugins.types import Adjustment
from nexus_catalog.services.ordering import place_order
from tests.factories import ProductFactory, UserFactory
from tests.plugins_fixtures import Adjusting

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipping_fee():
    plugin = Adjusting(Adjustment("ship", "Shipping", Decimal("4.99")))
    pm = get_plugin_manager()
    pm.register(plugin, name="bench-shipping")
    yield plugin
    pm.unregister(plugin)


def drf_rendering(order: Order) -> dict:
    """The serializer's output through DRF's own field machinery."""
    serializer = OrderSerializer(order)
    return serializers.ModelSerializer.to_representation(serializer, order)


def place(quantity: int = 2) -> Order:
    user = UserFactory()
    first, second = ProductFactory(price=Decimal("3.50")), ProductFactory(price=Decimal("1.25"))
    return place_order(
        user,
        [{"product": second.pk, "quantity": quantity}, {"product": first.pk, "quantity": 1}],
        note="by the door",
    )


def test_placed_order_carries_its_lines_and_adjustments(django_assert_num_queries, shipping_fee):
    order = place()
    with django_assert_num_queries(0):
        lines, adjustments = list(order.lines.all()), list(order.adjustments.all())
    stored = Order.objects.get(pk=order.pk)
    assert lines == list(stored.lines.all())
    assert adjustments == list(stored.adjustments.all())


def test_total_with_an_adjustment_is_stored(shipping_fee):
    order = place(quantity=1)
    assert Order.objects.get(pk=order.pk).total == Decimal("3.50") + Decimal("1.25") + Decimal(
        "4.99"
    )


def test_total_without_adjustments_is_the_subtotal():
    order = place(quantity=1)
    stored = Order.objects.get(pk=order.pk)
    assert stored.total == stored.subtotal == Decimal("4.75")


def test_order_renders_as_drf_renders_it(shipping_fee):
    order = Order.objects.prefetch_related("lines", "adjustments").get(pk=place().pk)
    assert OrderSerializer(order).data == drf_rendering(order)


def test_new_order_renders_as_the_stored_order_renders(shipping_fee):
    order = place()
    stored = Order.objects.prefetch_related("lines", "adjustments").get(pk=order.pk)
    assert OrderSerializer(order).data == drf_rendering(stored)


def test_order_create_answers_the_stored_order(api_client):
    user, product = UserFactory(), ProductFactory(price=Decimal("2.00"), stock=5)
    api_client.force_authenticate(user)
    response = api_client.post(
        "/api/orders/", {"items": [{"product": product.pk, "quantity": 2}]}, format="json"
    )
    assert response.status_code == 201
    stored = Order.objects.prefetch_related("lines", "adjustments").get(pk=response.json()["id"])
    assert response.json() == json.loads(json.dumps(drf_rendering(stored)))


def test_a_serializer_with_a_method_field_has_no_shape():
    class WithMethod(OrderSerializer):
        shouted = serializers.SerializerMethodField()

        class Meta(OrderSerializer.Meta):
            fields = [*OrderSerializer.Meta.fields, "shouted"]

        def get_shouted(self, order: Order) -> str:
            return order.note.upper()

    assert object_shape(OrderSerializer) is not None
    assert object_shape(WithMethod) is None
