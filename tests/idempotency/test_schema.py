"""The header in the OpenAPI schema, through ``IdempotentAutoSchema``."""

from __future__ import annotations

import pytest
from drf_yasg import openapi
from drf_yasg.generators import OpenAPISchemaGenerator

from nexus_catalog.idempotency.schema import IdempotentAutoSchema

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
    assert parameter["maxLength"] == 255


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
