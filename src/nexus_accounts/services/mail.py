"""The accounts e-mails: rendered from templates, sent through Django's e-mail backend.

Every e-mail ``<name>`` is three templates a host project overrides like any app template:
``nexus_accounts/email/<name>_subject.txt`` (one line), ``<name>.txt`` (the plain-text body)
and ``<name>.html`` (the HTML alternative). The sender is ``NEXUS_ACCOUNTS["EMAIL_FROM"]``,
or Django's ``DEFAULT_FROM_EMAIL``.

A message is sent once the current transaction commits (a rolled-back registration sends
nothing). With a Celery broker, the send is the task :data:`SEND_TASK`, enqueued by name, so
the request never waits for the mail server (and its time tells nothing about whether an
e-mail went out); without one (no broker URL, or ``task_always_eager``), it is sent in the
process, and a failure is logged, never the caller's error.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.timesince import timeuntil

from nexus_accounts.conf import accounts_settings

logger = logging.getLogger(__name__)

# The Celery task (nexus_accounts.tasks.send_account_email) that sends a rendered message.
SEND_TASK = "nexus_accounts.send_account_email"
TEMPLATE_DIR = "nexus_accounts/email"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(name: str, context: Mapping[str, Any]) -> RenderedEmail:
    """Render the subject, text and HTML templates of the e-mail ``name``."""
    subject = render_to_string(f"{TEMPLATE_DIR}/{name}_subject.txt", context)
    return RenderedEmail(
        # A header holds one line.
        subject=" ".join(subject.split()),
        text=render_to_string(f"{TEMPLATE_DIR}/{name}.txt", context),
        html=render_to_string(f"{TEMPLATE_DIR}/{name}.html", context),
    )


def duration_text(delta: timedelta) -> str:
    """``delta`` as an e-mail says it: "3 days", "1 hour", in the active language."""
    now = timezone.now()
    return timeuntil(now + delta, now).replace("\xa0", " ")


def build_message(to: Sequence[str], email: RenderedEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=accounts_settings.EMAIL_FROM or settings.DEFAULT_FROM_EMAIL,
        to=list(to),
    )
    message.attach_alternative(email.html, "text/html")
    return message


def send_now(to: Sequence[str], email: RenderedEmail) -> None:
    """Send through the configured backend; raises what the backend raises."""
    build_message(to, email).send()


def send_on_commit(to: Sequence[str], email: RenderedEmail) -> None:
    """Send ``email`` to ``to`` once the current transaction commits (at once outside one)."""

    def send_account_email() -> None:
        if _sends_to_a_broker():
            current_app.send_task(SEND_TASK, kwargs={"to": list(to), **asdict(email)})
            return
        try:
            send_now(to, email)
        except Exception:
            logger.exception("The e-mail %r to %s could not be sent", email.subject, to)

    transaction.on_commit(send_account_email, robust=True)


def _sends_to_a_broker() -> bool:
    conf = current_app.conf
    return bool(conf.broker_url) and not conf.task_always_eager
