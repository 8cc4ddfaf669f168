"""The whole account life cycle through the API, as a client would drive it."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.accounts.conftest import STRONG_PASSWORD
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

AUTH = "/api/auth"


def bearer(access: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {access}"}


@pytest.mark.parametrize("urlconf", ["tests.urls", "example_project.urls"])
def test_register_login_me_refresh_logout_then_refresh_again_is_401(urlconf):
    client = APIClient()
    with override_settings(ROOT_URLCONF=urlconf):
        registered = client.post(
            f"{AUTH}/register/",
            {
                "username": "flow",
                "email": "flow@example.com",
                "password": STRONG_PASSWORD,
                "password2": STRONG_PASSWORD,
            },
        )
        assert registered.status_code == 201, registered.json()

        tokens = client.post(
            f"{AUTH}/login/", {"username": "flow@example.com", "password": STRONG_PASSWORD}
        )
        assert tokens.status_code == 200, tokens.json()
        access, refresh = tokens.json()["access"], tokens.json()["refresh"]

        me = client.get(f"{AUTH}/me/", **bearer(access))
        assert me.status_code == 200
        assert me.json()["id"] == registered.json()["id"]

        rotated = client.post(f"{AUTH}/refresh/", {"refresh": refresh})
        assert rotated.status_code == 200
        access, new_refresh = rotated.json()["access"], rotated.json()["refresh"]
        assert client.get(f"{AUTH}/me/", **bearer(access)).status_code == 200

        logout = client.post(f"{AUTH}/logout/", {"refresh": new_refresh}, **bearer(access))
        assert logout.status_code == 204

        again = client.post(f"{AUTH}/refresh/", {"refresh": new_refresh})
        assert again.status_code == 401
        assert again.json()["code"] == "token_not_valid"


@pytest.mark.urls("example_project.urls")
def test_example_project_token_aliases_log_in_and_rotate(alice):
    client = APIClient()

    pair = client.post("/api/auth/token/", {"username": "alice", "password": TEST_PASSWORD})
    assert pair.status_code == 200

    rotated = client.post("/api/auth/token/refresh/", {"refresh": pair.json()["refresh"]})
    assert rotated.status_code == 200
    reused = client.post("/api/auth/token/refresh/", {"refresh": pair.json()["refresh"]})
    assert reused.status_code == 401
