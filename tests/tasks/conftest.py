"""Fixtures of the task tests: sinks registered for one test, Celery apps with a broker of
their own (a real Redis, or one that is down), and a worker in a thread."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from celery import Celery
from celery._state import get_current_app
from celery.signals import task_postrun

import tests.celery_app
from nexus_catalog.plugins.hookspecs import hookimpl
from nexus_catalog.plugins.types import AuditEvent
from tests.factories import CategoryFactory, ProductFactory, UserFactory

REDIS_URL = os.environ.get("NEXUS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# A port nothing listens on: every connection is refused at once.
DOWN_BROKER_URL = "redis://127.0.0.1:1/0"
# How long a test waits for a worker before it fails (a bound, not a pace).
WORKER_TIMEOUT = 30


class RecordingSink:
    """An audit sink that keeps every event it receives (thread-safe: a worker thread
    may be the caller)."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []
        self._lock = threading.Lock()

    @hookimpl
    def nexus_audit_event(self, event: AuditEvent) -> None:
        with self._lock:
            self.events.append(event)

    def received(self, event_id: Any) -> int:
        return sum(e.event_id == str(event_id) for e in self.events)


class FlakySink(RecordingSink):
    """Raises on its first ``failures`` calls, then records like :class:`RecordingSink`."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.calls = 0

    @hookimpl
    def nexus_audit_event(self, event: AuditEvent) -> None:
        with self._lock:
            self.calls += 1
            if self.calls <= self.failures:
                raise ConnectionError(f"sink down (call {self.calls})")
        super().nexus_audit_event(event)


@pytest.fixture
def customer(db):
    return UserFactory(email="buyer@example.com")


@pytest.fixture
def product(db):
    return ProductFactory(category=CategoryFactory(), price="12.50", stock=10)


@contextmanager
def current_celery_app(app: Celery) -> Iterator[Celery]:
    """Make ``app`` the one the shared tasks bind to, then restore the suite's."""
    previous = get_current_app()
    app.set_current()
    try:
        yield app
    finally:
        previous.set_current()
        tests.celery_app.app.set_default()


def make_celery_app(broker_url: str, **conf: Any) -> Celery:
    """A Celery app that sends to ``broker_url`` (not eager), not yet current."""
    app = Celery("nexus_task_tests", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_always_eager=False,
        task_ignore_result=True,
        worker_hijack_root_logger=False,
        broker_connection_timeout=1,
        broker_connection_retry_on_startup=False,
        task_publish_retry_policy={"max_retries": 0},
        **conf,
    )
    return app


@pytest.fixture
def broker_down_app() -> Iterator[Celery]:
    """The current Celery app sends to a broker that refuses every connection."""
    app = make_celery_app(DOWN_BROKER_URL, broker_transport_options={"max_retries": 0})
    with current_celery_app(app):
        yield app


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The test Redis, flushed; skipped when unreachable, but a failure on CI."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        message = f"Redis is not reachable at {REDIS_URL} ({exc}); set NEXUS_TEST_REDIS_URL"
        if os.environ.get("CI"):
            pytest.fail(f"CI: {message}")
        pytest.skip(f"needs Redis: {message}")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


@dataclass(frozen=True)
class FinishedTask:
    name: str
    state: str  # SUCCESS, RETRY, FAILURE
    args: tuple
    kwargs: dict[str, Any]
    result: Any

    @property
    def first_argument(self) -> Any:
        """The task's first argument, sent positionally or by name (a retry sends kwargs)."""
        if self.args:
            return self.args[0]
        return next(iter(self.kwargs.values()), None)


class TaskWatcher:
    """Every task that finished in this process, with a way to wait until some have (a
    condition variable: no polling, no sleep)."""

    def __init__(self) -> None:
        self.finished: list[FinishedTask] = []
        self._condition = threading.Condition()

    def on_postrun(self, sender=None, args=None, kwargs=None, retval=None, state=None, **extra):
        # Runs in the worker thread: its database connection is closed here, so none is
        # left open when the test database is torn down.
        from django.db import connection

        connection.close()
        task = FinishedTask(sender.name, state, tuple(args or ()), dict(kwargs or {}), retval)
        with self._condition:
            self.finished.append(task)
            self._condition.notify_all()

    def runs_of(self, name: str, first_argument: Any) -> list[FinishedTask]:
        with self._condition:
            return [
                t for t in self.finished if t.name == name and t.first_argument == first_argument
            ]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = WORKER_TIMEOUT) -> None:
        """Wait until ``predicate()`` is true (re-checked whenever a task finishes)."""
        with self._condition:
            if not self._condition.wait_for(predicate, timeout):
                raise AssertionError(f"Timed out; tasks finished so far: {self.finished}")


@pytest.fixture
def worker(redis_url: str) -> Iterator[tuple[Celery, TaskWatcher]]:
    """A Celery worker in a thread on the test Redis; the shared tasks send to it."""
    from celery.contrib.testing.worker import start_worker

    app = make_celery_app(redis_url)
    watcher = TaskWatcher()
    task_postrun.connect(watcher.on_postrun, weak=False)
    try:
        with (
            current_celery_app(app),
            start_worker(
                app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
            ),
        ):
            yield app, watcher
    finally:
        task_postrun.disconnect(watcher.on_postrun)
