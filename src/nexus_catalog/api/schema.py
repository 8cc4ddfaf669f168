"""OpenAPI (drf-yasg) pieces shared by the API modules.

:class:`NexusAutoSchema` adds the ``Idempotency-Key`` header (through
:class:`~nexus_catalog.idempotency.schema.IdempotentAutoSchema`) and ``X-Request-ID`` to
every write operation of a view that uses it, so no endpoint can forget them.
"""

from __future__ import annotations

from typing import Any

from drf_yasg import openapi
from drf_yasg.generators import OpenAPISchemaGenerator
from rest_framework.permissions import IsAuthenticated

from nexus_catalog.api.permissions import IsStaffOrReadOnly
from nexus_catalog.idempotency.schema import IdempotentAutoSchema

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

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


def _error(description: str) -> openapi.Response:
    return openapi.Response(description, ERROR_SCHEMA)


#: The error answers of the catalog API, each documented where it can happen.
BAD_REQUEST = _error("Invalid input: a message per field (or per query parameter).")
UNAUTHENTICATED = _error("Missing, invalid or expired access token.")
FORBIDDEN = _error("Not for this caller: staff only, or a status change only staff may make.")
NOT_FOUND = _error("Not found (or not yours).")
TOO_LARGE = _error("The request body is over DATA_UPLOAD_MAX_MEMORY_SIZE.")
UNAVAILABLE = _error("The database is unavailable; retry after the Retry-After delay.")


class NexusAutoSchema(IdempotentAutoSchema):
    """Adds the idempotency header (as configured: see ``IdempotentAutoSchema``) and
    :data:`REQUEST_ID_PARAMETER` to every POST, PUT, PATCH and DELETE operation, and
    documents every error status an operation can answer (the views declare only their
    success and domain answers)."""

    def get_response_serializers(self) -> dict[str, Any]:
        responses = super().get_response_serializers()
        for code, response in self._error_responses().items():
            responses.setdefault(code, response)
        return responses

    def _error_responses(self) -> dict[str, openapi.Response]:
        write = self.method in WRITE_METHODS
        permissions = [
            p for p in getattr(self.view, "permission_classes", ()) if isinstance(p, type)
        ]
        login_required = any(issubclass(p, IsAuthenticated) for p in permissions)
        staff_writes = write and any(issubclass(p, IsStaffOrReadOnly) for p in permissions)
        query = {p.name for p in self.get_query_parameters() if p.in_ == openapi.IN_QUERY}
        errors = {"503": UNAVAILABLE}
        if write or query:
            errors["400"] = BAD_REQUEST
        if login_required or staff_writes:
            errors["401"] = UNAUTHENTICATED
        if write:
            errors["403"] = FORBIDDEN
            errors["413"] = TOO_LARGE
        # A page number past the last page is a 404 too (DRF's pagination).
        if "{" in self.path or "page" in query:
            errors["404"] = NOT_FOUND
        return errors

    def get_produces(self) -> list[str]:
        # A DELETE answers 204 with no body, hence no Content-Type; Swagger 2.0 declares
        # media types per operation, not per status, so it declares none (see
        # NexusSchemaGenerator, which keeps them off the document's root too).
        if self.method == "DELETE":
            return []
        return super().get_produces()

    def add_manual_parameters(self, parameters: list[openapi.Parameter]) -> list:
        parameters = super().add_manual_parameters(parameters)
        if self.method in WRITE_METHODS:
            present = {(p.name.lower(), p.in_) for p in parameters}
            if (REQUEST_ID_PARAMETER.name.lower(), REQUEST_ID_PARAMETER.in_) not in present:
                parameters.append(REQUEST_ID_PARAMETER)
        return parameters


class NexusSchemaGenerator(OpenAPISchemaGenerator):
    """Declares response media types on each operation and none on the document's root.

    drf-yasg puts the renderers' media types on the root of the Swagger 2.0 document, where
    they apply to every operation, the bodiless ``204 No Content`` of a DELETE included,
    which then claims a ``Content-Type`` it never sends. With this generator each operation
    carries its own ``produces``, and one whose success has no body carries none. Pass it as
    ``get_schema_view(..., generator_class=NexusSchemaGenerator)``.
    """

    def get_paths(self, endpoints: Any, components: Any, request: Any, public: bool) -> Any:
        self.produces = []
        return super().get_paths(endpoints, components, request, public)
