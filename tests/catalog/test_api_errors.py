"""Every error under /api/ is JSON, in DRF's shape, and never leaks internals."""

from __future__ import annotations

import sys

import pytest
from django.db import IntegrityError, OperationalError
from django.test import RequestFactory
from rest_framework.test import APIClient

from nexus_catalog.api import errors
from nexus_catalog.api.views import ProductViewSet
from nexus_catalog.services import ordering

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiet_client() -> APIClient:
    """A client that gets the 500 response instead of the exception."""
    return APIClient(raise_request_exception=False)


def test_unknown_api_path_is_a_json_404(api_client):
    response = api_client.get("/api/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_unknown_object_is_a_json_404(api_client):
    response = api_client.get("/api/products/424242/")

    assert response.status_code == 404
    assert "detail" in response.json()


def test_unknown_page_outside_the_api_is_django_html(api_client):
    response = api_client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_crash_under_the_api_is_a_json_500_without_details(quiet_client, monkeypatch):
    def crash(self, request, *args, **kwargs):
        raise RuntimeError("secret SQL: SELECT password FROM users")

    monkeypatch.setattr(ProductViewSet, "list", crash)

    response = quiet_client.get("/api/products/")

    assert response.status_code == 500
    assert response.json() == {"detail": "A server error occurred."}
    assert b"secret" not in response.content


def test_database_outage_is_a_json_503(auth_client, customer, product, monkeypatch):
    def outage(*args, **kwargs):
        raise OperationalError("could not connect to server: 10.0.0.5")

    monkeypatch.setattr(ordering, "place_order", outage)

    response = auth_client(customer).post(
        "/api/orders/", {"items": [{"product": product.pk, "quantity": 1}]}, format="json"
    )

    assert response.status_code == 503
    assert response.json() == {"detail": errors.UNAVAILABLE}
    assert response["Retry-After"]


def test_integrity_race_is_a_409(auth_client, staff, product, monkeypatch):
    def race(*args, **kwargs):
        raise IntegrityError('duplicate key value violates "nexus_catalog_product_sku_key"')

    monkeypatch.setattr("nexus_catalog.services.catalog.update_product", race)

    response = auth_client(staff).patch(
        f"/api/products/{product.pk}/", {"sku": "NEW"}, format="json"
    )

    assert response.status_code == 409
    assert b"nexus_catalog_product" not in response.content


def test_handler500_answers_503_for_a_database_outage_outside_drf():
    request = RequestFactory().get("/api/anything/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        assert sys.exc_info()[0] is OperationalError
        response = errors.handler500(request)

    assert response.status_code == 503


def test_handler500_outside_the_api_is_django_html():
    request = RequestFactory().get("/shop/")

    response = errors.handler500(request)

    assert (response.status_code, response["Content-Type"].startswith("text/html")) == (500, True)


def test_json_client_gets_json_404_outside_the_api():
    request = RequestFactory().get("/elsewhere/", HTTP_ACCEPT="application/json")

    response = errors.handler404(request, Exception())

    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("handler", "status_code"), [(errors.handler400, 400), (errors.handler403, 403)]
)
def test_other_error_handlers_answer_json_under_the_api(handler, status_code):
    response = handler(RequestFactory().get("/api/x/"), Exception())

    assert response.status_code == status_code
    assert response["Content-Type"] == "application/json"
