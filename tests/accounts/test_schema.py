from __future__ import annotations

import logging
import warnings

import pytest
from drf_yasg import openapi
from drf_yasg.generators import OpenAPISchemaGenerator

from tests.accounts import schema_urls

ENDPOINTS = {
    "/api/auth/register/": {"post": ("201", ["username", "email", "password", "password2"])},
    "/api/auth/login/": {"post": ("200", ["username", "password"])},
    "/api/auth/refresh/": {"post": ("200", ["refresh"])},
    "/api/auth/logout/": {"post": ("204", ["refresh"])},
    "/api/auth/me/": {"get": ("200", None), "patch": ("200", ["email"])},
    "/api/auth/password/change/": {
        "post": ("204", ["old_password", "new_password", "new_password2"])
    },
    "/api/auth/password/reset/": {"post": ("202", ["email"])},
    "/api/auth/password/reset/confirm/": {"post": ("204", ["uid", "token", "new_password"])},
    "/api/auth/email/verify/": {"post": ("200", ["key"])},
    "/api/auth/email/verify/resend/": {"post": ("202", ["email"])},
    "/api/auth/me/delete/": {"post": ("204", ["password"])},
    "/api/auth/addresses/": {"get": ("200", None), "post": ("201", ["name", "line1", "country"])},
    "/api/auth/addresses/{id}/": {
        "get": ("200", None),
        "put": ("200", ["name", "line1", "country"]),
        "patch": ("200", ["name", "line1", "country"]),
        "delete": ("204", None),
    },
}


@pytest.fixture
def schema(caplog):
    generator = OpenAPISchemaGenerator(
        openapi.Info(title="accounts", default_version="v1"), patterns=schema_urls.urlpatterns
    )
    with warnings.catch_warnings(), caplog.at_level(logging.WARNING):
        warnings.simplefilter("error")
        built = generator.get_schema(request=None, public=True)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    schema = built.as_dict()
    # drf-yasg factors the common prefix out into basePath; put it back.
    schema["paths"] = {schema["basePath"] + path: item for path, item in schema["paths"].items()}
    return schema


def test_schema_has_every_accounts_endpoint_and_no_other_method(schema):
    for path, methods in ENDPOINTS.items():
        documented = {m for m in schema["paths"][path] if m != "parameters"}
        assert documented == set(methods), path


@pytest.mark.parametrize(
    ("path", "method"),
    [(path, method) for path, methods in ENDPOINTS.items() for method in methods],
)
def test_each_operation_documents_its_request_and_success_response(schema, path, method):
    operation = schema["paths"][path][method]
    success, required = ENDPOINTS[path][method]

    assert success in operation["responses"]
    if required is not None:
        body = next(p for p in operation["parameters"] if p["in"] == "body")
        definition = body["schema"]
        if "$ref" in definition:
            definition = schema["definitions"][definition["$ref"].rsplit("/", 1)[-1]]
        assert set(required) <= set(definition["properties"])


def test_anonymous_endpoints_need_no_security(schema):
    for path in ("/api/auth/register/", "/api/auth/login/", "/api/auth/refresh/"):
        assert schema["paths"][path]["post"]["security"] == []


@pytest.mark.parametrize(
    ("path", "statuses"),
    [
        ("/api/auth/password/reset/", {"202", "400", "429"}),
        ("/api/auth/password/reset/confirm/", {"204", "400", "429"}),
        ("/api/auth/email/verify/", {"200", "400", "404", "429"}),
        ("/api/auth/email/verify/resend/", {"202", "400", "401", "404", "429"}),
        ("/api/auth/me/delete/", {"204", "400", "401", "429"}),
    ],
)
def test_recovery_operations_document_each_status(schema, path, statuses):
    # Besides the answers every operation documents (405, 406, 415, 503...).
    assert statuses <= set(schema["paths"][path]["post"]["responses"])


def test_login_documents_the_unverified_email_403(schema):
    response = schema["paths"]["/api/auth/login/"]["post"]["responses"]["403"]
    definition = schema["definitions"][response["schema"]["$ref"].rsplit("/", 1)[-1]]

    assert set(definition["properties"]) == {"detail", "code"}


def test_address_country_is_an_enum_of_alpha_2_codes(schema):
    country = schema["definitions"]["Address"]["properties"]["country"]

    assert "FR" in country["enum"] and "XX" not in country["enum"]
    assert all(len(code) == 2 for code in country["enum"])


def test_user_schema_shows_the_verification_state_read_only(schema):
    # Always in the answer; never in a request (the request definitions leave read-only
    # fields out).
    user = schema["definitions"]["User"]
    patch = schema["definitions"]["PatchedUserRequest"]

    assert {"email_verified", "pending_email"} <= set(user["required"])
    assert user["properties"]["pending_email"]["x-nullable"] is True
    assert not {"email_verified", "pending_email"} & set(patch["properties"])


def test_anonymous_recovery_endpoints_need_no_security(schema):
    for path in (
        "/api/auth/password/reset/",
        "/api/auth/password/reset/confirm/",
        "/api/auth/email/verify/",
    ):
        assert schema["paths"][path]["post"]["security"] == []


def test_password_fields_are_write_only_in_the_user_schema(schema):
    assert "password" not in schema["definitions"]["User"]["properties"]


@pytest.mark.django_db
@pytest.mark.urls("tests.accounts.schema_urls")
def test_swagger_json_serves_the_accounts_paths(api_client):
    response = api_client.get("/swagger.json", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    body = response.json()
    assert {body["basePath"] + path for path in body["paths"]} == set(ENDPOINTS)
