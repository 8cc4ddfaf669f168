"""The beat task that purges expired idempotency records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from nexus_catalog.models import IdempotencyRecord
from nexus_catalog.tasks import purge_idempotency_records

pytestmark = pytest.mark.django_db


def make_record(key: str, expires_in: timedelta) -> IdempotencyRecord:
    now = timezone.now()
    return IdempotencyRecord.objects.create(
        lookup_key=key.ljust(64, "0"),
        key=key,
        scope="user:1",
        method="POST",
        path="/api/orders/",
        fingerprint="f" * 64,
        status_code=201,
        expires_at=now + expires_in,
    )


def test_the_task_purges_expired_records_and_keeps_live_ones():
    make_record("expired", timedelta(seconds=-1))
    live = make_record("live", timedelta(hours=1))

    assert purge_idempotency_records.apply().result == 1

    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [live.pk]


def test_running_the_purge_twice_is_harmless():
    make_record("expired", timedelta(seconds=-1))

    purge_idempotency_records.apply()

    assert purge_idempotency_records.apply().result == 0
