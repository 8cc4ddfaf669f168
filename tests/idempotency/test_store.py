"""Records in the database, without HTTP: claimed in the caller's transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from nexus_catalog.idempotency import store
from nexus_catalog.models import IdempotencyRecord

pytestmark = pytest.mark.django_db

REQUEST = {"scope": "user:1", "method": "POST", "path": "/api/orders/", "key": "k1"}


def claim(fingerprint: str = "f1") -> IdempotencyRecord:
    return store.claim(**REQUEST, fingerprint=fingerprint)


def answered(fingerprint: str = "f1", *, status_code: int = 201) -> IdempotencyRecord:
    record = claim(fingerprint)
    store.store_response(
        record,
        status_code=status_code,
        content_type="application/json",
        headers={"Location": "/api/orders/1/"},
        body=b"{}",
    )
    return record


def existing(fingerprint: str = "f1") -> store.Outcome | None:
    return store.existing(**REQUEST, fingerprint=fingerprint)


def test_a_new_key_is_claimed_without_an_answer_yet():
    record = claim()

    assert IdempotencyRecord.objects.get(pk=record.pk).status_code is None


def test_the_answer_is_stored_in_the_claimed_record():
    record = answered()

    stored = IdempotencyRecord.objects.get(pk=record.pk)
    assert (stored.status_code, stored.content_type, bytes(stored.body)) == (
        201,
        "application/json",
        b"{}",
    )
    assert stored.headers == {"Location": "/api/orders/1/"}


def test_claiming_a_used_key_raises_key_taken_and_leaves_the_record():
    answered()

    with pytest.raises(store.KeyTaken), transaction.atomic():
        claim()
    assert IdempotencyRecord.objects.count() == 1


def test_a_used_key_is_replayed_for_the_same_request():
    record = answered()

    outcome = existing()

    assert outcome.kind == "replay"
    assert outcome.record.pk == record.pk


def test_a_used_key_is_a_mismatch_for_another_request():
    answered("f1")

    assert existing("f2").kind == "mismatch"


def test_a_record_without_an_answer_counts_as_in_progress():
    claim()

    assert existing().kind == "in_progress"


def test_an_expired_record_is_deleted_and_the_key_is_free():
    answered()
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert existing() is None
    assert not IdempotencyRecord.objects.exists()


def test_a_key_never_used_is_free():
    assert existing() is None


def test_ttl_sets_the_expiry(settings):
    settings.NEXUS_CATALOG = {"IDEMPOTENCY": {"TTL": timedelta(minutes=5)}}
    before = timezone.now()

    record = claim()

    assert before + timedelta(minutes=5) <= record.expires_at
    assert record.expires_at <= timezone.now() + timedelta(minutes=5)


def test_lookup_finds_the_record_of_a_key():
    record = claim()

    assert store.lookup(**REQUEST).pk == record.pk
    assert store.lookup(**{**REQUEST, "scope": "user:2"}) is None


def test_purge_deletes_expired_records_only():
    past, future = timezone.now() - timedelta(minutes=1), timezone.now() + timedelta(hours=1)
    for key, expires_at in (("expired", past), ("fresh", future), ("old", past)):
        record = store.claim(**{**REQUEST, "key": key}, fingerprint="f")
        IdempotencyRecord.objects.filter(pk=record.pk).update(expires_at=expires_at)

    assert store.purge_expired() == 2
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


def test_a_claim_rolled_back_with_its_transaction_leaves_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        claim()
        raise RuntimeError("the request failed")

    assert not IdempotencyRecord.objects.exists()
    assert existing() is None
