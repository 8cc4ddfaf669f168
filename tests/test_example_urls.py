"""The example project's URL conf: the whole API mounted, JSON answers for every path under
/api/ whatever DEBUG says, and a landing page at /."""

from pathlib import Path

import pytest
from django.test import override_settings
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("example_project.urls")]

EXAMPLE_TEMPLATES = Path(__file__).resolve().parent.parent / "example_project" / "templates"


@pytest.fixture(autouse=True)
def example_templates(settings) -> None:
    """The example project's template folder, as its settings.py adds it (the suite runs with
    ``tests.settings``)."""
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [EXAMPLE_TEMPLATES]}]


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_api_path_is_a_json_404_even_in_debug(client, debug):
    with override_settings(DEBUG=debug):
        response = client.get("/api/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_write_to_unknown_api_path_is_a_json_404_not_a_csrf_failure(client):
    response = client.put("/api/categories/1.5e-3/", {}, content_type="application/json")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("debug", [False, True])
def test_api_get_without_slash_redirects_to_the_slash_in_json(client, debug):
    with override_settings(DEBUG=debug):
        response = client.get("/api/products?page=2")

    assert response.status_code == 301
    assert response["Location"] == "/api/products/?page=2"
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("debug", [False, True])
def test_api_post_without_slash_is_a_json_308_to_the_slash(client, debug):
    # Django's APPEND_SLASH raises RuntimeError for a POST in DEBUG (an HTML 500) and answers
    # a 301 otherwise, which clients follow with a GET; a 308 keeps the method and the body.
    with override_settings(DEBUG=debug):
        response = client.post("/api/orders", {"items": []}, content_type="application/json")

    assert response.status_code == 308
    assert response["Location"] == "/api/orders/"
    assert response["Content-Type"].startswith("application/json")
    assert "/api/orders/" in response.json()["detail"]


@pytest.mark.parametrize("debug", [False, True])
def test_accounts_post_without_slash_is_a_json_308(client, debug):
    with override_settings(DEBUG=debug):
        response = client.post("/api/auth/login", {}, content_type="application/json")

    assert response.status_code == 308
    assert response["Location"] == "/api/auth/login/"


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/api/no-such-thing", "/api/orders/1/nothing"])
def test_unknown_api_path_without_slash_is_a_json_404(client, debug, path):
    with override_settings(DEBUG=debug):
        response = client.post(path, {}, content_type="application/json")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found."}


def test_without_append_slash_a_path_without_slash_is_a_json_404(client):
    with override_settings(APPEND_SLASH=False):
        response = client.get("/api/products")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_api_without_slash_redirects_to_the_api_root(client):
    response = client.get("/api")

    assert response.status_code == 301
    assert response["Location"] == "/api/"


def test_following_the_308_places_the_order(client, customer):
    # The redirect is worth following: the same POST at the Location places the order.
    product = ProductFactory(stock=5)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(customer).access_token}"}
    body = {"items": [{"product": product.pk, "quantity": 1}]}
    first = client.post("/api/orders", body, content_type="application/json", **auth)
    second = client.post(first["Location"], body, content_type="application/json", **auth)

    assert second.status_code == 201, second.content


# -- The landing page ----------------------------------------------------------------------


def test_landing_page_links_the_api_schema_admin_and_docs(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    for href in ("/api/", "/swagger/", "/redoc/", "/admin/", "https://django-nexus-commerce."):
        assert f'href="{href}' in html, href


@pytest.mark.parametrize("debug", [False, True])
def test_landing_page_shows_the_demo_logins_only_in_debug(client, debug):
    with override_settings(DEBUG=debug):
        response = client.get("/")

    assert ("demo-password-123" in response.content.decode()) is debug


@pytest.mark.parametrize("path", ["/api/", "/swagger/", "/redoc/", "/admin/login/"])
def test_landing_page_links_answer(client, path):
    assert client.get(path).status_code == 200


def test_schema_is_json_at_swagger_json(client):
    response = client.get("/swagger.json", HTTP_ACCEPT="*/*")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    schema = response.json()
    paths = {schema.get("basePath", "").rstrip("/") + path for path in schema["paths"]}
    assert {"/api/products/", "/api/orders/", "/api/auth/login/"} <= paths
