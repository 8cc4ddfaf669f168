"""OWASP API4, unrestricted resource consumption: pages, orders and request bodies are
capped with a clear 4xx, and login and register are throttled per client."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from nexus_catalog.conf import catalog_settings
from nexus_catalog.models import AuditLog, IdempotencyRecord, Order
from tests.accounts.conftest import STRONG_PASSWORD
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


# -- page size -------------------------------------------------------------------------------


@override_settings(NEXUS_CATALOG={"MAX_PAGE_SIZE": 3})
@pytest.mark.parametrize("page_size", ["4", "1000", "999999999999"])
def test_page_size_is_capped(category, page_size):
    ProductFactory.create_batch(5, category=category)

    response = APIClient().get("/api/products/", {"page_size": page_size})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


@override_settings(NEXUS_CATALOG={"MAX_PAGE_SIZE": 2})
def test_page_size_of_orders_and_audit_is_capped(client_for, staff, order):
    client = client_for(staff)
    for status in ("paid", "shipped", "delivered"):
        client.post(f"/api/orders/{order.pk}/transition/", {"status": status}, format="json")

    audit = client.get(f"/api/orders/{order.pk}/audit/", {"page_size": 50})

    assert audit.json()["count"] == 4
    assert len(audit.json()["results"]) == 2


def test_default_page_size_cap_is_100():
    assert catalog_settings.MAX_PAGE_SIZE == 100


@pytest.mark.parametrize("page_size", ["0", "-1", "abc", "1e9"])
def test_bad_page_size_is_a_400_naming_it(page_size):
    response = APIClient().get("/api/products/", {"page_size": page_size})

    assert response.status_code == 400
    assert "page_size" in response.json()


# -- lines per order -------------------------------------------------------------------------


@override_settings(NEXUS_CATALOG={"MAX_ORDER_LINES": 3})
def test_more_lines_than_allowed_is_a_400_and_nothing_is_written(client_for, customer, category):
    products = ProductFactory.create_batch(4, category=category, stock=5)

    response = client_for(customer).post(
        "/api/orders/",
        {"items": [{"product": p.pk, "quantity": 1} for p in products]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"items": ["At most 3 items per order."]}
    assert not Order.objects.exists()
    assert [p.stock for p in products] == [5, 5, 5, 5]


def test_default_lines_cap_refuses_51_lines(client_for, customer, product):
    response = client_for(customer).post(
        "/api/orders/",
        {"items": [{"product": product.pk, "quantity": 1}] * 51},
        format="json",
    )

    assert response.status_code == 400
    assert "items" in response.json()


def test_quantity_over_the_line_cap_is_a_400(client_for, customer, product):
    response = client_for(customer).post(
        "/api/orders/",
        {"items": [{"product": product.pk, "quantity": catalog_settings.MAX_LINE_QUANTITY + 1}]},
        format="json",
    )

    assert response.status_code == 400
    assert "quantity" in response.json()["items"]["0"]


# -- request body size -----------------------------------------------------------------------


def oversized(size: int) -> str:
    return json.dumps({"items": [], "note": "x" * size})


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
@pytest.mark.parametrize("idempotency_key", [None, "big-1"], ids=["no key", "with a key"])
@pytest.mark.parametrize(
    "url", ["/api/orders/", "/api/auth/login/", "/api/auth/register/", "/api/products/"]
)
def test_oversized_body_is_a_json_413(client_for, staff, url, idempotency_key):
    headers = {"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}

    response = client_for(staff).generic(
        "POST", url, oversized(2048), content_type="application/json", **headers
    )

    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large: at most 1024 bytes."}
    assert not IdempotencyRecord.objects.exists()
    assert not AuditLog.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_oversized_form_body_is_a_413_too(customer, client_for):
    response = client_for(customer).post("/api/orders/", {"note": "x" * 2048})

    assert response.status_code == 413


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_body_under_the_cap_is_processed(client_for, customer, product):
    response = client_for(customer).post(
        "/api/orders/", {"items": [{"product": product.pk, "quantity": 1}]}, format="json"
    )

    assert response.status_code == 201


def test_search_text_is_capped():
    response = APIClient().get("/api/products/", {"search": "x" * 201})

    assert response.status_code == 400
    assert "search" in response.json()


# -- throttling of login and register (the shipped default rates) ----------------------------


def login(client: APIClient, **extra):
    return client.post(
        "/api/auth/login/", {"username": "nobody", "password": "wrong"}, format="json", **extra
    )


def test_login_is_throttled_at_the_default_rate():
    client = APIClient()

    statuses = [login(client).status_code for _ in range(11)]

    assert statuses == [401] * 10 + [429]


def test_register_is_throttled_at_the_default_rate():
    client = APIClient()

    def register(n: int) -> int:
        return client.post(
            "/api/auth/register/",
            {
                "username": f"bulk{n}",
                "email": f"bulk{n}@example.com",
                "password": STRONG_PASSWORD,
                "password2": STRONG_PASSWORD,
            },
            format="json",
        ).status_code

    assert [register(n) for n in range(6)] == [201] * 5 + [429]


def test_forged_forwarded_for_does_not_escape_the_login_throttle():
    client = APIClient()

    statuses = [login(client, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(11)]

    assert statuses[-1] == 429


@override_settings(REST_FRAMEWORK={"NUM_PROXIES": 1})
def test_forwarded_for_names_the_client_behind_a_configured_proxy():
    client = APIClient()

    statuses = [login(client, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(11)]

    assert statuses[-1] == 401
