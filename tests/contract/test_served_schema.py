"""The served ``/swagger.json`` says what the API does: each place where a validating client
disagreed with the live API, pinned on the schema itself (test_swagger_contract.py drives
the API through such a client)."""

from __future__ import annotations

import re

import pytest

from nexus_catalog.idempotency.schema import KEY_PATTERN

BODY_METHODS = ("post", "put", "patch")
OPEN = [{}, {"Bearer": []}]


@pytest.fixture
def schema(client, example_urls) -> dict:
    response = client.get("/swagger.json")
    assert response.status_code == 200
    return response.json()


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, method, operation


def definition(schema: dict, ref_holder: dict) -> dict:
    return schema["definitions"][ref_holder["$ref"].rsplit("/", 1)[-1]]


def body(schema: dict, operation: dict) -> dict:
    (parameter,) = [p for p in operation["parameters"] if p["in"] == "body"]
    return definition(schema, parameter["schema"])


def parameter(operation: dict, name: str) -> dict:
    return next(p for p in operation["parameters"] if p["name"] == name)


def test_patch_of_me_requires_no_field(schema):
    patch = schema["paths"]["/auth/me/"]["patch"]

    assert "required" not in body(schema, patch)
    assert set(body(schema, patch)["properties"]) == {"email", "first_name", "last_name"}


@pytest.mark.parametrize(
    "path", ["/products/", "/products/{id}/", "/categories/", "/categories/{id}/"]
)
def test_public_reads_are_open_and_document_a_bad_tokens_401(schema, path):
    read = schema["paths"][path]["get"]

    assert read["security"] == OPEN
    assert "401" in read["responses"]


def test_every_operation_that_reads_a_token_documents_401(schema):
    anonymous = {"/auth/register/", "/auth/login/", "/auth/refresh/", "/auth/token/"}
    anonymous |= {"/auth/token/refresh/", "/auth/password/reset/", "/auth/password/reset/confirm/"}
    anonymous |= {"/auth/email/verify/"}
    anonymous |= {"/payments/webhooks/{provider}/"}  # the provider's signature, no token
    for path, method, operation in operations(schema):
        if path not in anonymous:
            assert "401" in operation["responses"], (method, path)
            assert operation.get("security") in (None, OPEN), (method, path)
        else:
            assert operation["security"] == [], path


@pytest.mark.parametrize("path", ["/products/", "/categories/", "/orders/", "/orders/{id}/audit/"])
def test_page_is_a_number_or_last_and_page_size_at_least_one(schema, path):
    read = schema["paths"][path]["get"]
    page, page_size = parameter(read, "page"), parameter(read, "page_size")

    assert page["type"] == "string"
    assert all(re.fullmatch(page["pattern"], value) for value in ("1", "42", "last"))
    assert not any(re.fullmatch(page["pattern"], value) for value in ("0", "-1", "first", ""))
    assert page_size["type"] == "integer" and page_size["minimum"] == 1


def test_pages_always_carry_count_next_previous_and_results(schema):
    page = schema["paths"]["/products/"]["get"]["responses"]["200"]["schema"]

    assert set(page["required"]) == {"count", "next", "previous", "results"}


@pytest.mark.parametrize(
    ("name", "optional"),
    [
        ("Order", set()),
        ("OrderLine", set()),
        ("OrderAdjustment", set()),
        ("AuditLog", {"ip_address"}),  # staff only
        ("Product", set()),
        ("Category", set()),
        ("User", set()),
        ("TokenPair", set()),
    ],
)
def test_response_definitions_require_every_field_they_always_carry(schema, name, optional):
    response = schema["definitions"][name]

    assert set(response["required"]) == set(response["properties"]) - optional
    assert not any(p.get("readOnly") for p in response["properties"].values())


