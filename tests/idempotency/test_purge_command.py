"""``manage.py nexus_purge_idempotency``."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from nexus_catalog.models import IdempotencyRecord
from tests.idempotency import views
from tests.idempotency.conftest import send

pytestmark = pytest.mark.django_db


def purge() -> str:
    out = StringIO()
    call_command("nexus_purge_idempotency", stdout=out)
    return out.getvalue()


def test_command_purges_an_expired_record_and_the_key_then_works_anew(api_client):
    send(api_client, {"a": 1}, key="k1")
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert purge() == "Purged 1 expired idempotency record.\n"
    assert not IdempotencyRecord.objects.exists()
    response = send(api_client, {"a": 2}, key="k1")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert views.calls["echo"] == 2


def test_command_keeps_records_within_their_ttl(api_client):
    send(api_client, {"a": 1}, key="k1")

    assert purge() == "Purged 0 expired idempotency records.\n"
    assert send(api_client, {"a": 1}, key="k1")["Idempotent-Replayed"] == "true"
