"""``IdempotencyMiddleware``: a retried write with the same ``Idempotency-Key`` runs once.

Add it to ``MIDDLEWARE`` after ``AuthenticationMiddleware``. It works for any view of the
host project, DRF or not; configuration is ``NEXUS_CATALOG["IDEMPOTENCY"]``.

For a request whose method is in ``METHODS`` and whose path is under ``PATH_PREFIXES`` (or
``REQUIRED``) and that carries the header:

1. the key is read (bare or an RFC 8941 string; 1 to 255 printable ASCII, else 400);
2. the caller is resolved: the view's DRF authenticators run against the request (so a JWT
   caller is that user, not ``AnonymousUser``), falling back to the session user; the scope is
   ``user:<pk>`` or ``anon``, which a view may narrow for a credential of its own
   (:data:`ANONYMOUS_SCOPE_HOOK`: a guest's order secret makes ``anon:guest:<digest>``, so a
   stored answer about a guest order is replayed only to a holder of its secret). A request whose credentials do not authenticate is passed to the
   view untouched (which answers 401) and nothing is stored;
3. one transaction holds everything: the key's record is inserted, the view runs, and its
   answer is stored in the record; then it commits. An answer that must not be stored (a
   5xx, 401, 408, 429, or any answer with ``Retry-After``) rolls the whole transaction back,
   the view's writes included, so the retry runs against nothing committed;
4. a duplicate waits on the record's unique index while the first request runs, then gets
   the stored answer with ``Idempotent-Replayed: true`` (same request) or 422 (same key,
   another request); past ``LOCK_TIMEOUT`` it gets 409 with ``Retry-After``.

Once the transaction has committed, nothing can turn the answer into an error: an
after-commit callback that raises is logged. The status, the content type, the body and the
headers that define the answer (:data:`ANSWER_HEADERS`) are replayed. A view decorated with
:func:`~nexus_catalog.idempotency.exempt.idempotency_exempt` is never handled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.http.request import RawPostDataException
from django.urls import Resolver404, resolve
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings as drf_settings
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from nexus_catalog.conf import catalog_settings
from nexus_catalog.idempotency import store
from nexus_catalog.idempotency.exempt import EXEMPT_ATTRIBUTE
from nexus_catalog.idempotency.keys import MAX_KEY_LENGTH, MalformedKey, parse_key
from nexus_catalog.idempotency.keys import request_fingerprint as make_fingerprint

logger = logging.getLogger("nexus_catalog.idempotency")

REPLAYED_HEADER = "Idempotent-Replayed"
ANONYMOUS_SCOPE = "anon"
#: A view class may define this static method, ``(request: HttpRequest) -> str | None``: for
#: an anonymous caller, a refinement of the scope naming a credential the view accepts other
#: than a user's (a digest of it, never the credential: the scope is stored), or None.
ANONYMOUS_SCOPE_HOOK = "anonymous_idempotency_scope"
#: The response headers stored and replayed with the status and body: those that define the
#: answer (a 405's ``Allow``, a 201's ``Location``), not those of one delivery of it.
ANSWER_HEADERS = (
    "Allow",
    "Location",
    "Content-Location",
    "Content-Language",
    "Content-Disposition",
    "Link",
    "ETag",
    "Last-Modified",
)
# Statuses that ask the client to try again (later, or authenticated): storing them would
# replay the refusal to the retry. So does any answer carrying Retry-After.
_RETRY_STATUSES = frozenset({401, 408, 429})
# A key found free again after a failed claim (its record expired) is claimed this often.
_CLAIM_ATTEMPTS = 3


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        config = catalog_settings.IDEMPOTENCY
        header = config["HEADER"]
        if not _applies(request, config):
            return self.get_response(request)

        raw_key = request.headers.get(header)
        required = _under(request.path_info, config["REQUIRED"])
        if raw_key is None and not required:
            return self.get_response(request)
        view = _resolve_view(request)
        if view is None or view.exempt:
            return self.get_response(request)  # a 404, or a view that opted out
        if raw_key is None:
            return _error(400, f"The {header} header is required for this request.")
        try:
            key = parse_key(raw_key)
        except MalformedKey as exc:
            return _error(
                400,
                f"The {header} header must be 1 to {MAX_KEY_LENGTH} printable ASCII "
                f"characters, bare or as a quoted string: {exc}.",
            )

        try:
            body = request.body  # read now: cached, so the view can still parse it
        except RawPostDataException:
            logger.warning(
                "%s %s: the body was read as a stream before IdempotencyMiddleware; "
                "%s is ignored. Place the middleware earlier.",
                request.method,
                request.path,
                header,
            )
            return self.get_response(request)

        scope = resolve_scope(request, view.view_class)
        if scope is None:
            return self.get_response(request)

        claim = {
            "scope": scope,
            "method": request.method or "",
            "path": request.path,
            "key": key,
            "fingerprint": make_fingerprint(
                request.method or "", request.path, request.META.get("QUERY_STRING", ""), body
            ),
        }
        for _attempt in range(_CLAIM_ATTEMPTS):
            try:
                return self._run(request, claim)
            except store.KeyTaken as taken:
                outcome: store.Outcome | None = taken.outcome
                if outcome.kind == "replay":  # a committed record: read it, outside the
                    outcome = store.existing(**claim)  # transaction that failed
                if outcome is not None:
                    return _answer_duplicate(outcome, header)
        return _answer_duplicate(store.Outcome("in_progress"), header)

    def _run(self, request: HttpRequest, claim: dict[str, str]) -> HttpResponseBase:
        """Claim, run the view and store its answer in one transaction; see the module."""
        alias = store.db_alias()
        committed = _CommitSeen()
        response: HttpResponseBase | None = None
        try:
            with transaction.atomic(using=alias):
                record = store.claim(**claim)
                # The first callback of the transaction: it runs before any the view adds.
                transaction.on_commit(committed.mark, using=alias)
                response = self.get_response(request)
                answer = _storable_answer(request, response)
                if answer is None:
                    raise _RollBack
                store.store_response(record, **answer)
        except _RollBack:
            pass
        except store.KeyTaken:
            raise
        except Exception:
            if not committed.seen or response is None:
                raise  # nothing committed: the error is the answer, and a retry runs again
            # Committed, answer stored: an after-commit callback failed. The client gets the
            # committed answer, as its retry would.
            logger.exception(
                "%s %s: an after-commit callback failed; the committed answer is sent.",
                request.method,
                request.path,
            )
        assert response is not None
        return response


class _RollBack(Exception):
    """The answer must not be stored: roll the request's transaction back."""


