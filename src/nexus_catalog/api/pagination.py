"""Page-number pagination sized by ``NEXUS_CATALOG["PAGE_SIZE"]`` and ``MAX_PAGE_SIZE``."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from nexus_catalog.conf import catalog_settings


class CatalogPagination(PageNumberPagination):
    """``?page=N&page_size=M``; a ``page_size`` above ``MAX_PAGE_SIZE`` is capped to it, one
    that is not a positive whole number is a 400 (DRF's own class would silently ignore it)."""

    page_size_query_param = "page_size"

    @property
    def page_size(self) -> int:
        return catalog_settings.PAGE_SIZE

    @property
    def max_page_size(self) -> int:
        return catalog_settings.MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        if not raw.isdigit() or int(raw) < 1:
            raise ValidationError({self.page_size_query_param: ["A positive whole number."]})
        return min(int(raw), self.max_page_size)
