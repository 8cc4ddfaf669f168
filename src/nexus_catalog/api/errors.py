"""JSON errors for everything under the API.

* :func:`exception_handler` is the DRF exception handler of the catalog viewsets: it maps
  the engine's :class:`~nexus_catalog.exceptions.NexusError` subclasses to status codes,
  a database that went away to a 503, and defers to DRF's handler for the rest. The
  viewsets use it through their ``get_exception_handler`` (see
  :class:`nexus_catalog.api.views.CatalogViewSetMixin`), so a host need not set
  ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``; a host that wants it for its own views may set
  it there.
* :func:`handler400`, :func:`handler403`, :func:`handler404` and :func:`handler500` are
  Django's error views for the host's root URLconf: JSON in DRF's shape for a path under
  ``/api/`` (or a request that accepts only JSON), Django's own HTML pages otherwise::

      handler404 = "nexus_catalog.api.errors.handler404"
      handler500 = "nexus_catalog.api.errors.handler500"

  ``handler400`` answers a body over Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` with a 413.

No message carries a traceback, SQL or an exception's text: the details go to the log.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from nexus_catalog.exceptions import (
    CartClosed,
    CartNotFound,
    CategoryNotEmpty,
    CheckoutTotalChanged,
    FieldErrors,
    GuestCheckoutDisabled,
    NexusError,
    OrderRefused,
    OrderTransitionDenied,
    PaymentError,
    PaymentProviderError,
    PricingError,
    ProductInUse,
    RefundRefused,
    TransitionForbidden,
    UnknownPaymentProvider,
    VoucherInUse,
    WebhookSignatureError,
)

logger = logging.getLogger(__name__)

API_PATH_PREFIX = "/api/"

#: Status code of each engine error; a subclass takes its nearest listed ancestor's code.
STATUS_CODES: dict[type[NexusError], int] = {
    FieldErrors: status.HTTP_400_BAD_REQUEST,
    OrderRefused: status.HTTP_400_BAD_REQUEST,
    PricingError: status.HTTP_400_BAD_REQUEST,
    OrderTransitionDenied: status.HTTP_400_BAD_REQUEST,
    TransitionForbidden: status.HTTP_403_FORBIDDEN,
    CategoryNotEmpty: status.HTTP_409_CONFLICT,
    ProductInUse: status.HTTP_409_CONFLICT,
    CartNotFound: status.HTTP_404_NOT_FOUND,
    GuestCheckoutDisabled: status.HTTP_401_UNAUTHORIZED,
    CartClosed: status.HTTP_409_CONFLICT,
    CheckoutTotalChanged: status.HTTP_409_CONFLICT,
    VoucherInUse: status.HTTP_409_CONFLICT,
    PaymentError: status.HTTP_400_BAD_REQUEST,
    UnknownPaymentProvider: status.HTTP_400_BAD_REQUEST,
    WebhookSignatureError: status.HTTP_400_BAD_REQUEST,
    # Refused or unreachable: never stored by the idempotency middleware (a 5xx), so a
    # retry with the same key asks the provider again, with the same key.
    PaymentProviderError: status.HTTP_502_BAD_GATEWAY,
    RefundRefused: status.HTTP_409_CONFLICT,
    NexusError: status.HTTP_400_BAD_REQUEST,
}

UNAVAILABLE = "The service is temporarily unavailable; please retry shortly."
CONFLICT = "The request conflicts with a concurrent change; please retry."
SERVER_ERROR = "A server error occurred."


def status_code_for(exc: NexusError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return status.HTTP_400_BAD_REQUEST


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus the engine's errors and database outages.

    Returns ``None`` for an unexpected exception, which Django then answers with
    ``handler500`` (JSON under ``/api/``) after logging it.
    """
    if isinstance(exc, NexusError):
        return Response(exc.detail, status=status_code_for(exc))
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.error("Database unavailable", exc_info=exc)
        return Response(
            {"detail": UNAVAILABLE},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, IntegrityError):
        # The validators ran before the write, so this is a race with another request
        # (two creations of the same SKU at once): the client may retry and get a 400.
        # Retry-After says so, which also keeps the idempotency middleware from storing it.
        logger.warning("Integrity error answered with 409", exc_info=exc)
        return Response(
            {"detail": CONFLICT}, status=status.HTTP_409_CONFLICT, headers={"Retry-After": "1"}
        )
    return drf_exception_handler(exc, context)


def wants_json(request: HttpRequest) -> bool:
    """A path under the API, or a client that asked for JSON rather than HTML."""
    if request.path.startswith(API_PATH_PREFIX):
        return True
    accept = request.META.get("HTTP_ACCEPT", "")
    return "application/json" in accept and "text/html" not in accept


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        if isinstance(exception, RequestDataTooBig):
            # Django refuses the body before reading it, by its Content-Length.
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return JsonResponse(
                {"detail": f"The request body is too large: at most {limit} bytes."}, status=413
            )
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return JsonResponse(
            {"detail": "You do not have permission to perform this action."}, status=403
        )
    return defaults.permission_denied(request, exception)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """A catch-all view for the end of a host's ``/api/`` URLs: a JSON 404 for any method.

    Django shows its HTML debug page for an unmatched URL when ``DEBUG`` is on, whatever
    ``handler404`` says; a route that matches everything left under ``/api/`` keeps the API's
    errors JSON in development too. CSRF-exempt, so that a write to an unknown path is a 404
    rather than a CSRF failure.
    """
    return JsonResponse({"detail": "Not found."}, status=404)


def handler500(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        # Django calls this while handling the exception: a database outage is a 503.
        exc = sys.exc_info()[1]
        if isinstance(exc, (OperationalError, InterfaceError)):
            return JsonResponse({"detail": UNAVAILABLE}, status=503, headers={"Retry-After": "5"})
        return JsonResponse({"detail": SERVER_ERROR}, status=500)
    return defaults.server_error(request)
