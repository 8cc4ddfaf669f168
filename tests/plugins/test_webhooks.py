"""The webhook sink against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from nexus_catalog.models import AuditLog
from nexus_catalog.plugins.builtin import WEBHOOK_PLUGIN_NAME
from nexus_catalog.plugins.manager import PluginOrigin, get_plugin_manager
from nexus_catalog.plugins.types import AuditEvent
from nexus_catalog.plugins.webhooks import WebhookAuditSink, WebhookDeliveryError
from nexus_catalog.services.audit import deliver

SECRET = "whsec-test"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What the server got, and how it answers each path."""

    base_url: str
    requests: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


STATUS_BY_PATH = {"/ok": 204, "/accepted": 202, "/error": 500, "/redirect": 302}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            # Recorded before answering: when the client has its response, the test sees it.
            state.requests.append(Received(self.path, dict(self.headers), body))
            if self.path == "/slow":
                state.release.wait(timeout=10)
            self.send_response(STATUS_BY_PATH.get(self.path, 404))
            if self.path == "/redirect":
                self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = Receiver(base_url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()
    thread.join()


def make_event() -> AuditEvent:
    return AuditEvent(
        event_id=str(uuid.uuid4()),
        action="order.transitioned",
        object_type="nexus_catalog.order",
        object_id="9",
        actor="staff",
        actor_id=1,
        before={"status": "paid"},
        after={"status": "shipped"},
    )


def expected_signature(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def test_the_event_is_posted_as_json_with_a_verifiable_signature(receiver):
    event = make_event()

    WebhookAuditSink([receiver.url("/ok")], SECRET, 5).nexus_audit_event(event)

    [request] = receiver.requests
    assert request.path == "/ok"
    assert json.loads(request.body) == event.to_dict()
    assert request.headers["Content-Type"] == "application/json"
    assert hmac.compare_digest(
        request.headers["X-Nexus-Signature"], expected_signature(request.body)
    )
    assert request.headers["X-Nexus-Event-Id"] == event.event_id
    assert request.headers["X-Nexus-Event"] == "order.transitioned"


def test_a_signature_made_with_another_secret_does_not_verify(receiver):
    WebhookAuditSink([receiver.url("/ok")], "another-secret", 5).nexus_audit_event(make_event())

    [request] = receiver.requests
    assert request.headers["X-Nexus-Signature"] != expected_signature(request.body)


def test_every_url_receives_the_event(receiver):
    WebhookAuditSink([receiver.url("/ok"), receiver.url("/accepted")], SECRET, 5).nexus_audit_event(
        make_event()
    )

    assert [r.path for r in receiver.requests] == ["/ok", "/accepted"]


def test_a_server_error_raises_after_the_other_urls_got_the_event(receiver):
    sink = WebhookAuditSink([receiver.url("/error"), receiver.url("/ok")], SECRET, 5)

    with pytest.raises(WebhookDeliveryError) as info:
        sink.nexus_audit_event(make_event())

    assert info.value.failures == {receiver.url("/error"): "HTTP 500"}
    assert [r.path for r in receiver.requests] == ["/error", "/ok"]


def test_a_redirect_is_not_followed_and_raises(receiver):
    with pytest.raises(WebhookDeliveryError, match="HTTP 302"):
        WebhookAuditSink([receiver.url("/redirect")], SECRET, 5).nexus_audit_event(make_event())

    assert [r.path for r in receiver.requests] == ["/redirect"]


def test_a_refused_connection_raises():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port any more.
    with pytest.raises(WebhookDeliveryError, match=f"127.0.0.1:{port}"):
        WebhookAuditSink([f"http://127.0.0.1:{port}/"], SECRET, 5).nexus_audit_event(make_event())


def test_a_receiver_slower_than_the_timeout_raises(receiver):
    with pytest.raises(WebhookDeliveryError, match="timed out"):
        WebhookAuditSink([receiver.url("/slow")], SECRET, 0.2).nexus_audit_event(make_event())


def test_the_sink_refuses_to_send_unsigned_events():
    with pytest.raises(ImproperlyConfigured, match="WEBHOOK_SECRET"):
        WebhookAuditSink(["https://hooks.example.com/"], "", 5)


def test_the_webhook_sink_is_not_registered_without_urls():
    assert get_plugin_manager().get_plugin(WEBHOOK_PLUGIN_NAME) is None


def test_the_webhook_sink_is_registered_as_a_builtin_when_urls_are_set():
    with override_settings(
        NEXUS_CATALOG={"WEBHOOK_URLS": ["https://hooks.example.com/"], "WEBHOOK_SECRET": SECRET}
    ):
        pm = get_plugin_manager()
        sink = pm.get_plugin(WEBHOOK_PLUGIN_NAME)

    assert isinstance(sink, WebhookAuditSink)
    assert sink.urls == ["https://hooks.example.com/"]
    assert pm.origin_of(WEBHOOK_PLUGIN_NAME) == PluginOrigin(PluginOrigin.BUILTIN)


@pytest.mark.django_db
def test_a_delivered_audit_row_reaches_the_webhook(receiver):
    log = AuditLog.objects.create(
        action="category.deleted", object_type="nexus_catalog.category", object_id="5"
    )
    settings = {"WEBHOOK_URLS": [receiver.url("/ok")], "WEBHOOK_SECRET": SECRET}

    with override_settings(NEXUS_CATALOG=settings):
        assert deliver(log.event_id) is True

    [request] = receiver.requests
    assert json.loads(request.body)["event_id"] == str(log.event_id)
    assert request.headers["X-Nexus-Signature"] == expected_signature(request.body)


@pytest.mark.django_db
def test_a_failing_webhook_leaves_the_event_undelivered(receiver):
    log = AuditLog.objects.create(
        action="category.deleted", object_type="nexus_catalog.category", object_id="5"
    )
    settings = {"WEBHOOK_URLS": [receiver.url("/error")], "WEBHOOK_SECRET": SECRET}

    with override_settings(NEXUS_CATALOG=settings):
        assert deliver(log.event_id) is False

    log.refresh_from_db()
    assert log.delivered_at is None
