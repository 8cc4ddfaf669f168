"""The example project's Celery app: ``celery -A example_project worker`` / ``beat``.

Configured from the Django settings (the ``CELERY_*`` names). With ``CELERY_BROKER_URL``
unset, ``CELERY_TASK_ALWAYS_EAGER`` is on and every task runs in the process that sends it,
so the demo needs no broker. The package's tasks are ``shared_task``: they are found in
``nexus_catalog.tasks`` by ``autodiscover_tasks``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")

app = Celery("example_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
