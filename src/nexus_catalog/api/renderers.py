"""JSON rendering with orjson, byte for byte what DRF's ``JSONRenderer`` writes.

The catalog viewsets swap DRF's ``JSONRenderer`` for :class:`FastJSONRenderer` (see
:class:`nexus_catalog.api.views.CatalogViewSetMixin`); a host that configured its own
renderer class keeps it. Types orjson does not know (``Decimal``, lazy translations...)
go through DRF's own encoder, and whatever orjson refuses (an integer over 64 bits, an
indented rendering asked for by the client, a host that turned off ``COMPACT_JSON`` or
``UNICODE_JSON``) is rendered by DRF's renderer, so the output never changes.
"""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z
_fallback = JSONEncoder().default


class FastJSONRenderer(JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if (
            not self.compact
            or self.ensure_ascii
            or self.get_indent(accepted_media_type, renderer_context or {}) is not None
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(data, default=_fallback, option=_OPTIONS)
        except (orjson.JSONEncodeError, TypeError):
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF: the line and paragraph separators escaped, so the output is valid JavaScript.
        if b"\xe2\x80\xa8" in rendered or b"\xe2\x80\xa9" in rendered:
            rendered = rendered.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
                b"\xe2\x80\xa9", b"\\u2029"
            )
        return rendered
