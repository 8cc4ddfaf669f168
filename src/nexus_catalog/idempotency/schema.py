"""The ``Idempotency-Key`` header in the OpenAPI schema drawn by drf-yasg.

Set ``SWAGGER_SETTINGS["DEFAULT_AUTO_SCHEMA_CLASS"]`` to
``"nexus_catalog.idempotency.schema.IdempotentAutoSchema"``: every operation the middleware
handles (a method in ``METHODS`` on a path under ``PATH_PREFIXES`` or ``REQUIRED``) then
documents the header, as required on the ``REQUIRED`` paths.
"""

from __future__ import annotations

from drf_yasg import openapi
from drf_yasg.inspectors import SwaggerAutoSchema

from nexus_catalog.conf import catalog_settings
from nexus_catalog.idempotency.exempt import EXEMPT_ATTRIBUTE
from nexus_catalog.idempotency.keys import MAX_KEY_LENGTH

# The header values that ``keys.parse_key`` takes (without the optional whitespace around a
# field value, which HTTP drops): 1 to MAX_KEY_LENGTH printable ASCII characters (0x20-0x7E),
# either bare, holding no ``"`` or ``,`` and neither starting nor ending with a space, or as an
# RFC 8941 string, in double quotes, ``\"`` and ``\\`` escaping ``"`` and ``\``.
_BARE_CHAR = r"[!#-+\--~]"  # printable ASCII less space, '"' and ','
_BARE_INNER = r"[ !#-+\--~]"  # the same, and space (inside the key only)
_QUOTED_UNIT = r'(?:[ !#-\[\]-~]|\\["\\])'  # a character other than '"' and '\', or an escape
KEY_PATTERN = (
    rf"^(?:{_BARE_CHAR}(?:{_BARE_INNER}{{0,{MAX_KEY_LENGTH - 2}}}{_BARE_CHAR})?"
    rf'|"{_QUOTED_UNIT}{{1,{MAX_KEY_LENGTH}}}")$'
)
#: The longest header value: a quoted key whose every character is escaped.
MAX_HEADER_LENGTH = 2 * MAX_KEY_LENGTH + 2


def idempotency_key_parameter(*, required: bool = False) -> openapi.Parameter:
    """The header as an OpenAPI parameter, named as ``NEXUS_CATALOG["IDEMPOTENCY"]["HEADER"]``.

    Its ``pattern`` is :data:`KEY_PATTERN`; ``maxLength`` bounds the header value, quotes and
    escapes included (the key itself is 1 to 255 characters, which the pattern checks)."""
    return openapi.Parameter(
        name=catalog_settings.IDEMPOTENCY["HEADER"],
        in_=openapi.IN_HEADER,
        type=openapi.TYPE_STRING,
        required=required,
        pattern=KEY_PATTERN,
        min_length=1,
        max_length=MAX_HEADER_LENGTH,
        description=(
            f"1 to {MAX_KEY_LENGTH} printable ASCII characters, bare or as a quoted string "
            '(`"abc"` means `abc`). A retry with the same key and the same request gets the '
            "first response again, with `Idempotent-Replayed: true`, and runs nothing. The "
            "same key with another request: 422; while the first still runs: 409 with "
            "`Retry-After`; a malformed key: 400. A 5xx stores nothing. Keys are scoped to "
            "the caller, the method and the path, and kept for the configured TTL."
        ),
    )


def _under(path: str, prefixes: list[str]) -> bool:
    return any(path.startswith(prefix) for prefix in prefixes)


_DETAIL_SCHEMA = openapi.Schema(
    type=openapi.TYPE_OBJECT,
    properties={"detail": openapi.Schema(type=openapi.TYPE_STRING)},
)

#: The answers the middleware itself may give to a write it handles.
IDEMPOTENCY_RESPONSES: dict[str, openapi.Response] = {
    "400": openapi.Response("Invalid input, or a malformed idempotency key.", _DETAIL_SCHEMA),
    "409": openapi.Response(
        "A request with this idempotency key is still running; see Retry-After.", _DETAIL_SCHEMA
    ),
    "422": openapi.Response(
        "This idempotency key was used for a different request.", _DETAIL_SCHEMA
    ),
}


class IdempotentAutoSchema(SwaggerAutoSchema):
    """drf-yasg's inspector plus the idempotency header, and the middleware's own answers
    (400, 409, 422), on every write the middleware handles."""

    def _handled(self) -> tuple[bool, bool]:
        """(whether the middleware handles this operation, whether the key is required)."""
        config = catalog_settings.IDEMPOTENCY
        methods = {method.upper() for method in config["METHODS"]}
        if self.method.upper() not in methods or getattr(self.view, EXEMPT_ATTRIBUTE, False):
            return False, False
        required = _under(self.path, config["REQUIRED"])
        return required or _under(self.path, config["PATH_PREFIXES"]), required

    def get_response_serializers(self) -> dict:
        responses = super().get_response_serializers()
        if self._handled()[0]:
            for code, response in IDEMPOTENCY_RESPONSES.items():
                responses.setdefault(code, response)
        return responses

    def add_manual_parameters(self, parameters: list[openapi.Parameter]) -> list:
        parameters = super().add_manual_parameters(parameters)
        handled, required = self._handled()
        if not handled:
            return parameters
        name = catalog_settings.IDEMPOTENCY["HEADER"].lower()
        if any(p.in_ == openapi.IN_HEADER and p.name.lower() == name for p in parameters):
            return parameters  # the view documents it itself
        return [*parameters, idempotency_key_parameter(required=required)]
