"""The example project's URL conf: the whole API mounted, JSON errors under /api/."""

import pytest
from django.test import override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.urls("example_project.urls")]


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


def test_api_path_without_slash_still_redirects_to_the_slash(client):
    response = client.get("/api/products")

    assert response.status_code == 301
    assert response["Location"] == "/api/products/"


def test_schema_is_json_at_swagger_json(client):
    response = client.get("/swagger.json", HTTP_ACCEPT="*/*")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    schema = response.json()
    paths = {schema.get("basePath", "").rstrip("/") + path for path in schema["paths"]}
    assert {"/api/products/", "/api/orders/", "/api/auth/login/"} <= paths
