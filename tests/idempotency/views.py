"""Test-only views behind the idempotency middleware, mounted under ``/api/_test/``.

``EchoView`` answers what the body asks for: ``{"status": 400}`` sets the status,
``{"retry_after": 1}`` adds that header, ``{"raise": true}`` raises, ``{"pad": n}`` adds
``n`` bytes to the body, ``{"stream": true}`` streams, ``{"write": "name"}`` creates a
category of that name, ``{"after_commit_raise": true}`` schedules an after-commit callback
that raises, ``{"probe": true}`` reports how many idempotency records another database
connection sees while the view runs. Every view counts its calls in :data:`calls`, so a test
sees whether it ran.
"""

from __future__ import annotations

import threading
from collections import Counter

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from nexus_catalog.idempotency.exempt import idempotency_exempt
from nexus_catalog.models import Category, IdempotencyRecord

calls: Counter[str] = Counter()
_calls_lock = threading.Lock()


def count(name: str) -> int:
    with _calls_lock:
        calls[name] += 1
        return calls[name]


def _count_records_from_another_connection() -> int:
    # Another thread has its own connection: it sees only what was committed.
    seen: list[int] = []

    def probe() -> None:
        try:
            seen.append(IdempotencyRecord.objects.count())
        finally:
            connection.close()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return seen[0]


class EchoView(APIView):
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response | StreamingHttpResponse:
        call = count("echo")
        data = request.data if isinstance(request.data, dict) else {}
        if data.get("raise"):
            raise RuntimeError("the echo view was asked to fail")
        if data.get("write"):
            Category.objects.create(name=str(data["write"]))
        if data.get("after_commit_raise"):
            transaction.on_commit(_fail_after_commit)
        if data.get("stream"):
            return StreamingHttpResponse(iter([b"streamed ", b"body"]), status=201)
        payload = {"call": call, "data": data, "user": request.user.pk}
        if data.get("probe"):
            payload["records_seen_elsewhere"] = _count_records_from_another_connection()
        if data.get("pad"):
            payload["pad"] = "x" * int(data["pad"])
        headers = {"Retry-After": str(data["retry_after"])} if "retry_after" in data else None
        return Response(payload, status=int(data.get("status", 201)), headers=headers)

    put = patch = delete = post

    def get(self, request: Request) -> Response:
        return Response({"call": count("echo")})


def _fail_after_commit() -> None:
    raise RuntimeError("an after-commit callback failed")


class PostOnlyView(APIView):
    """Answers any other method with DRF's 405 and its ``Allow`` header."""

    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        return Response({"call": count("post-only")}, status=201)


class PrivateEchoView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        return Response({"call": count("private"), "user": request.user.pk}, status=201)


class BlockingView(APIView):
    """Holds the request open until the test sets :data:`release` (with real threads)."""

    permission_classes = [AllowAny]
    entered = threading.Event()
    release = threading.Event()

    def post(self, request: Request) -> Response:
        call = count("blocking")
        type(self).entered.set()
        type(self).release.wait(timeout=30)
        status = request.data.get("status", 201) if isinstance(request.data, dict) else 201
        return Response({"call": call}, status=int(status))


@csrf_exempt
def plain_view(request: HttpRequest) -> JsonResponse:
    """A plain Django view: the middleware is not tied to DRF."""
    user = request.user.pk if request.user.is_authenticated else None
    return JsonResponse({"call": count("plain"), "user": user}, status=201)


@idempotency_exempt
class ExemptView(APIView):
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        return Response({"call": count("exempt")}, status=201)


@idempotency_exempt
@csrf_exempt
def exempt_plain_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"call": count("exempt")}, status=201)
