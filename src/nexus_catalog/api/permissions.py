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


class IsStaff(BasePermission):
    """Staff only, whatever the method."""

    def has_permission(self, request: Request, view: object) -> bool:
        return is_staff(request)
