"""The header in the OpenAPI schema, through ``IdempotentAutoSchema``."""

from __future__ import annotations

import re
import string

import pytest
from drf_yasg import openapi
from drf_yasg.generators import OpenAPISchemaGenerator
from hypothesis import given
from hypothesis import strategies as st

from nexus_catalog.idempotency.keys import MalformedKey, parse_key
from nexus_catalog.idempotency.schema import KEY_PATTERN, IdempotentAutoSchema

ECHO = "/api/_test/echo/"


@pytest.fixture
def schema_for(settings):
    """``schema_for(**idempotency)``: the schema with the auto schema class configured."""

    def build(**idempotency) -> openapi.Swagger:
        settings.SWAGGER_SETTINGS = {
            "DEFAULT_AUTO_SCHEMA_CLASS": "nexus_catalog.idempotency.schema.IdempotentAutoSchema"
        }
        settings.NEXUS_CATALOG = {"IDEMPOTENCY": idempotency}
        generator = OpenAPISchemaGenerator(openapi.Info(title="t", default_version="v1"))
        return generator.get_schema(request=None, public=True)

    return build


def operation(schema: openapi.Swagger, path: str, method: str) -> dict:
    # drf-yasg moves the common prefix of all paths into basePath.
    base = schema.get("basePath", "").rstrip("/")
    return schema["paths"][path.removeprefix(base)][method]


def header_parameters(schema: openapi.Swagger, path: str, method: str) -> list[dict]:
    parameters = operation(schema, path, method).get("parameters", [])
    return [p for p in parameters if p["in"] == "header"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_every_write_operation_documents_the_header(schema_for, method):
    (parameter,) = header_parameters(schema_for(), ECHO, method)

    assert parameter["name"] == "Idempotency-Key"
    assert parameter["required"] is False
    assert parameter["pattern"] == KEY_PATTERN
    assert parameter["minLength"] == 1
    assert parameter["maxLength"] == 2 * 255 + 2  # a quoted key, every character escaped


def test_read_operation_does_not_document_the_header(schema_for):
    assert header_parameters(schema_for(), ECHO, "get") == []


def test_required_path_documents_the_header_as_required(schema_for):
    (parameter,) = header_parameters(schema_for(REQUIRED=["/api/_test/"]), ECHO, "post")

    assert parameter["required"] is True


def test_header_follows_the_configured_name_and_prefixes(schema_for):
    schema = schema_for(HEADER="X-Request-Key")

    assert header_parameters(schema, ECHO, "post")[0]["name"] == "X-Request-Key"
    assert header_parameters(schema_for(PATH_PREFIXES=["/elsewhere/"]), ECHO, "post") == []


def test_exempt_view_does_not_document_the_header(schema_for):
    assert header_parameters(schema_for(), "/api/_test/exempt/", "post") == []


def test_write_operation_documents_the_middlewares_own_answers(schema_for):
    responses = operation(schema_for(), ECHO, "post")["responses"]

    assert {"400", "409", "422"} <= set(responses)


def test_auto_schema_is_a_drf_yasg_inspector():
    from drf_yasg.inspectors import SwaggerAutoSchema

    assert issubclass(IdempotentAutoSchema, SwaggerAutoSchema)


def test_catalog_api_documents_the_configured_header_once(schema_for):
    names = [p["name"] for p in header_parameters(schema_for(), "/api/orders/", "post")]
    renamed = [
        p["name"]
        for p in header_parameters(schema_for(HEADER="X-Request-Key"), "/api/orders/", "post")
    ]

    assert names.count("Idempotency-Key") == 1
    assert "X-Request-Key" in renamed
    assert "Idempotency-Key" not in renamed


def parsed(value: str) -> bool:
    try:
        parse_key(value)
    except MalformedKey:
        return False
    return True


@pytest.mark.parametrize(
    "value",
    ["abc", "a b", "x" * 255, '"abc"', '"a,b"', '"a\\"b"', '"' + "\\\\" * 255 + '"'],
)
def test_pattern_takes_a_well_formed_key(value):
    assert re.fullmatch(KEY_PATTERN, value)
    assert parsed(value)


@pytest.mark.parametrize(
    "value",
    ["", "x" * 256, "a,b", 'a"b', '""', '"a\\b"', '"' + "x" * 256 + '"', "caf\u00e9", "a\tb"],
)
def test_pattern_refuses_a_malformed_key(value):
    assert not re.fullmatch(KEY_PATTERN, value)
    assert not parsed(value)


# Printable ASCII, the double quote, the comma and the backslash made likelier.
_KEY_CHARS = st.text(alphabet=string.printable + '"",,\\\\', max_size=300)


@given(_KEY_CHARS)
def test_pattern_agrees_with_the_parser(value):
    # HTTP drops the whitespace around a header value, so the pattern need not allow it.
    value = value.strip(" \t")
    assert bool(re.fullmatch(KEY_PATTERN, value)) == parsed(value)
