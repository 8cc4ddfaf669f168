"""Claims in the database, without HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nexus_catalog.idempotency import store
from nexus_catalog.models import IdempotencyRecord
from nexus_catalog.models.idempotency import IdempotencyState

pytestmark = pytest.mark.django_db

REQUEST = {"scope": "user:1", "method": "POST", "path": "/api/orders/", "key": "k1"}


def claim(fingerprint: str = "f1") -> store.Claim | store.Outcome:
    return store.claim(**REQUEST, fingerprint=fingerprint)


def make_stale(claimed: store.Claim) -> None:
    IdempotencyRecord.objects.filter(lookup_key=claimed.lookup_key).update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )


def test_new_key_is_claimed_in_progress():
    claimed = claim()

    assert isinstance(claimed, store.Claim)
    record = IdempotencyRecord.objects.get(lookup_key=claimed.lookup_key)
    assert record.state == IdempotencyState.IN_PROGRESS
    assert record.locked_until == claimed.locked_until


def test_claimed_key_is_in_progress_for_the_same_request():
    claim()

    outcome = claim()

    assert isinstance(outcome, store.Outcome)
    assert outcome.kind == "in_progress"


def test_claimed_key_is_a_mismatch_for_another_request():
    claim("f1")

    assert claim("f2").kind == "mismatch"


def test_completed_key_is_replayed():
    store.complete(claim(), status_code=201, content_type="application/json", body=b"{}")

    outcome = claim()

    assert outcome.kind == "replay"
    assert (outcome.record.status_code, bytes(outcome.record.body)) == (201, b"{}")


def test_released_key_is_claimable_again():
    store.release(claim())

    assert isinstance(claim(), store.Claim)


def test_lock_timeout_sets_locked_until(settings):
    settings.NEXUS_CATALOG = {"IDEMPOTENCY": {"LOCK_TIMEOUT": timedelta(minutes=5)}}
    before = timezone.now()

    claimed = claim()

    assert before + timedelta(minutes=5) <= claimed.locked_until
    assert claimed.locked_until <= timezone.now() + timedelta(minutes=5)


def test_stale_claim_is_retaken_once():
    first = claim()
    make_stale(first)

    retaken = claim()
    again = claim()

    assert isinstance(retaken, store.Claim)
    assert retaken.lookup_key == first.lookup_key
    assert retaken.locked_until > first.locked_until
    assert again.kind == "in_progress"


def test_owner_of_a_retaken_claim_can_no_longer_complete_it():
    first = claim()
    make_stale(first)
    retaken = claim()

    assert not store.complete(first, status_code=201, content_type="", body=b"late")
    assert not store.release(first)
    assert store.complete(retaken, status_code=201, content_type="", body=b"new")
    assert bytes(IdempotencyRecord.objects.get().body) == b"new"


def test_lookup_finds_the_record_of_a_key():
    claimed = claim()

    assert store.lookup(**REQUEST).lookup_key == claimed.lookup_key
    assert store.lookup(**{**REQUEST, "scope": "user:2"}) is None


def _record(**fields) -> IdempotencyRecord:
    claimed = store.claim(**{**REQUEST, "key": fields.pop("key")}, fingerprint="f")
    IdempotencyRecord.objects.filter(lookup_key=claimed.lookup_key).update(**fields)
    return IdempotencyRecord.objects.get(lookup_key=claimed.lookup_key)


def test_purge_deletes_expired_records_only():
    past, future = timezone.now() - timedelta(minutes=1), timezone.now() + timedelta(hours=1)
    _record(key="expired", state=IdempotencyState.COMPLETED, expires_at=past)
    _record(key="abandoned", state=IdempotencyState.IN_PROGRESS, expires_at=past, locked_until=past)
    _record(key="fresh", state=IdempotencyState.COMPLETED, expires_at=future)
    _record(key="running", state=IdempotencyState.IN_PROGRESS, expires_at=past, locked_until=future)

    assert store.purge_expired() == 2
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh", "running"]


def test_expired_in_progress_claim_still_locked_blocks_a_duplicate():
    past, future = timezone.now() - timedelta(minutes=1), timezone.now() + timedelta(hours=1)
    _record(key="k1", expires_at=past, locked_until=future)

    assert claim("f").kind == "in_progress"


def claim_sql(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "INSERT INTO" in q["sql"]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claim_on_its_own_does_not_wait_for_the_disk_on_postgresql():
    # In autocommit mode the claim is its own transaction, committed asynchronously: the
    # view's synchronous commit, later in the log, makes it durable with the view's work.
    with CaptureQueriesContext(connection) as captured:
        claimed = claim()

    assert isinstance(claimed, store.Claim)
    [sql] = claim_sql(captured)
    assert sql.startswith("SET LOCAL synchronous_commit TO OFF; INSERT INTO")
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"  # only that transaction was asynchronous
    assert IdempotencyRecord.objects.get().state == IdempotencyState.IN_PROGRESS


def test_claim_inside_a_transaction_commits_with_it():
    # Inside the caller's transaction the claim takes a savepoint and never changes how
    # that transaction commits.
    with CaptureQueriesContext(connection) as captured:
        claim()

    [sql] = claim_sql(captured)
    assert sql.startswith("INSERT INTO")


def test_claims_commit_as_usual_with_server_side_binding(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {"server_side_binding": True})
    assert not store._commits_claims_asynchronously(connection)
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {})
    assert store._commits_claims_asynchronously(connection) is (connection.vendor == "postgresql")
