"""Idempotency records in the database: claim a key, store its answer, look it up, purge.

No HTTP here. Every function but :func:`purge_expired` is meant to run inside the one
transaction that also holds the request's own writes (the middleware opens it):

- :func:`claim` INSERTs the record under the unique ``lookup_key``. A duplicate arriving
  while the first request's transaction is open waits on that unique index: when the first
  commits, the duplicate's INSERT fails and it reads the committed answer; when the first
  rolls back, the duplicate's INSERT goes through and it runs. On PostgreSQL the wait is
  bounded by ``LOCK_TIMEOUT``; on SQLite by the connection's busy timeout.
- :func:`store_response` fills the record with the answer before that transaction commits.

So a committed record always holds the answer of a committed write, and a write that did
not commit left no record: whatever fails, a retry either replays or runs against nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.db import IntegrityError, OperationalError, connections, router
from django.utils import timezone

from nexus_catalog.conf import catalog_settings
from nexus_catalog.idempotency.keys import lookup_key as make_lookup_key
from nexus_catalog.models import IdempotencyRecord

# A duplicate told 409 asks again after this many seconds: by then most writes are done.
RETRY_AFTER_SECONDS = 1
# ``scope`` is stored for people reading the table; the lookup key digests the full value.
_SCOPE_COLUMN_LENGTH = IdempotencyRecord._meta.get_field("scope").max_length
# PostgreSQL's SQLSTATE for lock_not_available (lock_timeout expired).
_LOCK_NOT_AVAILABLE = "55P03"


@dataclass(frozen=True)
class Outcome:
    """Why a request may not run: its key was used.

    ``kind`` is ``"replay"`` (the stored answer of the same request: ``record`` holds it),
    ``"mismatch"`` (the key was used for another request) or ``"in_progress"`` (the first
    request still runs; ask again in :data:`RETRY_AFTER_SECONDS`; ``record`` is ``None``).
    """

    kind: Literal["replay", "mismatch", "in_progress"]
    record: IdempotencyRecord | None = None


class KeyTaken(Exception):
    """The key is held or was used: the caller rolls its transaction back and answers
    :attr:`outcome`."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.kind)
        self.outcome = outcome


def db_alias() -> str:
    """The database of the records: the request's writes must go to the same one, since
    they commit in one transaction."""
    return router.db_for_write(IdempotencyRecord)


def claim(*, scope: str, method: str, path: str, key: str, fingerprint: str) -> IdempotencyRecord:
    """INSERT the record of ``key`` in the current transaction, or raise :class:`KeyTaken`.

    Must run in the transaction that will hold the request's writes (and as its first
    statement: when the INSERT fails on PostgreSQL, the transaction is unusable and must be
    rolled back, which is what raising does to the caller's ``atomic`` block).
    """
    alias = db_alias()
    now = timezone.now()
    lookup = make_lookup_key(scope, method, path, key)
    try:
        with _lock_timeout(alias):
            return IdempotencyRecord.objects.using(alias).create(
                lookup_key=lookup,
                key=key,
                scope=scope[:_SCOPE_COLUMN_LENGTH],
                method=method.upper(),
                path=path,
                fingerprint=fingerprint,
                expires_at=now + catalog_settings.IDEMPOTENCY["TTL"],
            )
    except IntegrityError:
        raise KeyTaken(Outcome("replay")) from None  # read once the transaction is over
    except OperationalError as exc:
        if _is_lock_wait_timeout(exc):
            raise KeyTaken(Outcome("in_progress")) from None
        raise


def existing(*, scope: str, method: str, path: str, key: str, fingerprint: str) -> Outcome | None:
    """What to answer a request whose :func:`claim` failed: the committed record's outcome,
    or ``None`` when the key is free again (the record expired, and is deleted now, or was
    purged meanwhile): the caller claims it anew. Runs outside the failed transaction."""
    alias = db_alias()
    record = (
        IdempotencyRecord.objects.using(alias)
        .filter(lookup_key=make_lookup_key(scope, method, path, key))
        .first()
    )
    if record is None:
        return None
    if record.expires_at <= timezone.now():
        # Counts as absent: delete exactly this record (not a newer claim of the key).
        IdempotencyRecord.objects.using(alias).filter(
            pk=record.pk, expires_at=record.expires_at
        ).delete()
        return None
    if record.fingerprint != fingerprint:
        return Outcome("mismatch", record)
    if record.status_code is None:
        # Only a transaction that committed without storing its answer leaves this (a host
        # that commits the middleware's connection by hand): never run the request twice.
        return Outcome("in_progress")
    return Outcome("replay", record)


def store_response(
    record: IdempotencyRecord,
    *,
    status_code: int,
    content_type: str,
    headers: dict[str, str],
    body: bytes,
) -> None:
    """Write the answer into the claimed ``record``, in the request's transaction."""
    IdempotencyRecord.objects.using(db_alias()).filter(pk=record.pk).update(
        status_code=status_code, content_type=content_type, headers=headers, body=body
    )


def lookup(*, scope: str, method: str, path: str, key: str) -> IdempotencyRecord | None:
    """The record of ``key`` for this scope, method and path, expired or not, if any."""
    return (
        IdempotencyRecord.objects.using(db_alias())
        .filter(lookup_key=make_lookup_key(scope, method, path, key))
        .first()
    )


def purge_expired(now: datetime | None = None) -> int:
    """Delete the records whose ``TTL`` has passed; returns how many."""
    deleted, _ = (
        IdempotencyRecord.objects.using(db_alias())
        .filter(expires_at__lt=now or timezone.now())
        .delete()
    )
    return deleted


@contextmanager
def _lock_timeout(alias: str) -> Iterator[None]:
    """Bound how long the claim's INSERT waits on a duplicate's open transaction with
    PostgreSQL's ``lock_timeout``, for that statement only: the view's own row locks keep
    the connection's setting. Other databases wait as their driver does."""
    connection = connections[alias]
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        yield
        return
    milliseconds = max(1, int(catalog_settings.IDEMPOTENCY["LOCK_TIMEOUT"].total_seconds() * 1000))
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{milliseconds}ms"])
    yield  # on an error the transaction is rolled back, and the setting with it
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout TO DEFAULT")


def _is_lock_wait_timeout(exc: OperationalError) -> bool:
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
        return True
    # SQLite: another connection holds the write lock past the busy timeout.
    return "database is locked" in str(exc)
