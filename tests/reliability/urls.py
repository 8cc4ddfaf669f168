"""The example project's URLs plus views that crash, to see what a client gets then."""

from __future__ import annotations

from django.conf import settings
from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from example_project.urls import handler400, handler403, handler404, handler500
from example_project.urls import urlpatterns as example_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def crash_message() -> str:
    """What an unguarded error page would show: SQL, a setting, the secret key."""
    return f"SELECT password FROM auth_user; DATABASES={settings.DATABASES}; {settings.SECRET_KEY}"


def django_crash(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    raise RuntimeError(crash_message())


def database_outage(request: HttpRequest) -> HttpResponse:
    raise OperationalError(f"could not connect to server: {crash_message()}")


class DrfCrash(APIView):
    permission_classes = ()

    def get(self, request: Request) -> Response:
        raise RuntimeError(crash_message())


urlpatterns = [
    path("api/_crash/django/", django_crash),
    path("api/_crash/drf/", DrfCrash.as_view()),
    path("api/_crash/database/", database_outage),
    path("shop/_crash/", django_crash),
    *example_urlpatterns,
]
