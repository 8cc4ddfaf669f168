"""Customer notifications: the order-created e-mail.

:class:`OrderEmailNotifier` is a built-in plugin (``nexus.notifications.email``; disable it
by that name in ``DISABLED_PLUGINS``). Its ``nexus_order_created`` implementation, which runs
after the order committed, enqueues :func:`nexus_catalog.tasks.send_order_created_email`
(or runs it in place when there is no broker); the task calls :func:`send_order_created`.

Sent once per order: a sent e-mail is recorded in the order's audit trail as an
``order.email_sent`` row, written in the same transaction that holds the order row locked
while the mail goes out. A second run (a redelivered message, a retry) finds the row and
sends nothing. The marker lives in the database rather than a cache, so it is shared by
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
from nexus_catalog.plugins.hookspecs import hookimpl

logger = logging.getLogger(__name__)

EMAIL_SENT_ACTION = "order.email_sent"
ORDER_CREATED_EMAIL = "order_created"
BODY_TEMPLATE = "nexus_catalog/email/order_created.txt"
SUBJECT_TEMPLATE = "nexus_catalog/email/order_created_subject.txt"


class OrderEmailNotifier:
    """Sends the customer an e-mail when an order is placed (through Celery)."""

    @hookimpl
    def nexus_order_created(self, order: Any) -> None:
        if not getattr(order.user, "email", ""):
            return
        # Imported here: the plugin is built with the manager, before Celery tasks matter.
        from nexus_catalog.tasks import send_order_created_email, sends_to_a_broker

        if sends_to_a_broker(send_order_created_email):
            send_order_created_email.delay(order.pk)
        else:
            send_order_created_email.apply(args=[order.pk])


def email_already_sent(order: Any, email: str = ORDER_CREATED_EMAIL) -> bool:
    from nexus_catalog.models import AuditLog
    from nexus_catalog.services.audit import object_type

    return AuditLog.objects.filter(
        action=EMAIL_SENT_ACTION,
        object_type=object_type(order),
        object_id=str(order.pk),
        after__email=email,
    ).exists()


def render_order_created(order: Any) -> tuple[str, str]:
    """The subject and plain-text body of the order-created e-mail."""
    now = timezone.now()
    context = {
        "order": order,
        "user": order.user,
        "lines": list(order.lines.all()),
        "adjustments": list(order.adjustments.all()),
        "unpaid_ttl": timesince(now - catalog_settings.UNPAID_ORDER_TTL, now),
    }
    # A header must be one line, whatever the template's whitespace.
    subject = " ".join(render_to_string(SUBJECT_TEMPLATE, context).split())
    return subject, render_to_string(BODY_TEMPLATE, context)


def send_order_created(order_id: int) -> bool:
    """Send the order-created e-mail to the order's user, unless it was sent already or
    the user has no e-mail address; True when this call sent it.

    :raises smtplib.SMTPException, OSError: the e-mail backend failed; nothing is recorded,
        so a retry sends it.
    """
    from nexus_catalog.models import Order
    from nexus_catalog.services import audit

    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=order_id)
            .first()
        )
        if order is None:
            logger.warning("Order %s not found; no e-mail sent", order_id)
            return False
        if email_already_sent(order):
            return False
        recipient = order.user.email
        if not recipient:
            logger.info("The user of order %s has no e-mail address; no e-mail sent", order_id)
            return False
        subject, body = render_order_created(order)
        send_mail(subject, body, catalog_settings.ORDER_EMAIL_FROM, [recipient])
        audit.record(EMAIL_SENT_ACTION, order, actor=None, after={"email": ORDER_CREATED_EMAIL})
    return True
