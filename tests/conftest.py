"""Shared fixtures. Plugins found through entry points are skipped: the suite stays hermetic."""

import os
from collections.abc import Callable, Iterator
from typing import Any

os.environ.setdefault("NEXUS_DISABLE_PLUGIN_AUTOLOAD", "1")

import pytest
from rest_framework.test import APIClient

# The suite's Celery app: the package's shared tasks bind to it (eager by default).
import tests.celery_app  # noqa: F401


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def customer(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def staff(db):
    from tests.factories import StaffUserFactory

    return StaffUserFactory()


@pytest.fixture
def category(db):
    from tests.factories import CategoryFactory

    return CategoryFactory()


@pytest.fixture
def auth_client(db):
    """``auth_client(user)``: a new ``APIClient`` authenticated as ``user`` (no token round trip)."""

    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture(autouse=True)
def fresh_plugin_manager() -> Iterator[None]:
    """Every test starts from a manager built from its own settings, and leaves none behind."""
    from nexus_catalog.plugins.manager import reset_plugin_manager

    reset_plugin_manager()
    yield
    reset_plugin_manager()


@pytest.fixture
def register_plugin() -> Callable[[Any, str], Any]:
    """``register_plugin(plugin, name)``: on the plugin manager for this test only."""
    from nexus_catalog.plugins.manager import get_plugin_manager

    def register(plugin: Any, name: str) -> Any:
        get_plugin_manager().register(plugin, name=name)
        return plugin

    return register


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counters live in the cache; one test's requests must not throttle the next.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _on_postgres() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"].endswith(("postgresql", "postgis"))


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need PostgreSQL: skipped elsewhere, a failure on CI.

    ``make test`` deselects them in its SQLite pass (``-m "not postgres"``) and runs them in
    its PostgreSQL pass, so on CI they always run; see ``pytest_runtest_setup``.
    """
    if _on_postgres() or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set NEXUS_TEST_DATABASE_URL")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and os.environ.get("CI") and not _on_postgres():
        pytest.fail("CI: this test needs PostgreSQL; set NEXUS_TEST_DATABASE_URL", pytrace=False)
