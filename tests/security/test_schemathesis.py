"""Schemathesis fuzzes every operation of the example project's ``/swagger.json``."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from nexus_catalog.services.ordering import place_order
from tests.factories import CategoryFactory, ProductFactory, StaffUserFactory, UserFactory

EXAMPLE_URLCONF = "example_project.urls"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

with override_settings(ROOT_URLCONF=EXAMPLE_URLCONF):
    schema = schemathesis.openapi.from_wsgi("/swagger.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def example_urls(settings):
    settings.ROOT_URLCONF = EXAMPLE_URLCONF


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI handler closes the database connection after each request, which would end
    the test's transaction on PostgreSQL; Django's test client unhooks the same signal."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers(db, role: str) -> dict[str, str]:
    """The caller's ``Authorization`` header; a product and an order exist to be found."""
    customer = UserFactory()
    product = ProductFactory(category=CategoryFactory(), stock=500)
    place_order(customer, [{"product": product.pk, "quantity": 1}])
    if role == "anonymous":
        return {}
    user = {"user": customer, "staff": StaffUserFactory()}[role]
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


@pytest.mark.slow
@pytest.mark.parametrize("role", ["anonymous", "user", "staff"])
@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, auth_headers):
    case.call_and_validate(headers=auth_headers, checks=CHECKS)


@pytest.mark.slow
def test_deleting_an_existing_order_conforms_to_the_schema(db):
    # The fuzzer reaches a 204 only when it happens to draw an existing id; this pins it.
    customer = UserFactory()
    product = ProductFactory(category=CategoryFactory(), stock=5)
    order = place_order(customer, [{"product": product.pk, "quantity": 1}])
    case = schema["/orders/{id}/"]["DELETE"].Case(path_parameters={"id": order.pk})
    token = RefreshToken.for_user(customer).access_token

    response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    assert response.status_code == 204