class _CommitSeen:
    """Set by an ``on_commit`` callback: whether the request's transaction committed."""

    def __init__(self) -> None:
        self.seen = False

    def mark(self) -> None:
        self.seen = True


def _storable_answer(request: HttpRequest, response: HttpResponseBase) -> dict[str, Any] | None:
    """What :func:`store.store_response` keeps of ``response``; None when it must not be
    stored (the caller rolls back).

    A streaming answer, or a body over ``MAX_BODY_BYTES``, is stored without its body: the
    write is kept, and a retry gets the status and headers with an empty body rather than
    running the write twice.
    """
    status = response.status_code
    if status >= 500 or status in _RETRY_STATUSES or response.has_header("Retry-After"):
        return None
    headers = {name: response[name] for name in ANSWER_HEADERS if response.has_header(name)}
    answer = {
        "status_code": status,
        "content_type": response.get("Content-Type", ""),
        "headers": headers,
        "body": b"",
    }
    if response.streaming:
        logger.info(
            "%s %s: a streaming answer is stored without its body.", request.method, request.path
        )
        answer["content_type"] = ""
        return answer
    body = response.content  # type: ignore[attr-defined]
    max_bytes = catalog_settings.IDEMPOTENCY["MAX_BODY_BYTES"]
    if len(body) > max_bytes:
        logger.info(
            "%s %s: the answer's body of %d bytes exceeds MAX_BODY_BYTES (%d); it is stored "
            "without its body.",
            request.method,
            request.path,
            len(body),
            max_bytes,
        )
        answer["content_type"] = ""
        return answer
    answer["body"] = body
    return answer


def _under(path: str, prefixes: Iterable[str]) -> bool:
    return any(path.startswith(prefix) for prefix in prefixes)


def _applies(request: HttpRequest, config: dict[str, Any]) -> bool:
    if (request.method or "").upper() not in {method.upper() for method in config["METHODS"]}:
        return False
    return _under(request.path_info, config["PATH_PREFIXES"]) or _under(
        request.path_info, config["REQUIRED"]
    )


