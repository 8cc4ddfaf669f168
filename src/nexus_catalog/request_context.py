"""Where a request came from: its id, the client's IP address, and the
:class:`~nexus_catalog.services.audit.AuditContext` they make for the audit rows.

Shared by the API views and the admin (neither imports the other).
"""

from __future__ import annotations

import ipaddress
import re
import uuid

from django.http import HttpRequest

from nexus_catalog.services.audit import AuditContext

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id(request: HttpRequest) -> str:
    """The client's ``X-Request-ID`` when well-formed, else a new one; the same for the
    whole request."""
    known = getattr(request, "_nexus_request_id", None)
    if known:
        return known
    sent = request.META.get("HTTP_X_REQUEST_ID", "")
    value = sent if _REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
    request._nexus_request_id = value
    return value


def client_ip(request: HttpRequest) -> str | None:
    """``REMOTE_ADDR``, when it is an IP address.

    Forwarded headers are not trusted here: behind a proxy, set ``REMOTE_ADDR`` from them
    in a middleware that knows which proxies to trust.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        return None


def audit_context(request: HttpRequest) -> AuditContext:
    """The request id and client IP of ``request``, for the audit rows of its changes."""
    return AuditContext(request_id=request_id(request), ip_address=client_ip(request))
