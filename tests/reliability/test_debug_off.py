"""With ``DEBUG=False`` a crash shows no traceback, no setting and no SQL: JSON under
``/api/`` (500, or 503 for a database outage), Django's plain page elsewhere."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.reliability.urls")]

# What a debug page or an echoed exception would carry.
LEAKS = [
    b"Traceback",
    b"SELECT",
    b"auth_user",
    b"DATABASES",
    b"SECRET_KEY",
    b"INSTALLED_APPS",
    b'File "',
    b"RuntimeError",
    b"django.db",
]


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


def assert_no_leak(content: bytes) -> None:
    assert [leak for leak in LEAKS if leak in content] == []
    assert settings.SECRET_KEY.encode() not in content


@override_settings(DEBUG=False)
@pytest.mark.parametrize("url", ["/api/_crash/django/", "/api/_crash/drf/"])
def test_crash_under_the_api_is_a_bare_json_500(client, url):
    response = client.get(url)

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "A server error occurred."}
    assert_no_leak(response.content)


@override_settings(DEBUG=False)
def test_crash_outside_the_api_is_djangos_plain_500_page(client):
    response = client.get("/shop/_crash/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert_no_leak(response.content)


@override_settings(DEBUG=False)
def test_database_outage_outside_drf_is_a_json_503(client):
    response = client.get("/api/_crash/database/")

    assert response.status_code == 503
    assert response.json()["detail"].startswith("The service is temporarily unavailable")
    assert_no_leak(response.content)


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    "url", ["/api/does-not-exist/", "/api/categories/999999/", "/api/products/x/"]
)
def test_unknown_api_path_is_a_json_404(client, url):
    response = client.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    assert_no_leak(response.content)


@override_settings(DEBUG=False)
def test_malformed_json_is_a_json_400_without_the_parser_internals(client):
    response = client.post("/api/auth/login/", "{'not': json", content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()
    assert_no_leak(response.content)


@override_settings(DEBUG=False)
def test_disallowed_host_is_a_json_400_under_the_api(client):
    with override_settings(ALLOWED_HOSTS=["shop.example.com"]):
        response = client.get("/api/products/", HTTP_HOST="evil.example.net")

    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request."}
    assert_no_leak(response.content)
