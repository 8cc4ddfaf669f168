"""Who may do what through the API."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request


def is_staff(request: Request) -> bool:
    user = request.user
    return bool(user and user.is_authenticated and user.is_staff)


class IsStaffOrReadOnly(BasePermission):
    """Reads for anyone; writes for staff only."""

    def has_permission(self, request: Request, view: object) -> bool:
        return request.method in SAFE_METHODS or is_staff(request)


class CartPermission(BasePermission):
    """Carts: anyone holding a token; listing one's carts, claiming and checking out need a
    signed-in caller (guest checkout is not offered)."""

    SIGNED_IN_ACTIONS = frozenset({"list", "claim", "checkout"})

    def has_permission(self, request: Request, view: object) -> bool:
        if getattr(view, "action", None) in self.SIGNED_IN_ACTIONS:
            return bool(request.user and request.user.is_authenticated)
        return True


class IsStaff(BasePermission):
    """Staff only, whatever the method."""

    def has_permission(self, request: Request, view: object) -> bool:
        return is_staff(request)
