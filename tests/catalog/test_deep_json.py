"""A JSON body nested too deeply is a 400 with a JSON error, on every view of the package,
anonymous ones included; never a 500."""

from __future__ import annotations

import pytest

from nexus_catalog.api.parsers import MAX_JSON_DEPTH, NexusJSONParser
from nexus_catalog.api.renderers import FastJSONRenderer
from nexus_catalog.models import Order
from nexus_catalog.services.ordering import place_order

pytestmark = pytest.mark.django_db

# Just past the bound; about where Python's recursion limit stops the decoder; far past it.
DEPTHS = [MAX_JSON_DEPTH + 1, 950, 1_000, 100_000]


def nested_list(depth: int) -> str:
    return "[" * depth + "]" * depth


def nested_object(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def post_json(client, path: str, body: str):
    return client.generic("POST", path, body, content_type="application/json")


def assert_deep_json_refused(response) -> None:
    assert response.status_code == 400, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    assert "nested" in response.json()["detail"]


@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_json_login_is_400_for_anyone(api_client, depth):
    body = '{"username": ' + nested_list(depth) + ', "password": "x"}'

    assert_deep_json_refused(post_json(api_client, "/api/auth/login/", body))


@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_json_register_is_400(api_client, depth):
    assert_deep_json_refused(post_json(api_client, "/api/auth/register/", nested_object(depth)))


@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_json_order_is_400_and_places_nothing(auth_client, customer, depth):
    body = '{"items": ' + nested_list(depth) + "}"

    assert_deep_json_refused(post_json(auth_client(customer), "/api/orders/", body))
    assert not Order.objects.exists()


@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_json_transition_is_400_and_moves_nothing(auth_client, customer, product, depth):
    order = place_order(customer, [{"product": product.pk, "quantity": 1}])
    body = '{"status": ' + nested_list(depth) + "}"

    response = post_json(auth_client(customer), f"/api/orders/{order.pk}/transition/", body)

    assert_deep_json_refused(response)
    order.refresh_from_db()
    assert order.status == "pending"


@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_json_category_is_400(auth_client, staff, depth):
    body = '{"name": "Deep", "description": ' + nested_object(depth) + "}"

    assert_deep_json_refused(post_json(auth_client(staff), "/api/categories/", body))


@pytest.mark.urls("example_project.urls")
def test_deep_json_is_400_on_the_example_projects_token_alias(api_client):
    body = '{"username": ' + nested_list(1_000) + ', "password": "x"}'

    assert_deep_json_refused(post_json(api_client, "/api/auth/token/", body))


def test_json_at_the_depth_bound_is_parsed(auth_client, customer):
    # MAX_JSON_DEPTH levels in all: the value of "items" holds the rest.
    body = '{"items": ' + nested_list(MAX_JSON_DEPTH - 1) + "}"

    response = post_json(auth_client(customer), "/api/orders/", body)

    assert response.status_code == 400
    assert "items" in response.json()


def test_the_parser_refuses_a_deep_body_by_itself():
    import io

    from rest_framework.exceptions import ParseError

    with pytest.raises(ParseError):
        NexusJSONParser().parse(io.BytesIO(nested_list(5_000).encode()))


def test_renderer_renders_data_deeper_than_orjson_allows():
    # orjson refuses more than 255 levels; the renderer falls back to DRF's encoder.
    data: list = []
    for _ in range(300):
        data = [data]

    assert FastJSONRenderer().render(data) == nested_list(301).encode()
