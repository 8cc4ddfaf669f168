"""FastJSONRenderer writes exactly what DRF's JSONRenderer writes, only faster."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from nexus_catalog.api.renderers import FastJSONRenderer
from nexus_catalog.api.views import CategoryViewSet, OrderViewSet, ProductViewSet

SAMPLE = {
    "money": Decimal("12.50"),
    "utc": dt.datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=dt.timezone.utc),
    "paris": dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=ZoneInfo("Europe/Paris")),
    "naive": dt.datetime(2025, 1, 2, 3, 4, 5),
    "day": dt.date(2025, 1, 2),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "lazy": gettext_lazy("Not found."),
    "errors": {"items": {0: {"quantity": [ErrorDetail("Too many.", code="invalid")]}}},
    "text": "café \u2028 line \u2029 paragraph",
    "page": ReturnDict(
        {"results": ReturnList([{"a": 1}, {"b": None}], serializer=None)}, serializer=None
    ),
}


def test_output_is_byte_for_byte_drfs():
    assert FastJSONRenderer().render(SAMPLE) == JSONRenderer().render(SAMPLE)


def test_indented_output_asked_for_by_the_client_is_drfs():
    media_type = "application/json; indent=4"
    assert FastJSONRenderer().render(SAMPLE, media_type) == JSONRenderer().render(
        SAMPLE, media_type
    )


def test_what_orjson_cannot_write_is_written_by_drf():
    huge = {"n": 2**70}
    assert (
        FastJSONRenderer().render(huge)
        == JSONRenderer().render(huge)
        == b'{"n":1180591620717411303424}'
    )


def test_none_renders_nothing():
    assert FastJSONRenderer().render(None) == b""


def test_catalog_viewsets_swap_drfs_json_renderer_and_keep_the_others():
    for viewset in (CategoryViewSet, ProductViewSet, OrderViewSet):
        renderers = [type(r) for r in viewset().get_renderers()]
        assert renderers == [FastJSONRenderer, BrowsableAPIRenderer]


def test_a_hosts_own_json_renderer_is_kept():
    class HostRenderer(JSONRenderer):
        pass

    viewset = ProductViewSet()
    viewset.renderer_classes = [HostRenderer]
    assert [type(r) for r in viewset.get_renderers()] == [HostRenderer]
