"""The contract tests serve the example project's URLs, schema included, in-process."""

from __future__ import annotations

import pytest

from tests.contract.transport import swagger_client


@pytest.fixture(autouse=True)
def example_urls(settings):
    settings.ROOT_URLCONF = "example_project.urls"


@pytest.fixture
def api(db, example_urls):
    """The bravado client of the served ``/swagger.json``."""
    return swagger_client()
