from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.idempotency import views

ECHO = "/api/_test/echo/"


@pytest.fixture(autouse=True)
def _reset_view_calls():
    views.calls.clear()
    views.BlockingView.entered.clear()
    views.BlockingView.release.clear()
    yield
    views.BlockingView.release.set()  # never leave a blocked thread behind


@pytest.fixture
def idempotency_settings(settings):
    """``idempotency_settings(**inner)``: override keys of ``NEXUS_CATALOG["IDEMPOTENCY"]``."""

    def apply(**inner: Any) -> None:
        settings.NEXUS_CATALOG = {"IDEMPOTENCY": inner}

    return apply


def send(
    client: APIClient,
    data: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    path: str = ECHO,
    method: str = "post",
    **extra: Any,
):
    """One JSON request through the middleware, with ``Idempotency-Key: key`` when given."""
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return getattr(client, method)(path, data if data is not None else {}, format="json", **extra)
