"""The webhook audit sink: every audit event POSTed as signed JSON to the configured URLs.

Each request carries the event as a JSON body and these headers:

``X-Nexus-Signature``
    ``sha256=`` followed by the hex HMAC-SHA256 of the raw body, keyed with
    ``NEXUS_CATALOG["WEBHOOK_SECRET"]``. A receiver recomputes it over the bytes it received
    and compares in constant time (``hmac.compare_digest``) before trusting the body.
``X-Nexus-Event-Id``
    The event id. Delivery is at-least-once (a failed delivery is retried, for every URL),
    so a receiver deduplicates on it.
``X-Nexus-Event``
    The event's action, such as ``order.created``, to route without parsing the body.

A response other than 2xx (redirects are not followed) or a network error makes the sink
raise once every URL has been tried, so the delivery is retried.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
from collections.abc import Sequence
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from nexus_catalog.plugins.hookspecs import hookimpl
from nexus_catalog.plugins.types import AuditEvent

SIGNATURE_HEADER = "X-Nexus-Signature"
EVENT_ID_HEADER = "X-Nexus-Event-Id"
EVENT_HEADER = "X-Nexus-Event"
USER_AGENT = "django-nexus-commerce-webhook"


class WebhookDeliveryError(Exception):
    """At least one URL did not take the event; ``failures`` maps each such URL to why."""

    def __init__(self, event_id: str, failures: dict[str, str]) -> None:
        self.event_id = event_id
        self.failures = failures
        detail = "; ".join(f"{url}: {reason}" for url, reason in failures.items())
        super().__init__(f"Webhook delivery of event {event_id} failed: {detail}")


def sign(body: bytes, secret: str) -> str:
    """The ``X-Nexus-Signature`` header value for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_configuration_errors(urls: Sequence[str], secret: str) -> list[str]:
    """What is wrong with the webhook settings, one message each; empty when fine."""
    if isinstance(urls, str):
        return [f"NEXUS_CATALOG['WEBHOOK_URLS'] must be a list of URLs, not {urls!r}."]
    errors = []
    if urls and not secret:
        errors.append(
            "NEXUS_CATALOG['WEBHOOK_URLS'] is set but NEXUS_CATALOG['WEBHOOK_SECRET'] is "
            "empty: receivers could not verify the events."
        )
    for url in urls:
        parts = urlsplit(url) if isinstance(url, str) else None
        # urllib would also open file: and ftp: URLs; a webhook is HTTP and nothing else.
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            errors.append(f"NEXUS_CATALOG['WEBHOOK_URLS']: {url!r} is not an http(s) URL.")
    return errors


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirected POST would be replayed as a GET without the body; treat it as a failure.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class WebhookAuditSink:
    """POSTs each audit event to every URL of ``urls``, signed with ``secret``."""

    def __init__(self, urls: Sequence[str], secret: str, timeout: float) -> None:
        errors = webhook_configuration_errors(urls, secret)
        if errors:
            raise ImproperlyConfigured(" ".join(errors))
        self.urls = list(urls)
        self.secret = secret
        self.timeout = timeout

    def body(self, event: AuditEvent) -> bytes:
        return json.dumps(
            event.to_dict(), sort_keys=True, separators=(",", ":"), default=str
        ).encode()

    @hookimpl
    def nexus_audit_event(self, event: AuditEvent) -> None:
        body = self.body(event)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(body, self.secret),
            EVENT_ID_HEADER: event.event_id,
            EVENT_HEADER: event.action,
        }
        opener = urllib.request.build_opener(_NoRedirect)
        failures: dict[str, str] = {}
        # Every URL is tried even after one fails, so one receiver down does not starve
        # the others; the retry then repeats the event for all of them (at-least-once).
        for url in self.urls:
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                with opener.open(request, timeout=self.timeout) as response:
                    if not 200 <= response.status < 300:
                        failures[url] = f"HTTP {response.status}"
            except HTTPError as exc:
                failures[url] = f"HTTP {exc.code}"
            except (URLError, OSError) as exc:
                failures[url] = str(getattr(exc, "reason", exc))
        if failures:
            raise WebhookDeliveryError(event.event_id, failures)
