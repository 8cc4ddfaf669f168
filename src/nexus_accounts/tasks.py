"""Celery tasks of the accounts app: sending an e-mail rendered by the services.

``shared_task``: it binds to the host project's Celery app. A mail server that fails is
retried with exponential backoff; sending twice (a redelivered message) sends the same link
twice, which is harmless.
"""

from __future__ import annotations

from celery import shared_task

from nexus_accounts.services.mail import SEND_TASK, RenderedEmail, send_now


@shared_task(
    name=SEND_TASK,
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OSError,),
    max_retries=5,
    retry_backoff=2,
    retry_backoff_max=300,
)
def send_account_email(*, to: list[str], subject: str, text: str, html: str) -> None:
    """Send one accounts e-mail (already rendered) through Django's e-mail backend."""
    send_now(to, RenderedEmail(subject=subject, text=text, html=html))
