"""Customer notifications: the order-created e-mail.

:class:`OrderEmailNotifier` is a built-in plugin (``nexus.notifications.email``; disable it
by that name in ``DISABLED_PLUGINS``). It is an audit sink: the e-mail rides on the
``order.created`` audit event, so it shares the outbox of the audit trail. That row is written
in the order's transaction and delivered after commit by
:func:`nexus_catalog.tasks.deliver_audit_event` (or in process when there is no broker); a
mail server that fails is retried with that task's per-sink retries, and an event whose
enqueue failed (the broker was down) or whose retries ran out is sent again by the
:func:`~nexus_catalog.tasks.redeliver_audit_events` sweep. A broker outage delays the e-mail,
it never loses it.

Sent once per order: a sent e-mail is recorded in the order's audit trail as an
``order.email_sent`` row, written in the same transaction that holds the order row locked
while the mail goes out (within a delivery, a savepoint of the delivery's transaction: the
marker commits with the event's delivered mark, and its own event reaches the sinks after
that commit). A second run (a redelivered message, a retry) finds the row and sends nothing. The marker lives in the database rather than a cache, so it is shared by
every worker and outlives a cache flush. Only a crash between the mail server accepting
the message and the commit could send it twice.

The body and subject are the templates ``nexus_catalog/email/order_created.txt`` and
``order_created_subject.txt``: a project overrides them like any app template. The sender
is ``NEXUS_CATALOG["ORDER_EMAIL_FROM"]``, or Django's ``DEFAULT_FROM_EMAIL``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.timesince import timesince

from nexus_catalog.conf import catalog_settings
from nexus_catalog.models import AuditLog, Order
from nexus_catalog.plugins.hookspecs import hookimpl
from nexus_catalog.plugins.types import AuditEvent
from nexus_catalog.services import audit

logger = logging.getLogger(__name__)

# The audit action that place_order records, and the one recorded once the e-mail is sent.
ORDER_CREATED_ACTION = "order.created"
EMAIL_SENT_ACTION = "order.email_sent"
ORDER_CREATED_EMAIL = "order_created"
BODY_TEMPLATE = "nexus_catalog/email/order_created.txt"
SUBJECT_TEMPLATE = "nexus_catalog/email/order_created_subject.txt"


class OrderEmailNotifier:
    """Sends the customer an e-mail when an order is placed: an audit sink of the
    ``order.created`` event. Every other event, its own ``order.email_sent`` included, is
    ignored."""

    @hookimpl
    def nexus_audit_event(self, event: AuditEvent) -> None:
        if event.action == ORDER_CREATED_ACTION:
            # Raises when the mail server fails: the delivery retries this sink alone.
            send_order_created(int(event.object_id))


def email_already_sent(order: Any, email: str = ORDER_CREATED_EMAIL) -> bool:
    return AuditLog.objects.filter(
        action=EMAIL_SENT_ACTION,
        object_type=audit.object_type(order),
        object_id=str(order.pk),
        after__email=email,
    ).exists()


def recipient_of(order: Any) -> str:
    """Where the order's e-mails go: its user's address, or for a guest order (no user)
    the e-mail the guest gave at checkout."""
    return order.user.email if order.user is not None else order.email


def greeting_name(order: Any) -> str:
    """Whom the e-mail greets: the user's full name or username, or for a guest the name
    on the shipping address."""
    if order.user is not None:
        return order.user.get_full_name() or order.user.get_username()
    address = order.shipping_postal_address
    return address.name if address is not None else ""


def render_order_created(order: Any) -> tuple[str, str]:
    """The subject and plain-text body of the order-created e-mail."""
    now = timezone.now()
    context = {
        "order": order,
        "user": order.user,
        "name": greeting_name(order),
        "lines": list(order.lines.all()),
        "adjustments": list(order.adjustments.all()),
        "unpaid_ttl": timesince(now - catalog_settings.UNPAID_ORDER_TTL, now),
    }
    # A header must be one line, whatever the template's whitespace.
    subject = " ".join(render_to_string(SUBJECT_TEMPLATE, context).split())
    return subject, render_to_string(BODY_TEMPLATE, context)


def send_order_created(order_id: int) -> bool:
    """Send the order-created e-mail to the order's customer (:func:`recipient_of`), unless
    it was sent already or there is no address to send it to; True when this call sent it.

    :raises smtplib.SMTPException, OSError: the e-mail backend failed; nothing is recorded,
        so a retry sends it.
    """
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("user", "shipping_postal_address")
            .filter(pk=order_id)
            .first()
        )
        if order is None:
            logger.warning("Order %s not found; no e-mail sent", order_id)
            return False
        if email_already_sent(order):
            return False
        recipient = recipient_of(order)
        if not recipient:
            logger.info("The customer of order %s has no e-mail address; no e-mail sent", order_id)
            return False
        subject, body = render_order_created(order)
        send_mail(subject, body, catalog_settings.ORDER_EMAIL_FROM, [recipient])
        audit.record(EMAIL_SENT_ACTION, order, actor=None, after={"email": ORDER_CREATED_EMAIL})
    return True
