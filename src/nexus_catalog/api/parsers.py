"""JSON request bodies nested too deeply are a 400, never a 500.

DRF's ``JSONParser`` turns a ``ValueError`` of the ``json`` module into a ``ParseError``
(400), but a body nested about a thousand levels deep (``[[[[...]]]]``, a few kilobytes)
makes the decoder raise ``RecursionError``, which DRF lets out as a 500, before any
authentication or throttle could refuse the request. A body nested a little less deep
parses, then fails the same way wherever a serializer or a message walks it with less stack
left. :class:`NexusJSONParser` answers both with a 400: more than :data:`MAX_JSON_DEPTH`
levels of arrays and objects is refused, whatever the stack that is left.

The package's views (catalog and accounts) use it through :class:`NexusParsersMixin`, which
swaps it in for DRF's own ``JSONParser`` wherever the host's ``DEFAULT_PARSER_CLASSES`` list
it, as :class:`~nexus_catalog.api.views.CatalogViewSetMixin` does with the JSON renderer; a
parser class of the host's own (a subclass, another library's) is kept as it is. A host may
also list ``nexus_catalog.api.parsers.NexusJSONParser`` in its ``DEFAULT_PARSER_CLASSES`` for
its own views.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, JSONParser

#: The most levels of nested arrays and objects a JSON body may have. The API's deepest body
#: has three (``{"items": [{"product": 1}]}``); the bound only has to stay well below what
#: Python's recursion limit (1,000 frames, shared with the request's own) lets through.
MAX_JSON_DEPTH = 100

TOO_DEEP = f"JSON parse error - arrays and objects nested more than {MAX_JSON_DEPTH} deep."


def nested_deeper_than(data: Any, limit: int) -> bool:
    """Whether ``data`` (parsed JSON) has more than ``limit`` levels of lists and dicts.

    Walked with a stack of its own, not by recursion, so any depth is measured safely.
    """
    pending = [(data, 1)] if isinstance(data, (Mapping, list)) else []
    while pending:
        value, depth = pending.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, Mapping) else value
        pending.extend(
            (child, depth + 1) for child in children if isinstance(child, (Mapping, list))
        )
    return False


class NexusJSONParser(JSONParser):
    """DRF's ``JSONParser``, with a body nested more than :data:`MAX_JSON_DEPTH` levels deep
    refused as a ``ParseError`` (400), however deep it is."""

    max_depth = MAX_JSON_DEPTH

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(TOO_DEEP) from exc
        if nested_deeper_than(data, self.max_depth):
            raise ParseError(TOO_DEEP)
        return data


class NexusParsersMixin:
    """For a DRF view: the host's parsers, with DRF's ``JSONParser`` replaced by
    :class:`NexusJSONParser`."""

    def get_parsers(self) -> list[BaseParser]:
        return [
            NexusJSONParser() if type(parser) is JSONParser else parser
            for parser in super().get_parsers()
        ]
