"""The example project's own page: a landing page at ``/`` that links what the project serves."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

#: Where the documentation is published (``make docs`` builds the same pages locally).
DOCS_URL = "https://django-nexus-commerce.readthedocs.io/"


def home(request: HttpRequest) -> HttpResponse:
    # The demo logins are shown only in DEBUG (the local demo of `make run`): a deployment
    # must not advertise them, whether or not it seeded the demo data.
    context = {"demo": settings.DEBUG, "docs_url": DOCS_URL, "email_folder": email_folder()}
    return render(request, "home.html", context)


def email_folder() -> str | None:
    """The folder the file e-mail backend writes to, if that is the backend in use."""
    if settings.EMAIL_BACKEND != "django.core.mail.backends.filebased.EmailBackend":
        return None
    return str(settings.EMAIL_FILE_PATH)