def test_request_definitions_hold_only_what_a_client_sends(schema):
    create = body(schema, schema["paths"]["/products/"]["post"])
    patch = body(schema, schema["paths"]["/products/{id}/"]["patch"])

    assert not {"id", "slug", "created_at", "updated_at"} & set(create["properties"])
    assert set(create["required"]) == {"name", "sku", "category"}  # price: not for a parent
    assert "required" not in patch
    assert schema["paths"]["/products/{id}/"]["get"]["responses"]["200"]["schema"] == {
        "$ref": "#/definitions/Product"
    }
    for name, request in schema["definitions"].items():
        if name.endswith("Request"):
            assert not any(p.get("readOnly") for p in request["properties"].values()), name


def test_every_write_documents_the_idempotency_key_pattern(schema):
    order_create = schema["paths"]["/orders/"]["post"]
    key = parameter(order_create, "Idempotency-Key")

    assert key["pattern"] == KEY_PATTERN
    assert key["minLength"] == 1


def test_every_operation_documents_405_and_406_and_every_body_415(schema):
    for path, method, operation in operations(schema):
        assert {"405", "406"} <= set(operation["responses"]), (method, path)
        if method in BODY_METHODS:
            assert "415" in operation["responses"], (method, path)


def test_operation_ids_say_what_the_operation_does(schema):
    ids = [operation["operationId"] for _, _, operation in operations(schema)]

    assert len(ids) == len(set(ids))
    assert schema["paths"]["/auth/me/"]["get"]["operationId"] == "auth_me_read"
    assert schema["paths"]["/auth/me/"]["patch"]["operationId"] == "auth_me_partial_update"
    assert schema["paths"]["/products/"]["get"]["operationId"] == "products_list"
    assert not [i for i in ids if i.endswith("_list") and "{" in i]


def test_descriptions_hold_no_restructuredtext(schema, client, db):
    text = str(schema)
    page = client.get("/api/products/", HTTP_ACCEPT="text/html").content.decode()

    for markup in ("``", ":class:", ":mod:", ":data:", ":func:"):
        assert markup not in text
        assert markup not in page


def test_every_operation_id_is_unique(schema):
    # A generated client names a method after each id: two operations with one id collide.
    ids = [operation["operationId"] for _path, _method, operation in operations(schema)]

    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_throttled_operations_and_only_those_document_429(schema):
    carts = schema["paths"]["/carts/"]
    assert "429" in carts["post"]["responses"]
    assert "429" not in carts["get"]["responses"]
    assert "429" in schema["paths"]["/auth/login/"]["post"]["responses"]
    assert "429" not in schema["paths"]["/products/"]["get"]["responses"]


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/orders/{id}/", "get"),
        ("/orders/{id}/", "delete"),
        ("/orders/{id}/transition/", "post"),
        ("/orders/{order_id}/payments/", "get"),
        ("/orders/{order_id}/payments/", "post"),
    ],
)
def test_guest_operations_take_the_order_secret_instead_of_a_token(schema, path, method):
    operation = schema["paths"][path][method]
    secret = parameter(operation, "X-Order-Secret")

    assert secret["in"] == "header" and secret["type"] == "string"
    assert not secret.get("required", False)
    assert operation["security"] == OPEN
    assert {"401", "404"} <= set(operation["responses"])


def test_operations_a_secret_does_not_open_take_no_secret(schema):
    for path, method in [
        ("/orders/", "get"),
        ("/orders/{id}/", "patch"),
        ("/orders/{id}/audit/", "get"),
    ]:
        names = {p["name"] for p in schema["paths"][path][method].get("parameters", [])}
        assert "X-Order-Secret" not in names, (method, path)


def test_a_guest_orders_user_is_null_and_its_checkout_shows_the_secret(schema):
    order = schema["definitions"]["Order"]
    checked_out = schema["paths"]["/carts/{token}/checkout/"]["post"]["responses"]["201"]

    assert order["properties"]["user"]["x-nullable"] is True
    answer = definition(schema, checked_out["schema"])
    assert "guest_secret" in answer["properties"]
    assert "guest_secret" not in answer["required"]
    assert set(answer["required"]) == set(order["required"])
