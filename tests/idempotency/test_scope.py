"""Keys are scoped to the caller: DRF authenticators first, then the session user."""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from nexus_catalog.idempotency import store
from nexus_catalog.models import IdempotencyRecord
from tests.factories import UserFactory
from tests.idempotency import views
from tests.idempotency.conftest import ECHO, send

pytestmark = pytest.mark.django_db

PRIVATE = "/api/_test/private/"


def jwt_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def test_same_key_of_two_users_does_not_collide(auth_client):
    alice, bob = UserFactory(), UserFactory()

    for_alice = send(auth_client(alice), {"a": 1}, key="shared")
    for_bob = send(auth_client(bob), {"a": 1}, key="shared")

    assert for_alice.json()["user"] == alice.pk
    assert for_bob.json()["user"] == bob.pk
    assert "Idempotent-Replayed" not in for_bob
    assert views.calls["echo"] == 2


def test_user_replays_only_their_own_response(auth_client):
    alice, bob = UserFactory(), UserFactory()
    send(auth_client(alice), {"a": 1}, key="shared")
    send(auth_client(bob), {"a": 1}, key="shared")

    replay = send(auth_client(alice), {"a": 1}, key="shared")

    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["user"] == alice.pk


def test_jwt_caller_gets_the_user_scope_not_the_anonymous_one():
    alice = UserFactory()

    send(jwt_client(alice), {"a": 1}, key="k1")

    assert store.lookup(scope=f"user:{alice.pk}", method="POST", path=ECHO, key="k1")
    assert store.lookup(scope="anon", method="POST", path=ECHO, key="k1") is None


@pytest.mark.django_db(transaction=True)
def test_jwt_caller_is_scoped_without_loading_the_user_twice(django_assert_num_queries):
    client = jwt_client(UserFactory())

    # The transaction and the key's statements (4 on SQLite, 6 on PostgreSQL: see
    # test_a_keyed_request_costs_a_constant_number_of_queries) and one user lookup, the view's.
    expected = (6 if connection.vendor == "postgresql" else 4) + 1
    with django_assert_num_queries(expected):
        send(client, {"a": 1}, key="k1")


def test_inactive_users_token_is_refused_by_the_view_and_not_stored():
    alice = UserFactory()
    client = jwt_client(alice)
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    response = send(client, {"a": 1}, key="k1", path=PRIVATE)

    assert response.status_code == 401
    assert not IdempotencyRecord.objects.exists()


def test_jwt_caller_and_anonymous_caller_do_not_collide(api_client):
    send(jwt_client(UserFactory()), {"a": 1}, key="k1")

    response = send(api_client, {"a": 1}, key="k1")

    assert "Idempotent-Replayed" not in response
    assert views.calls["echo"] == 2


def test_anonymous_callers_share_one_scope():
    send(APIClient(), {"a": 1}, key="k1")

    response = send(APIClient(), {"a": 1}, key="k1")

    assert response["Idempotent-Replayed"] == "true"
    assert IdempotencyRecord.objects.get().scope == "anon"


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Bearer not-a-token", id="invalid-jwt"),
        pytest.param("Basic dXNlcjpwYXNz", id="unknown-scheme"),
    ],
)
def test_credentials_that_do_not_authenticate_are_never_stored(client, authorization):
    # A plain view answers 201 whatever the credentials: had they fallen into the anonymous
    # scope, the retry would be a replay.
    def post():
        return client.post(
            "/api/_test/plain/",
            b"{}",
            "application/json",
            HTTP_IDEMPOTENCY_KEY="k1",
            HTTP_AUTHORIZATION=authorization,
        )

    post()
    retry = post()

    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert views.calls["plain"] == 2
    assert not IdempotencyRecord.objects.exists()


def test_rejected_credentials_reach_the_view_which_answers_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = send(client, {"a": 1}, key="k1", path=PRIVATE)

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_session_user_scopes_a_plain_django_view(client):
    alice = UserFactory()
    client.force_login(alice)

    client.post("/api/_test/plain/", b"{}", "application/json", HTTP_IDEMPOTENCY_KEY="k1")

    assert IdempotencyRecord.objects.get().scope == f"user:{alice.pk}"


def test_authenticators_of_the_view_decide_the_caller(client):
    # The echo view authenticates with JWT only; a session still scopes to its user rather
    # than to the anonymous scope.
    alice = UserFactory()
    client.force_login(alice)

    client.post(ECHO, b"{}", "application/json", HTTP_IDEMPOTENCY_KEY="k1")

    assert IdempotencyRecord.objects.get().scope == f"user:{alice.pk}"
