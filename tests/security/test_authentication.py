"""OWASP API2, broken authentication: a token that is expired, unsigned (``alg=none``),
signed with another key, a refresh token, or the token of a deleted or inactive user is a
401 everywhere, also on the endpoints that anonymous callers may read."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from nexus_catalog.models import IdempotencyRecord, Order
from tests.security.conftest import bearer

pytestmark = pytest.mark.django_db

# A read for anyone, a read for users, a write for users, a write for staff, the profile.
PROTECTED = [
    ("get", "/api/products/", None),
    ("get", "/api/orders/", None),
    ("post", "/api/orders/", {"items": [{"product": 1, "quantity": 1}]}),
    ("post", "/api/categories/", {"name": "X"}),
    ("get", "/api/auth/me/", None),
]
PROTECTED_IDS = ["products", "orders", "place order", "create category", "me"]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(token: str) -> str:
    """The same claims with ``{"alg": "none"}`` and no signature."""
    claims = token.split(".")[1]
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{claims}."


def resigned(token: str, key: bytes) -> str:
    """The same claims signed with HS256 and another key."""
    header, claims, _ = token.split(".")
    signature = hmac.new(key, f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{b64(signature)}"


def expired(user) -> str:
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    return str(token)


def call(method: str, url: str, body, token: str):
    return getattr(APIClient(), method)(url, body, format="json", **bearer(token))


def bad_tokens(user) -> dict[str, str]:
    good = str(AccessToken.for_user(user))
    return {
        "expired": expired(user),
        "alg=none": unsigned(good),
        "other key": resigned(good, b"not-the-servers-signing-key-at-all-42"),
        "refresh as access": str(RefreshToken.for_user(user)),
        "garbage": "not.a.token",
    }


@pytest.mark.parametrize(
    "kind", ["expired", "alg=none", "other key", "refresh as access", "garbage"]
)
@pytest.mark.parametrize(("method", "url", "body"), PROTECTED, ids=PROTECTED_IDS)
def test_bad_token_is_401(staff, method, url, body, kind):
    response = call(method, url, body, bad_tokens(staff)[kind])

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "detail" in response.json()


@pytest.mark.parametrize(("method", "url", "body"), PROTECTED, ids=PROTECTED_IDS)
def test_token_of_a_deleted_user_is_401(staff, method, url, body):
    token = str(AccessToken.for_user(staff))
    staff.delete()

    assert call(method, url, body, token).status_code == 401


@pytest.mark.parametrize(("method", "url", "body"), PROTECTED, ids=PROTECTED_IDS)
def test_token_of_an_inactive_user_is_401(staff, method, url, body):
    token = str(AccessToken.for_user(staff))
    staff.is_active = False
    staff.save(update_fields=["is_active"])

    assert call(method, url, body, token).status_code == 401


def test_refresh_token_of_an_inactive_user_is_refused(customer):
    refresh = str(RefreshToken.for_user(customer))
    customer.is_active = False
    customer.save(update_fields=["is_active"])

    response = APIClient().post("/api/auth/refresh/", {"refresh": refresh}, format="json")

    assert response.status_code == 401


def test_unsigned_refresh_token_is_refused(customer):
    refresh = unsigned(str(RefreshToken.for_user(customer)))

    response = APIClient().post("/api/auth/refresh/", {"refresh": refresh}, format="json")

    assert response.status_code == 401


def test_bad_token_with_an_idempotency_key_places_nothing_and_stores_nothing(customer, product):
    response = APIClient().post(
        "/api/orders/",
        {"items": [{"product": product.pk, "quantity": 1}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="retry-me",
        **bearer(unsigned(str(AccessToken.for_user(customer)))),
    )

    assert response.status_code == 401
    assert not Order.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_valid_token_is_accepted(customer):
    response = call("get", "/api/auth/me/", None, str(AccessToken.for_user(customer)))

    assert response.status_code == 200
