"""drf-yasg documents every catalog endpoint: bodies, responses, filters, Idempotency-Key."""

from __future__ import annotations

import pytest
from django.urls import include, path
from drf_yasg import openapi
from drf_yasg.generators import OpenAPISchemaGenerator

WRITE_METHODS = ("post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema() -> dict:
    generator = OpenAPISchemaGenerator(
        info=openapi.Info(title="test", default_version="v1"),
        patterns=[path("api/", include("nexus_catalog.api.urls"))],
    )
    return generator.get_schema(request=None, public=True).as_dict()


def param_names(operation: dict, where: str) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == where}


def operations(schema: dict):
    for route, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", *WRITE_METHODS):
                yield route, method, operation


def test_every_catalog_route_is_documented(schema):
    assert {
        "/categories/",
        "/categories/{id}/",
        "/products/",
        "/products/{id}/",
        "/orders/",
        "/orders/{id}/",
        "/orders/{id}/transition/",
        "/orders/{id}/audit/",
    } <= set(schema["paths"])


def test_every_write_documents_the_idempotency_key(schema):
    writes = [(r, m, op) for r, m, op in operations(schema) if m in WRITE_METHODS]

    assert len(writes) >= 12
    for route, method, operation in writes:
        if route == WEBHOOK_ROUTE:
            continue  # idempotency_exempt: see the next test
        assert "Idempotency-Key" in param_names(operation, "header"), (route, method)


WEBHOOK_ROUTE = "/payments/webhooks/{provider}/"


def test_the_exempt_payment_webhook_documents_no_idempotency_key(schema):
    operation = schema["paths"][WEBHOOK_ROUTE]["post"]
    assert "Idempotency-Key" not in param_names(operation, "header")


def test_product_list_documents_its_filters_with_types(schema):
    operation = schema["paths"]["/products/"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}

    assert {
        "category",
        "min_price",
        "max_price",
        "search",
        "ordering",
        "in_stock",
        "page",
        "page_size",
    } <= set(params)
    assert params["category"]["type"] == "integer"
    assert params["in_stock"]["type"] == "boolean"
    assert "-price" in params["ordering"]["enum"]


def test_order_create_documents_items_and_answers_an_order(schema):
    operation = schema["paths"]["/orders/"]["post"]
    body = next(p for p in operation["parameters"] if p["in"] == "body")

    ref = body["schema"]["$ref"].rsplit("/", 1)[-1]
    definition = schema["definitions"][ref]
    assert set(definition["properties"]) == {"items", "note", "shipping_address"}
    assert "201" in operation["responses"]
    response_ref = operation["responses"]["201"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"lines", "adjustments", "total"} <= set(
        schema["definitions"][response_ref]["properties"]
    )


def test_transition_documents_its_body(schema):
    operation = schema["paths"]["/orders/{id}/transition/"]["post"]
    body = next(p for p in operation["parameters"] if p["in"] == "body")

    ref = body["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["definitions"][ref]["properties"]) == {"status"}


def test_delete_of_an_order_answers_204(schema):
    assert "204" in schema["paths"]["/orders/{id}/"]["delete"]["responses"]


# A list's count is null past COUNT_LIMIT (see test_pagination.py).
@pytest.mark.parametrize("route", ["/products/", "/categories/", "/orders/", "/orders/{id}/audit/"])
def test_schema_says_count_may_be_null(schema, route):
    page = schema["paths"][route]["get"]["responses"]["200"]["schema"]
    if "$ref" in page:  # the audit trail's page is a named definition
        page = schema["definitions"][page["$ref"].rsplit("/", 1)[1]]

    assert page["properties"]["count"]["type"] == "integer"
    assert page["properties"]["count"]["x-nullable"] is True
    assert page["properties"]["next"]["x-nullable"] is True
