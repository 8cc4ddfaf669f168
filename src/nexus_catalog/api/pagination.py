"""Page-number pagination sized by ``NEXUS_CATALOG["PAGE_SIZE"]`` and ``MAX_PAGE_SIZE``, with
a count bounded by ``COUNT_LIMIT``.

An exact ``COUNT(*)`` costs as much as reading every matching row (index entries at best),
so on a large catalog it outweighs the page itself and grows with the table. The paginator
counts at most ``COUNT_LIMIT + 1`` rows instead: up to the limit the count is exact; past
it the page says ``"count": null`` (never a made-up number) and finds out whether a next
page exists by fetching one row more than it shows. Either way a list costs two queries,
whatever the page size.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any, NamedTuple

from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from nexus_catalog.conf import catalog_settings

# The largest OFFSET and LIMIT the databases accept (a signed 64-bit integer). A page
# beyond it cannot hold a row: it is a 404 without asking the database, which would
# otherwise refuse the number with an error.
_MAX_ROW = 2**63 - 1


# More digits than any page or page size can use; also under the 4,300 digits past which
# ``int()`` raises instead of converting.
_MAX_DIGITS = 20


def _whole_number(raw: str) -> int | None:
    """``raw`` as a whole number when it is 1 to 20 ASCII digits; None otherwise.

    ``str.isdigit()`` is true for ``"²"`` and ``"①"``, which ``int()`` refuses; ``int()``
    accepts the decimal digits of every script (Arabic-Indic ones...) and refuses more than
    4,300 digits. A query parameter is a number only in the digits clients are told to send.
    """
    if not (0 < len(raw) <= _MAX_DIGITS and raw.isascii() and raw.isdigit()):
        return None
    return int(raw)


class PageCount(NamedTuple):
    """What DRF reads from ``page.paginator``: ``count`` (None when unknown) and
    ``num_pages``, the pages known to exist (up to the next one when the count is unknown:
    the browsable API's page links end there)."""

    count: int | None
    num_pages: int


@dataclass
class CatalogPage:
    """Where a page stands: its number and size, the count (None when more rows match than
    ``COUNT_LIMIT``) and whether a next page exists. Answers ``has_next()``,
    ``has_previous()`` and the page numbers as Django's ``Page`` does, so DRF's link
    builders work on it."""

    number: int
    size: int
    count: int | None
    next_exists: bool

    def has_next(self) -> bool:
        return self.next_exists

    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def paginator(self) -> PageCount:
        if self.count is not None:
            return PageCount(self.count, max(1, ceil(self.count / self.size)))
        return PageCount(None, self.number + 1 if self.next_exists else self.number)


class CatalogPagination(PageNumberPagination):
    """``?page=N&page_size=M``; a ``page_size`` above ``MAX_PAGE_SIZE`` is capped to it, one
    that is not a positive whole number is a 400 (DRF's own class would silently ignore it).

    ``count`` is exact up to ``COUNT_LIMIT`` matching rows and ``null`` past it; ``next``
    and ``previous`` are always right, a page past the end is a 404 (``Invalid page.``), and
    ``page=last`` counts exactly, since it needs the number of pages.
    """

    page_size_query_param = "page_size"

    @property
    def page_size(self) -> int:
        return catalog_settings.PAGE_SIZE

    @property
    def max_page_size(self) -> int:
        return catalog_settings.MAX_PAGE_SIZE

    @property
    def count_limit(self) -> int | None:
        return catalog_settings.COUNT_LIMIT

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        size = _whole_number(raw)
        if size is None or size < 1:
            raise ValidationError({self.page_size_query_param: ["A positive whole number."]})
        return min(size, self.max_page_size)

    def paginate_queryset(
        self, queryset: QuerySet | list, request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        size = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param) or 1
        if raw in self.last_page_strings:
            count = self.exact_count(queryset)
            number = max(1, ceil(count / size))
        else:
            number = self.page_number(raw)
            count = self.bounded_count(queryset)
        bottom = (number - 1) * size
        if bottom + size + 1 > _MAX_ROW:
            self.invalid_page(number, Paginator.default_error_messages["no_results"])

        if count is not None:
            if number > 1 and bottom >= count:
                self.invalid_page(number, Paginator.default_error_messages["no_results"])
            rows = list(queryset[bottom : bottom + size]) if count else []
            next_exists = bottom + size < count
        elif bottom + size <= self.count_limit:
            # The page ends within the rows the bounded count saw, and there were more.
            rows, next_exists = list(queryset[bottom : bottom + size]), True
        else:
            # Past the counted rows: one row more than the page tells whether a next exists.
            rows = list(queryset[bottom : bottom + size + 1])
            next_exists = len(rows) > size
            del rows[size:]
            if not rows and number > 1:
                self.invalid_page(number, Paginator.default_error_messages["no_results"])

        self.page = CatalogPage(number, size, count, next_exists)
        if self.template is not None and (next_exists or number > 1):
            # The browsable API shows its pagination controls.
            self.display_page_controls = True
        return rows

    def page_number(self, raw: Any) -> int:
        """The page asked for, as a number; anything but a whole number from 1 is a 404,
        as with DRF's own class."""
        messages = Paginator.default_error_messages
        number = _whole_number(str(raw))
        if number is None:
            self.invalid_page(raw, messages["invalid_page"])
        if number < 1:
            self.invalid_page(raw, messages["min_page"])
        return number

    def invalid_page(self, number: Any, message: Any) -> None:
        raise NotFound(self.invalid_page_message.format(page_number=number, message=message))

    def exact_count(self, queryset: QuerySet | list) -> int:
        if isinstance(queryset, QuerySet):
            return queryset.count()
        return len(queryset)

    def bounded_count(self, queryset: QuerySet | list) -> int | None:
        """The number of rows, or None when there are more than ``COUNT_LIMIT``."""
        limit = self.count_limit
        if limit is None or not isinstance(queryset, QuerySet) or queryset.query.is_sliced:
            return self.exact_count(queryset)
        # ``SELECT COUNT(*) FROM (SELECT ... LIMIT n)``: the scan stops after n rows. The
        # ordering is dropped, since it changes no count and would make the database sort
        # (or walk an index in order) before it may stop.
        count = queryset.order_by()[: limit + 1].count()
        return count if count <= limit else None

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.page.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """``page`` is a string (a number or ``last``, which DRF also serves), ``page_size`` a
        whole number from 1."""
        last = sorted(self.last_page_strings)
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "The page: a number from 1, or "
                    + " or ".join(f"`{word}`" for word in last)
                    + " for the last page. A page past the end is a 404."
                ),
                "schema": {
                    "type": "string",
                    "pattern": rf"^(?:[1-9][0-9]{{0,{_MAX_DIGITS - 1}}}|{'|'.join(last)})$",
                },
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Results per page: {self.page_size} when absent; a larger number than "
                    f"{self.max_page_size} (MAX_PAGE_SIZE) is taken as {self.max_page_size}."
                ),
                "schema": {"type": "integer", "minimum": 1},
            },
        ]

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        # Every key is in every page; next and previous are null at the ends.
        paginated["required"] = ["count", "next", "previous", "results"]
        paginated["properties"]["count"] = {
            "type": "integer",
            "nullable": True,
            "example": 123,
            "description": "The number of results, or null when more match than the "
            "server counts (COUNT_LIMIT); follow next until it is null.",
        }
        return paginated
