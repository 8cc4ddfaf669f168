"""The example host project. Its Celery app is loaded with Django, so that the package's
shared tasks bind to it whichever process (web, worker, beat) sends them."""

from example_project.celery import app as celery_app

__all__ = ("celery_app",)
