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
from nexus_catalog.idempotency.keys import request_fingerprint
from nexus_catalog.idempotency.middleware import IdempotencyMiddleware
from nexus_catalog.models import IdempotencyRecord
from nexus_catalog.models.idempotency import IdempotencyState
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
    assert record.state == IdempotencyState.COMPLETED
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


def _in_progress_claim(body: bytes, key: str, *, locked_for: timedelta) -> IdempotencyRecord:
    """The row a request still running (or whose process died) leaves behind."""
    now = timezone.now()
    result = store.claim(
        scope="anon",
        method="POST",
        path=ECHO,
        key=key,
        fingerprint=request_fingerprint("POST", ECHO, "", body),
    )
    assert isinstance(result, store.Claim)
    IdempotencyRecord.objects.filter(lookup_key=result.lookup_key).update(
        locked_until=now + locked_for
    )
    return IdempotencyRecord.objects.get(lookup_key=result.lookup_key)


def test_same_key_while_first_runs_is_409_with_retry_after(api_client):
    _in_progress_claim(b'{"a": 1}', "k1", locked_for=timedelta(seconds=60))

    response = post_raw(api_client, b'{"a": 1}', "k1")

    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert "Idempotency-Key" in response.json()["detail"]
    assert views.calls["echo"] == 0


def test_stale_claim_is_retaken_after_lock_timeout(api_client):
    _in_progress_claim(b'{"a": 1}', "k1", locked_for=timedelta(seconds=-1))

    response = post_raw(api_client, b'{"a": 1}', "k1")

    assert response.status_code == 201
    assert views.calls["echo"] == 1
    assert IdempotencyRecord.objects.get().state == IdempotencyState.COMPLETED


def test_lock_timeout_setting_decides_when_a_claim_is_stale(api_client, idempotency_settings):
    idempotency_settings(LOCK_TIMEOUT=timedelta(seconds=-1))  # every claim is born stale
    _in_progress_claim(b'{"a": 1}', "k1", locked_for=timedelta(seconds=-1))

    assert post_raw(api_client, b'{"a": 1}', "k1").status_code == 201


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("", id="empty"),
        pytest.param('""', id="quoted-empty"),
        pytest.param("k" * 256, id="256-chars"),
        pytest.param("bad\x01key", id="non-printable"),
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
def test_server_error_throttle_or_unauthenticated_releases_the_key(api_client, status):
    first = send(api_client, {"status": status}, key="k1")
    retry = send(api_client, {"status": status}, key="k1")

    assert first.status_code == retry.status_code == status
    assert "Idempotent-Replayed" not in retry
    assert views.calls["echo"] == 2
    assert not IdempotencyRecord.objects.exists()


def test_exception_in_the_view_releases_the_key():
    client = APIClient(raise_request_exception=False)

    response = send(client, {"raise": True}, key="k1")

    assert response.status_code == 500
    assert not IdempotencyRecord.objects.exists()
    assert send(client, {"raise": True}, key="k1").status_code == 500
    assert views.calls["echo"] == 2


def test_exception_reaching_the_middleware_releases_the_key_and_propagates():
    def failing_view(request):
        raise RuntimeError("boom")

    request = RequestFactory().post(
        ECHO, b"{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    with pytest.raises(RuntimeError, match="boom"):
        IdempotencyMiddleware(failing_view)(request)
    assert not IdempotencyRecord.objects.exists()


def test_body_over_max_body_bytes_is_not_stored(api_client, idempotency_settings):
    idempotency_settings(MAX_BODY_BYTES=100)

    first = send(api_client, {"pad": 200}, key="k1")
    retry = send(api_client, {"pad": 200}, key="k1")

    assert first.status_code == retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert views.calls["echo"] == 2
    assert not IdempotencyRecord.objects.exists()


def test_body_within_max_body_bytes_is_stored(api_client, idempotency_settings):
    idempotency_settings(MAX_BODY_BYTES=1000)

    send(api_client, {"pad": 200}, key="k1")

    assert IdempotencyRecord.objects.get().state == IdempotencyState.COMPLETED


def test_streaming_response_is_passed_through_and_not_stored(api_client):
    response = send(api_client, {"stream": True}, key="k1")

    assert b"".join(response.streaming_content) == b"streamed body"
    assert not IdempotencyRecord.objects.exists()


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
def test_first_request_costs_one_insert_and_one_update(api_client, django_assert_num_queries):
    with django_assert_num_queries(2) as captured:
        send(api_client, {"a": 1}, key="k1")

    # The claim's INSERT may follow a SET LOCAL in the same string (PostgreSQL).
    statements = [
        query["sql"].split("; ")[-1].split()[0].upper() for query in captured.captured_queries
    ]
    assert statements == ["INSERT", "UPDATE"]


@pytest.mark.django_db(transaction=True)
def test_claim_is_committed_before_the_view_runs_with_atomic_requests(api_client, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)

    response = send(api_client, {"probe": True}, key="k1")

    assert response.json()["records_seen_elsewhere"] == 1


@pytest.mark.django_db(transaction=True)
def test_atomic_requests_still_replays_and_releases(api_client, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)

    send(api_client, {"a": 1}, key="k1")
    replay = send(api_client, {"a": 1}, key="k1")
    send(api_client, {"status": 500}, key="k2")

    assert replay["Idempotent-Replayed"] == "true"
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k1"]


# -- database errors after the view ran --------------------------------------------------------


def _failing(*args, **kwargs):
    raise DatabaseError("the database went away")


def test_response_is_returned_when_it_cannot_be_stored(api_client, monkeypatch, caplog):
    monkeypatch.setattr(store, "complete", _failing)

    response = send(api_client, {"a": 1}, key="k1")

    assert response.status_code == 201
    assert response.json()["call"] == 1
    assert "could not be stored" in caplog.text


def test_view_error_survives_a_failed_release(monkeypatch, caplog):
    monkeypatch.setattr(store, "release", _failing)
    client = APIClient(raise_request_exception=False)

    response = send(client, {"status": 503}, key="k1")

    assert response.status_code == 503
    assert "could not be released" in caplog.text
