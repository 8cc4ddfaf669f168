"""Stored responses of idempotent writes (see ``nexus_catalog.idempotency``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The answer to a request that carried an ``Idempotency-Key``.

    The row is inserted when the request starts and filled with the response before the
    request's transaction commits, so a committed row always holds the answer of a committed
    write. ``lookup_key`` is a digest of (scope, method, path, key) under a unique
    constraint: a racing duplicate's INSERT waits on it, on any number of processes.
    """

    lookup_key = models.CharField(_("lookup key"), max_length=64)
    key = models.CharField(_("key"), max_length=255)
    scope = models.CharField(_("scope"), max_length=100)
    method = models.CharField(_("method"), max_length=10)
    path = models.TextField(_("path"))
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    # Null only inside the transaction that claimed the key, before its answer is stored.
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=255, blank=True)
    # The response headers that define the answer (Allow, Location, ...), replayed with it.
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    body = models.BinaryField(_("body"), blank=True, default=b"")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            # A constraint rather than unique=True, which on PostgreSQL would also build a
            # pattern-matching index that no query uses and every claim would pay for.
            models.UniqueConstraint(fields=["lookup_key"], name="nexus_idem_lookup_key"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}] {self.status_code}"
