"""OpenAPI (drf-yasg) pieces shared by the API modules.

:data:`IDEMPOTENCY_KEY_PARAMETER` documents the ``Idempotency-Key`` header;
:class:`NexusAutoSchema` adds it (and ``X-Request-ID``) to every write operation of a view
that uses it, so no endpoint can forget it.
"""

from __future__ import annotations

from drf_yasg import openapi

from nexus_catalog.idempotency.schema import IdempotentAutoSchema

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

IDEMPOTENCY_KEY_PARAMETER = openapi.Parameter(
    "Idempotency-Key",
    openapi.IN_HEADER,
    type=openapi.TYPE_STRING,
    required=False,
    description=(
        "A unique key (1-255 printable ASCII characters, bare or as an RFC 8941 string) that "
        "makes this write safe to retry: a retry with the same key and the same request gets "
        "the stored response again (with `Idempotent-Replayed: true`) and runs nothing. "
        "The same key with another request is a 422; while the first is still running, a 409."
    ),
)

REQUEST_ID_PARAMETER = openapi.Parameter(
    "X-Request-ID",
    openapi.IN_HEADER,
    type=openapi.TYPE_STRING,
    required=False,
    description=(
        "Correlation id recorded on the audit rows of this change (1-64 of `A-Z a-z 0-9 . _ : -`); "
        "generated when absent or malformed, and echoed in the response."
    ),
)

ERROR_SCHEMA = openapi.Schema(
    type=openapi.TYPE_OBJECT,
    description='An error: `{"detail": "..."}`, or `{"<field>": ["..."]}` per invalid field.',
    additional_properties=True,
)


class NexusAutoSchema(IdempotentAutoSchema):
    """Adds the idempotency header (as configured: see ``IdempotentAutoSchema``) and
    :data:`REQUEST_ID_PARAMETER` to every POST, PUT, PATCH and DELETE operation."""

    def add_manual_parameters(self, parameters: list[openapi.Parameter]) -> list:
        parameters = super().add_manual_parameters(parameters)
        if self.method in WRITE_METHODS:
            present = {(p.name.lower(), p.in_) for p in parameters}
            if (REQUEST_ID_PARAMETER.name.lower(), REQUEST_ID_PARAMETER.in_) not in present:
                parameters.append(REQUEST_ID_PARAMETER)
        return parameters
