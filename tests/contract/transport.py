"""bravado's HTTP client, with Django's test client for a network.

bravado sends every request through a ``requests`` session (``RequestsClient``); mounting
:class:`DjangoTestClientAdapter` on that session hands each prepared request to Django's
test client instead of a socket. Everything above the transport is bravado's own code:
building the request from the schema, validating it, and validating and unmarshalling the
response. Django's test client runs the request in the test's thread and database
transaction, so the contract test runs inside a plain ``django_db`` test, on SQLite and on
PostgreSQL alike, without a server process.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from bravado.client import SwaggerClient
from bravado.requests_client import RequestsClient
from django.test import Client
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

ORIGIN = "http://testserver"

#: bravado validates both ways and hands back plain dicts with the raw response.
BRAVADO_CONFIG = {
    "validate_swagger_spec": True,
    "validate_requests": True,
    "validate_responses": True,
    "use_models": False,
    "also_return_response": True,
    # A property missing from a response stays missing (bravado would add it as None).
    "include_missing_properties": False,
}

# Headers that Django's test client sets from its own arguments.
_BODY_HEADERS = frozenset({"content-type", "content-length", "host"})


class DjangoTestClientAdapter(BaseAdapter):
    """A ``requests`` transport adapter that answers through ``django.test.Client``."""

    def __init__(self, client: Client | None = None) -> None:
        super().__init__()
        self.client = client or Client()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = urlsplit(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        answer = self.client.generic(
            request.method,
            f"{url.path}?{url.query}" if url.query else url.path,
            data=body,
            content_type=request.headers.get("Content-Type", "application/octet-stream"),
            headers={k: v for k, v in request.headers.items() if k.lower() not in _BODY_HEADERS},
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.reason = answer.reason_phrase
        response.headers = CaseInsensitiveDict(answer.items())
        response._content = answer.content
        response.encoding = answer.charset
        response.url = request.url
        response.request = request
        return response

    def close(self) -> None:
        pass


def swagger_client(schema_path: str = "/swagger.json") -> SwaggerClient:
    """A bravado client built from the schema the app serves at ``schema_path``, talking to
    the app in-process."""
    http_client = RequestsClient()
    http_client.session.mount(f"{ORIGIN}/", DjangoTestClientAdapter())
    # A copy: bravado takes its own keys (also_return_response...) out of the dict it gets.
    return SwaggerClient.from_url(
        f"{ORIGIN}{schema_path}", http_client=http_client, config=dict(BRAVADO_CONFIG)
    )
