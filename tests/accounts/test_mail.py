"""The accounts e-mails: templates a host overrides, sent after commit, through Celery when a
broker is configured."""

from __future__ import annotations

import smtplib

import pytest
from django.db import transaction

from nexus_accounts.services import mail
from nexus_accounts.tasks import send_account_email

pytestmark = pytest.mark.django_db

RENDERED = mail.RenderedEmail(subject="Hello", text="Plain body", html="<p>HTML body</p>")


def test_send_on_commit_waits_for_the_commit(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mail.send_on_commit(["a@example.com"], RENDERED)
        assert mailoutbox == []

    [message] = mailoutbox
    assert (message.to, message.subject, message.body) == (["a@example.com"], "Hello", "Plain body")
    assert message.alternatives[0] == ("<p>HTML body</p>", "text/html")


def test_a_rolled_back_transaction_sends_nothing(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                mail.send_on_commit(["a@example.com"], RENDERED)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    assert callbacks == []
    assert mailoutbox == []


def test_with_a_broker_the_send_is_a_task_enqueued_by_name(
    monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(mail, "_sends_to_a_broker", lambda: True)
    monkeypatch.setattr(
        mail.current_app, "send_task", lambda name, kwargs: sent.append((name, kwargs))
    )

    with django_capture_on_commit_callbacks(execute=True):
        mail.send_on_commit(["a@example.com"], RENDERED)

    assert sent == [
        (
            "nexus_accounts.send_account_email",
            {
                "to": ["a@example.com"],
                "subject": "Hello",
                "text": "Plain body",
                "html": "<p>HTML body</p>",
            },
        )
    ]
    assert mailoutbox == []


def test_the_task_sends_through_the_backend(mailoutbox):
    send_account_email.run(to=["a@example.com"], subject="Hello", text="Plain", html="<p>x</p>")

    assert [m.to for m in mailoutbox] == [["a@example.com"]]


def test_the_task_retries_on_a_mail_server_error():
    assert issubclass(smtplib.SMTPException, send_account_email.autoretry_for)


def test_a_failing_backend_in_process_is_logged_not_raised(
    settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.accounts.test_mail.FailingBackend"

    with django_capture_on_commit_callbacks(execute=True):
        mail.send_on_commit(["a@example.com"], RENDERED)

    assert "could not be sent" in caplog.text


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("down")


def test_a_host_template_overrides_the_packages(settings, tmp_path):
    folder = tmp_path / "nexus_accounts" / "email"
    folder.mkdir(parents=True)
    (folder / "password_reset_subject.txt").write_text("Our own subject")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]},
    ]

    rendered = mail.render_email("password_reset", {"link": "https://x", "email": "a@example.com"})

    assert rendered.subject == "Our own subject"
    assert "https://x" in rendered.text


def test_a_multi_line_subject_becomes_one_line(settings, tmp_path):
    folder = tmp_path / "nexus_accounts" / "email"
    folder.mkdir(parents=True)
    (folder / "password_reset_subject.txt").write_text("Reset\n  your\npassword\n")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]

    assert mail.render_email("password_reset", {}).subject == "Reset your password"


def test_email_from_setting_is_the_sender(settings, mailoutbox):
    settings.NEXUS_ACCOUNTS = {**settings.NEXUS_ACCOUNTS, "EMAIL_FROM": "accounts@example.com"}

    mail.send_now(["a@example.com"], RENDERED)

    assert mailoutbox[0].from_email == "accounts@example.com"
