"""The Celery app of the test suite, configured from ``tests.settings`` (``CELERY_*``).

The package's tasks are ``shared_task``: they bind to whichever app is current, so
importing this module (``tests/conftest.py`` does) is all the suite needs. Tasks run
eagerly unless a test starts a worker of its own (``tests/tasks/``).
"""

from celery import Celery

app = Celery("nexus_tests")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.set_default()
