"""Who may do what through the API."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request

from nexus_catalog.conf import catalog_settings

#: The request header in which a guest presents their order's secret.
ORDER_SECRET_HEADER = "X-Order-Secret"


def is_staff(request: Request) -> bool:
    user = request.user
    return bool(user and user.is_authenticated and user.is_staff)


def order_secret(request: Request) -> str | None:
    """The order secret an anonymous caller presents (``X-Order-Secret``); ``None`` when
    there is none, and for a signed-in caller, whose requests are judged as theirs."""
    user = request.user
    if user is not None and user.is_authenticated:
        return None
    return request.headers.get(ORDER_SECRET_HEADER) or None


# Namespaces the digest of a secret in an idempotency scope (Django's salted_hmac).
_GUEST_SCOPE_SALT = "nexus_catalog.guest.idempotency-scope"


def guest_idempotency_scope(request: HttpRequest) -> str | None:
    """The idempotency scope of an anonymous request presenting an order secret:
    ``guest:<keyed digest of the secret>``, so that an answer stored for one secret (an
    order, a payment's client secret) is never replayed to a caller without it. A view
    that admits guests exposes it as ``anonymous_idempotency_scope`` (see
    :data:`nexus_catalog.idempotency.middleware.ANONYMOUS_SCOPE_HOOK`)."""
    secret = request.headers.get(ORDER_SECRET_HEADER)
    if not secret:
        return None
    digest = salted_hmac(_GUEST_SCOPE_SALT, secret, algorithm="sha256").hexdigest()
    return f"guest:{digest[:32]}"


class IsAuthenticatedOrGuest(IsAuthenticated):
    """Signed-in callers; and, for the actions (or, on a plain view, the lower-case
    methods) a view lists in ``guest_actions``, an anonymous caller presenting an order
    secret. Which order the secret opens, if any, is decided when the order is looked up
    (:func:`nexus_catalog.services.guest.admits`): a wrong secret is a 404."""

    def has_permission(self, request: Request, view: object) -> bool:
        if super().has_permission(request, view):
            return True
        action = getattr(view, "action", None) or (request.method or "").lower()
        return action in getattr(view, "guest_actions", ()) and order_secret(request) is not None


class IsStaffOrReadOnly(BasePermission):
    """Reads for anyone; writes for staff only."""

    def has_permission(self, request: Request, view: object) -> bool:
        return request.method in SAFE_METHODS or is_staff(request)


class CartPermission(BasePermission):
    """Carts: anyone holding a token; listing one's carts and claiming need a signed-in
    caller, and so does checking out unless ``GUEST_CHECKOUT`` is on."""

    SIGNED_IN_ACTIONS = frozenset({"list", "claim", "checkout"})

    def has_permission(self, request: Request, view: object) -> bool:
        action = getattr(view, "action", None)
        if action == "checkout" and catalog_settings.GUEST_CHECKOUT:
            return True
        if action in self.SIGNED_IN_ACTIONS:
            return bool(request.user and request.user.is_authenticated)
        return True


class IsStaff(BasePermission):
    """Staff only, whatever the method."""

    def has_permission(self, request: Request, view: object) -> bool:
        return is_staff(request)