def _error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def _answer_duplicate(outcome: store.Outcome, header: str) -> HttpResponseBase:
    if outcome.kind == "replay":
        record = outcome.record
        assert record is not None and record.status_code is not None
        response = HttpResponse(
            bytes(record.body),
            status=record.status_code,
            content_type=record.content_type or None,
        )
        if not record.content_type:
            del response["Content-Type"]
        for name, value in record.headers.items():
            response[name] = value
        response[REPLAYED_HEADER] = "true"
        return response
    if outcome.kind == "mismatch":
        return _error(
            422,
            f"This {header} was already used for a different request "
            "(another method, path, query or body); use a new key.",
        )
    response = _error(
        409,
        f"A request with this {header} is still being processed; retry after it completes.",
    )
    response["Retry-After"] = str(store.RETRY_AFTER_SECONDS)
    return response


def resolve_scope(request: HttpRequest, view_class: type | None = None) -> str | None:
    """``user:<pk>`` or ``anon`` for this request's caller; None when it must not be handled.

    The authenticators are those DRF will run for the view: ``view_class``'s
    ``authentication_classes`` when it is a DRF view, else ``DEFAULT_AUTHENTICATION_CLASSES``.
    They only read the request, so the view authenticates it again, as usual. Then the
    session user (``AuthenticationMiddleware``). None means credentials were sent but did not
    authenticate: such a request must never share the anonymous scope.
    """
    if isinstance(view_class, type) and issubclass(view_class, APIView):
        parsers, authenticators = view_class.parser_classes, view_class.authentication_classes
        if not authenticators:
            # The view reads no credentials (register): every caller is anonymous to it,
            # whatever Authorization header it sends, and is scoped so.
            return ANONYMOUS_SCOPE
    else:
        parsers = drf_settings.DEFAULT_PARSER_CLASSES
        authenticators = drf_settings.DEFAULT_AUTHENTICATION_CLASSES
    # Parsers too: SessionAuthentication's CSRF check may read a form body.
    drf_request = Request(
        request,
        parsers=[parser() for parser in parsers],
        authenticators=[auth() for auth in authenticators],
    )
    # ``drf_request.authenticators``: DRF swaps in the test client's force_authenticate().
    for authenticator in drf_request.authenticators:
        try:
            scope = _authenticated_scope(authenticator, drf_request)
        except (APIException, _Unscopable):
            return None
        if scope is not None:
            return scope
    session_user = getattr(request, "user", None)
    if session_user is not None and session_user.is_authenticated:
        return _user_scope(session_user)
    if request.META.get("HTTP_AUTHORIZATION"):
        return None
    narrow = getattr(view_class, ANONYMOUS_SCOPE_HOOK, None)
    credential = narrow(request) if callable(narrow) else None
    return f"{ANONYMOUS_SCOPE}:{credential}" if credential else ANONYMOUS_SCOPE


class _Unscopable(Exception):
    """An authenticator accepted the request but named no user we can scope to."""


def _authenticated_scope(authenticator: Any, drf_request: Request) -> str | None:
    """The scope of the caller ``authenticator`` recognises; None if it sees no credentials.

    Raises DRF's ``APIException`` (as ``authenticate()`` does) when it rejects them.
    """
    if _is_stock_jwt(authenticator):
        # SimpleJWT's own authenticate() loads the user with one more query, which the view
        # repeats anyway; the signed, unexpired token's user id claim is the identity we need.
        # Should that user be inactive or gone, the view answers 401, which is never stored.
        header = authenticator.get_header(drf_request)
        raw_token = None if header is None else authenticator.get_raw_token(header)
        if raw_token is None:
            return None
        token = authenticator.get_validated_token(raw_token)
        user_id = token.get(jwt_settings.USER_ID_CLAIM)
        if user_id is None:
            raise _Unscopable
        return f"user:{user_id}"
    result = authenticator.authenticate(drf_request)
    if result is None:
        return None
    scope = _user_scope(result[0])
    if scope is None:
        raise _Unscopable
    return scope


def _is_stock_jwt(authenticator: Any) -> bool:
    cls = type(authenticator)
    return (
        issubclass(cls, JWTAuthentication)
        and cls.authenticate is JWTAuthentication.authenticate
        and cls.get_user is JWTAuthentication.get_user
    )


def _user_scope(user: Any) -> str | None:
    pk = getattr(user, "pk", None)
    if not getattr(user, "is_authenticated", False) or pk is None:
        return None
    return f"user:{pk}"


@dataclass(frozen=True)
class _View:
    view_class: type | None  # for a class-based view
    exempt: bool


def _resolve_view(request: HttpRequest) -> _View | None:
    """The view the request goes to; None for a path that does not resolve (a 404)."""
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None
    view_class = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    exempt = getattr(match.func, EXEMPT_ATTRIBUTE, False) or getattr(
        view_class, EXEMPT_ATTRIBUTE, False
    )
    return _View(view_class=view_class, exempt=bool(exempt))
