"""The HTTP rules of IdempotencyMiddleware, through the test-only views of ``views.py``."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from nexus_catalog.idempotency import store
from nexus_catalog.idempotency.middleware import IdempotencyMiddleware
from nexus_catalog.models import Category, IdempotencyRecord
from tests.idempotency import views
from tests.idempotency.conftest import ECHO, send

pytestmark = pytest.mark.django_db


def post_raw(client: APIClient, body: bytes, key: str):
    return client.post(ECHO, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


# -- first request and replay ---------------------------------------------------------------


def test_first_request_runs_and_is_not_marked_replayed(api_client):
    response = send(api_client, {"a": 1}, key="k1")

    assert response.status_code == 201
    assert views.calls["echo"] == 1
    assert "Idempotent-Replayed" not in response


def test_retry_replays_status_body_and_content_type_exactly(api_client):
    first = send(api_client, {"a": 1}, key="k1")
    retry = send(api_client, {"a": 1}, key="k1")

    assert views.calls["echo"] == 1
    assert retry.status_code == first.status_code == 201
    assert retry.content == first.content
    assert retry["Content-Type"] == first["Content-Type"] == "application/json"
    assert retry["Idempotent-Replayed"] == "true"


def test_client_error_is_stored_and_replayed(api_client):
    first = send(api_client, {"status": 400}, key="k1")
    retry = send(api_client, {"status": 400}, key="k1")

    assert first.status_code == retry.status_code == 400
    assert retry.content == first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert views.calls["echo"] == 1


def test_completed_record_holds_the_response(api_client):
    response = send(api_client, {"a": 1}, key="k1")

    record = IdempotencyRecord.objects.get()
    assert (record.key, record.scope, record.method, record.path) == ("k1", "anon", "POST", ECHO)
    assert record.status_code == 201
    assert bytes(record.body) == response.content


def test_quoted_and_bare_forms_are_the_same_key(api_client):
    send(api_client, {"a": 1}, key='"k1"')
    retry = send(api_client, {"a": 1}, key="k1")

    assert retry["Idempotent-Replayed"] == "true"
    assert views.calls["echo"] == 1


def test_each_method_is_its_own_claim(api_client):
    send(api_client, {"a": 1}, key="k1", method="post")
    response = send(api_client, {"a": 1}, key="k1", method="put")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert views.calls["echo"] == 2


def test_request_without_key_runs_every_time(api_client):
    send(api_client, {"a": 1})
    send(api_client, {"a": 1})

    assert views.calls["echo"] == 2
    assert not IdempotencyRecord.objects.exists()


# -- 422, 409, 400 ----------------------------------------------------------------------------


def test_same_key_with_another_body_is_422_naming_the_header(api_client):
    send(api_client, {"a": 1}, key="k1")
    response = send(api_client, {"a": 2}, key="k1")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/json"
    assert "Idempotency-Key" in response.json()["detail"]
    assert views.calls["echo"] == 1


def test_same_key_with_another_query_is_422(api_client):
    send(api_client, {"a": 1}, key="k1", path=ECHO + "?x=1")
    response = send(api_client, {"a": 1}, key="k1", path=ECHO + "?x=2")

    assert response.status_code == 422


def test_same_query_in_another_order_is_the_same_request(api_client):
    send(api_client, {"a": 1}, key="k1", path=ECHO + "?x=1&y=2")
    response = send(api_client, {"a": 1}, key="k1", path=ECHO + "?y=2&x=1")

    assert response["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("", id="empty"),
        pytest.param('""', id="quoted-empty"),
        pytest.param("k" * 256, id="256-chars"),
        pytest.param("bad\x01key", id="non-printable"),
        pytest.param("k1, k2", id="two-headers-joined"),
        pytest.param('"k1", "k2"', id="two-quoted-headers-joined"),
        pytest.param('"k1', id="unbalanced-quote"),
    ],
)
def test_malformed_key_is_400_and_runs_nothing(api_client, key):
    response = send(api_client, {"a": 1}, key=key)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert views.calls["echo"] == 0
    assert not IdempotencyRecord.objects.exists()


def test_required_path_without_key_is_400(api_client, idempotency_settings):
    idempotency_settings(REQUIRED=["/api/_test/"])

    response = send(api_client, {"a": 1})

    assert response.status_code == 400
    assert response.json() == {"detail": "The Idempotency-Key header is required for this request."}
    assert views.calls["echo"] == 0


def test_required_path_with_key_runs(api_client, idempotency_settings):
    idempotency_settings(REQUIRED=["/api/_test/"])

    assert send(api_client, {"a": 1}, key="k1").status_code == 201


def test_required_applies_only_to_its_methods(api_client, idempotency_settings):
    idempotency_settings(REQUIRED=["/api/_test/"])

    assert api_client.get(ECHO).status_code == 200


# -- what is not stored -----------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503, 429, 401])
def test_server_error_throttle_or_unauthenticated_is_not_stored(api_client, status):
    first = send(api_client, {"status": status}, key="k1")
    retry = send(api_client, {"status": status}, key="k1")

    assert first.status_code == retry.status_code == status
    assert "Idempotent-Replayed" not in retry
    assert views.calls["echo"] == 2
    assert not IdempotencyRecord.objects.exists()


def test_an_answer_that_asks_for_a_retry_is_not_stored(api_client):
    first = send(api_client, {"status": 409, "retry_after": 1}, key="k1")
    retry = send(api_client, {"status": 409, "retry_after": 1}, key="k1")

    assert first.status_code == retry.status_code == 409
    assert "Idempotent-Replayed" not in retry
    assert views.calls["echo"] == 2
    assert not IdempotencyRecord.objects.exists()


def test_a_conflict_without_retry_after_is_stored(api_client):
    send(api_client, {"status": 409}, key="k1")

    assert send(api_client, {"status": 409}, key="k1")["Idempotent-Replayed"] == "true"


def test_an_answer_that_is_not_stored_rolls_the_write_back(api_client):
    response = send(api_client, {"status": 503, "write": "Lamps"}, key="k1")

    assert response.status_code == 503
    assert not Category.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_stored_answer_keeps_the_write(api_client):
    send(api_client, {"write": "Lamps"}, key="k1")
    send(api_client, {"write": "Lamps"}, key="k1")

    assert list(Category.objects.values_list("name", flat=True)) == ["Lamps"]


def test_exception_in_the_view_stores_nothing_and_writes_nothing():
    client = APIClient(raise_request_exception=False)

    response = send(client, {"raise": True, "write": "Lamps"}, key="k1")

    assert response.status_code == 500
    assert not IdempotencyRecord.objects.exists()
    assert not Category.objects.exists()
    assert send(client, {"raise": True}, key="k1").status_code == 500
    assert views.calls["echo"] == 2


def test_exception_reaching_the_middleware_stores_nothing_and_propagates():
    def failing_view(request):
        raise RuntimeError("boom")

    request = RequestFactory().post(
        ECHO, b"{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    with pytest.raises(RuntimeError, match="boom"):
        IdempotencyMiddleware(failing_view)(request)
    assert not IdempotencyRecord.objects.exists()


def test_body_over_max_body_bytes_is_replayed_without_its_body(api_client, idempotency_settings):
    idempotency_settings(MAX_BODY_BYTES=100)

    first = send(api_client, {"pad": 200, "write": "Lamps"}, key="k1")
    retry = send(api_client, {"pad": 200, "write": "Lamps"}, key="k1")

    assert len(first.content) > 200
    assert retry.status_code == first.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.content == b""
    assert views.calls["echo"] == 1
    assert Category.objects.count() == 1


def test_body_within_max_body_bytes_is_stored(api_client, idempotency_settings):
    idempotency_settings(MAX_BODY_BYTES=1000)

    response = send(api_client, {"pad": 200}, key="k1")

    assert bytes(IdempotencyRecord.objects.get().body) == response.content


def test_streaming_answer_is_passed_through_and_replayed_without_its_body(api_client):
    response = send(api_client, {"stream": True}, key="k1")
    retry = send(api_client, {"stream": True}, key="k1")

    assert b"".join(response.streaming_content) == b"streamed body"
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert views.calls["echo"] == 1


def test_a_replayed_405_carries_its_allow_header(api_client):
    first = send(api_client, {"a": 1}, key="k1", path="/api/_test/post-only/", method="put")
    retry = send(api_client, {"a": 1}, key="k1", path="/api/_test/post-only/", method="put")

    assert first.status_code == retry.status_code == 405
    assert retry["Idempotent-Replayed"] == "true"
    assert retry["Allow"] == first["Allow"]
    assert "POST" in retry["Allow"]


# -- which requests are handled ---------------------------------------------------------------


def test_method_outside_methods_is_not_handled(api_client, idempotency_settings):
    idempotency_settings(METHODS=["PUT"])

    send(api_client, {"a": 1}, key="k1")
    retry = send(api_client, {"a": 1}, key="k1")

    assert "Idempotent-Replayed" not in retry
    assert views.calls["echo"] == 2


def test_configured_method_is_handled(api_client, idempotency_settings):
    idempotency_settings(METHODS=["PUT"])

    send(api_client, {"a": 1}, key="k1", method="put")
    retry = send(api_client, {"a": 1}, key="k1", method="put")

    assert retry["Idempotent-Replayed"] == "true"


def test_safe_method_with_a_key_is_not_handled(api_client):
    api_client.get(ECHO, HTTP_IDEMPOTENCY_KEY="k1")
    api_client.get(ECHO, HTTP_IDEMPOTENCY_KEY="k1")

    assert views.calls["echo"] == 2
    assert not IdempotencyRecord.objects.exists()


def test_path_outside_prefixes_is_not_handled(api_client, idempotency_settings):
    idempotency_settings(PATH_PREFIXES=["/elsewhere/"])

    send(api_client, {"a": 1}, key="k1")
    send(api_client, {"a": 1}, key="k1")

    assert views.calls["echo"] == 2
    assert not IdempotencyRecord.objects.exists()


def test_unknown_path_is_passed_through(api_client):
    response = send(api_client, {"a": 1}, key="k1", path="/api/_test/nowhere/")

    assert response.status_code == 404
    assert not IdempotencyRecord.objects.exists()


def test_header_name_is_configurable(api_client, idempotency_settings):
    idempotency_settings(HEADER="X-Request-Key")

    send(api_client, {"a": 1}, HTTP_X_REQUEST_KEY="k1")
    retry = send(api_client, {"a": 1}, HTTP_X_REQUEST_KEY="k1")

    assert retry["Idempotent-Replayed"] == "true"
    assert views.calls["echo"] == 1


def test_plain_django_view_is_handled_too(client):
    first = client.post("/api/_test/plain/", b"{}", "application/json", HTTP_IDEMPOTENCY_KEY="k1")
    retry = client.post("/api/_test/plain/", b"{}", "application/json", HTTP_IDEMPOTENCY_KEY="k1")

    assert retry["Idempotent-Replayed"] == "true"
    assert retry.content == first.content
    assert views.calls["plain"] == 1


@pytest.mark.parametrize("path", ["/api/_test/exempt/", "/api/_test/exempt-plain/"])
def test_exempt_view_is_never_handled(api_client, path):
    send(api_client, {"a": 1}, key="k1", path=path)
    retry = send(api_client, {"a": 1}, key="k1", path=path)

    assert "Idempotent-Replayed" not in retry
    assert views.calls["exempt"] == 2
    assert not IdempotencyRecord.objects.exists()


def test_exempt_view_needs_no_key_on_a_required_path(api_client, idempotency_settings):
    idempotency_settings(REQUIRED=["/api/_test/"])

    assert send(api_client, {"a": 1}, path="/api/_test/exempt/").status_code == 201


# -- expiry and TTL ---------------------------------------------------------------------------


def test_record_expires_after_ttl(api_client, idempotency_settings):
    idempotency_settings(TTL=timedelta(hours=2))
    before = timezone.now()

    send(api_client, {"a": 1}, key="k1")

    expires_at = IdempotencyRecord.objects.get().expires_at
    assert before + timedelta(hours=2) <= expires_at <= timezone.now() + timedelta(hours=2)


def test_expired_record_is_treated_as_absent(api_client):
    send(api_client, {"a": 1}, key="k1")
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    retry = send(api_client, {"a": 2}, key="k1")

    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert views.calls["echo"] == 2
    assert json.loads(bytes(IdempotencyRecord.objects.get().body))["data"] == {"a": 2}


# -- cost and transactions --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_keyed_request_costs_a_constant_number_of_queries(api_client, django_assert_num_queries):
    # BEGIN, the record's INSERT, the answer's UPDATE, COMMIT; on PostgreSQL the INSERT's
    # lock_timeout is set before it and reset after it.
    expected = 6 if connection.vendor == "postgresql" else 4
    with django_assert_num_queries(expected):
        send(api_client, {"a": 1}, key="k1")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_record_is_invisible_to_others_until_the_request_commits(api_client):
    response = send(api_client, {"probe": True}, key="k1")

    assert response.json()["records_seen_elsewhere"] == 0
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_atomic_requests_still_replays_and_stores_nothing_for_a_5xx(api_client, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)

    send(api_client, {"a": 1}, key="k1")
    replay = send(api_client, {"a": 1}, key="k1")
    send(api_client, {"status": 500}, key="k2")

    assert replay["Idempotent-Replayed"] == "true"
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k1"]


# -- failures around the commit ------------------------------------------------------------------


def _failing(*args, **kwargs):
    raise DatabaseError("the database went away")


@pytest.mark.django_db(transaction=True)
def test_an_answer_that_cannot_be_stored_rolls_the_write_back(monkeypatch):
    monkeypatch.setattr(store, "store_response", _failing)
    client = APIClient(raise_request_exception=False)

    response = send(client, {"write": "Lamps"}, key="k1")

    assert response.status_code == 500
    assert not Category.objects.exists()
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_after_commit_failure_answers_the_committed_write_and_replays_it(api_client, caplog):
    first = send(api_client, {"write": "Lamps", "after_commit_raise": True}, key="k1")
    retry = send(api_client, {"write": "Lamps", "after_commit_raise": True}, key="k1")

    assert first.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.content == first.content
    assert Category.objects.count() == 1
    assert views.calls["echo"] == 1
    assert "after-commit callback failed" in caplog.text
