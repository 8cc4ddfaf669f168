"""nexus_catalog.E006: a database that cannot take stock with UPDATE ... RETURNING is
reported at start-up, not at the first order."""

from __future__ import annotations

import pytest
from django.db import connection

from nexus_catalog.checks import check_database


def ids() -> list[str]:
    return [message.id for message in check_database()]


def test_the_test_database_can_take_stock():
    assert ids() == []


def test_a_database_without_update_returning_is_e006(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "mysql")

    assert ids() == ["nexus_catalog.E006"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's library version")
def test_sqlite_before_3_35_is_e006(monkeypatch):
    monkeypatch.setattr(connection.Database, "sqlite_version_info", (3, 34, 1))

    assert ids() == ["nexus_catalog.E006"]
