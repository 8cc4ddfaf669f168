"""The test suite's host project (``tests.settings``) as a WSGI application, for the fault
tests that serve it with real gunicorn processes."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

application = get_wsgi_application()
