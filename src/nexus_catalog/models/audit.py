"""The audit trail, append-only, which doubles as the outbox of the audit sinks."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLog(models.Model):
    """One recorded change: written in the same transaction as the change itself.

    Rows are never updated nor deleted through the ORM's model API. The only columns that
    change after insertion are the outbox bookkeeping (``delivered_at``,
    ``delivery_attempts``), written with ``QuerySet.update`` by the delivery task.
    """

    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # "system" for the beat sweeps, the username otherwise: readable after the user is gone.
    actor_repr = models.CharField(_("actor (as recorded)"), max_length=150, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(_("delivered to sinks at"), null=True, blank=True)
    delivery_attempts = models.PositiveIntegerField(_("delivery attempts"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        indexes = [
            # A plain index: db_index=True would add a second, pattern-matching one on
            # PostgreSQL, which no query uses and every audit row would pay for.
            models.Index(fields=["action"], name="nexus_audit_action"),
            models.Index(
                fields=["object_type", "object_id", "created_at"], name="nexus_audit_object"
            ),
            # The redelivery sweep: undelivered events older than a cut-off.
            models.Index(
                fields=["created_at"],
                name="nexus_audit_undelivered",
                condition=models.Q(delivered_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError("Audit log entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit log entries are append-only.")
