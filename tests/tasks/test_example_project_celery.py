"""The example project's Celery wiring: eager without a broker, a real one with it, and a
beat schedule of tasks that exist."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

import pytest
from celery._state import get_current_app

import nexus_catalog.tasks
from nexus_catalog.tasks import (
    cancel_unpaid_orders,
    purge_idempotency_records,
    purge_old_carts,
    reconcile_payments,
    redeliver_audit_events,
)


def load_example_settings(monkeypatch, **env: str) -> ModuleType:
    monkeypatch.setenv("DEBUG", "True")
    # Set empty rather than unset: a developer's example_project/.env must not fill it in.
    monkeypatch.setenv("CELERY_BROKER_URL", "")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delitem(sys.modules, "example_project.settings", raising=False)
    return importlib.import_module("example_project.settings")


@pytest.fixture(autouse=True)
def forget_example_settings(monkeypatch):
    # Loaded with this test's environment, then dropped, so no other test sees it.
    monkeypatch.delitem(sys.modules, "example_project.settings", raising=False)


@pytest.fixture(autouse=True)
def keep_the_suite_celery_app():
    # Importing example_project creates its Celery app, which makes itself current.
    previous = get_current_app()
    yield
    previous.set_current()


def test_without_a_broker_url_tasks_run_eagerly(monkeypatch):
    settings = load_example_settings(monkeypatch)

    assert settings.CELERY_TASK_ALWAYS_EAGER is True


def test_with_a_broker_url_tasks_go_to_the_broker(monkeypatch):
    settings = load_example_settings(monkeypatch, CELERY_BROKER_URL="redis://127.0.0.1:6379/1")

    assert settings.CELERY_BROKER_URL == "redis://127.0.0.1:6379/1"
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


def test_the_beat_schedule_runs_the_four_sweeps(monkeypatch):
    settings = load_example_settings(monkeypatch)

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == {
        redeliver_audit_events.name,
        cancel_unpaid_orders.name,
        purge_idempotency_records.name,
        purge_old_carts.name,
        reconcile_payments.name,
    }
    for name in scheduled:
        assert callable(getattr(nexus_catalog.tasks, name.rsplit(".", 1)[1]))


def test_the_example_celery_app_is_configured_from_the_django_settings():
    from example_project.celery import app

    assert app.main == "example_project"
    assert app.conf.task_always_eager is True  # tests.settings: no broker
