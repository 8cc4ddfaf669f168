"""OpenAPI (drf-yasg) pieces shared by the API modules of both apps.

* :class:`NexusAutoSchema`, the view inspector of every view of the package: it adds the
  ``Idempotency-Key`` header (through
  :class:`~nexus_catalog.idempotency.schema.IdempotentAutoSchema`) and ``X-Request-ID`` to
  every write, documents every error status an operation can answer, marks reads open to
  anonymous callers as such (``security: [{}, {"Bearer": []}]``: a token is optional), and
  draws request bodies and responses as separate definitions (see below).
* :class:`NexusSchemaGenerator`, the generator to pass to drf-yasg's ``get_schema_view``.

Request and response definitions. A response always carries every field its serializer
reads, so a response definition (``Product``, ``Order``...) lists them all as
``required``; a request body lists only the fields a client may send, required as the
serializer requires them. The two differ for the same serializer, so request bodies are
named ``<Name>Request``, and ``Patched<Name>Request`` for a PATCH, where nothing is
required (as drf-spectacular names them). A field that a response may leave out is named
in the serializer's ``Meta.optional_in_response``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from drf_yasg import openapi
from drf_yasg.app_settings import swagger_settings
from drf_yasg.errors import SwaggerGenerationError
from drf_yasg.generators import OpenAPISchemaGenerator
from drf_yasg.inspectors import InlineSerializerInspector, ReferencingSerializerInspector
from drf_yasg.utils import get_serializer_class
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request

from nexus_catalog.api.permissions import IsStaff, IsStaffOrReadOnly
from nexus_catalog.idempotency.schema import IdempotentAutoSchema

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

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


#: The error answers of the API, each documented where it can happen.
BAD_REQUEST = _error("Invalid input: a message per field (or per query parameter).")
UNAUTHENTICATED = _error("Missing, invalid or expired access token.")
BAD_TOKEN = _error(
    "The access token sent is invalid or expired. Without an Authorization header the "
    "request is answered as an anonymous one."
)
FORBIDDEN = _error("Not for this caller: staff only, or a status change only staff may make.")
NOT_FOUND = _error("Not found (or not yours).")
METHOD_NOT_ALLOWED = _error(
    "Method not allowed: the path answers only the methods documented for it, which the "
    "Allow header lists."
)
NOT_ACCEPTABLE = _error("The Accept header asks for a media type that the API does not produce.")
TOO_LARGE = _error("The request body is over DATA_UPLOAD_MAX_MEMORY_SIZE.")
THROTTLED = _error("Too many requests; the Retry-After header says when to try again.")
UNSUPPORTED_MEDIA_TYPE = _error("The body's Content-Type is not one the operation consumes.")
UNAVAILABLE = _error("The database is unavailable; retry after the Retry-After delay.")


# -- Request and response definitions ------------------------------------------------------


def optional_in_response(serializer: Any) -> frozenset[str]:
    """The fields of ``serializer`` that a response may leave out (``Meta.optional_in_response``)."""
    return frozenset(getattr(getattr(serializer, "Meta", None), "optional_in_response", ()))


class _ShapedSerializerInspector(ReferencingSerializerInspector):
    """drf-yasg's serializer inspector, drawing a serializer as a request body or as a
    response, under a name of its own for each (``prefix`` + name + ``suffix``)."""

    prefix = ""
    suffix = ""

    def get_serializer_ref_name(self, serializer: Any) -> str | None:
        name = super().get_serializer_ref_name(serializer)
        return f"{self.prefix}{name}{self.suffix}" if name else name

    def shown(self, field: serializers.Field) -> bool:
        raise NotImplementedError

    def required(self, serializer: Any, name: str, field: serializers.Field) -> bool:
        raise NotImplementedError

    def field_to_swagger_object(
        self, field: Any, swagger_object_type: Any, use_references: bool, **kwargs: Any
    ) -> Any:
        if not isinstance(field, serializers.Serializer) or swagger_object_type != openapi.Schema:
            return super().field_to_swagger_object(
                field, swagger_object_type, use_references, **kwargs
            )
        SwaggerType, ChildSwaggerType = self._get_partial_types(
            field, swagger_object_type, use_references, **kwargs
        )

        def definition() -> openapi.Schema:
            properties, required = {}, []
            for name, child in field.fields.items():
                if not self.shown(child):
                    continue
                properties[name] = self.probe_field_inspectors(
                    child, ChildSwaggerType, use_references
                )
                if self.required(field, name, child):
                    required.append(name)
            schema = SwaggerType(
                use_field_title=False,
                type=openapi.TYPE_OBJECT,
                properties=properties,
                required=required or None,
            )
            schema._NP_serializer = get_serializer_class(field)
            return schema

        ref_name = self.get_serializer_ref_name(field)
        if not ref_name or not use_references:
            return definition()
        definitions = self.components.with_scope(openapi.SCHEMA_DEFINITIONS)
        schema = definitions.setdefault(ref_name, definition)
        schema._remove_read_only()
        if getattr(schema, "_NP_serializer", None) not in (None, get_serializer_class(field)):
            raise SwaggerGenerationError(
                f"Two serializers are named {ref_name!r} in the schema; set a distinct "
                "Meta.ref_name on one of them."
            )
        return openapi.SchemaRef(definitions, ref_name)


class ResponseSerializerInspector(_ShapedSerializerInspector):
    """A serializer as a response: the fields it reads, all required unless named in
    ``Meta.optional_in_response``; write-only fields are left out."""

    def shown(self, field: serializers.Field) -> bool:
        return not field.write_only

    def required(self, serializer: Any, name: str, field: serializers.Field) -> bool:
        return name not in optional_in_response(serializer)


class RequestSerializerInspector(_ShapedSerializerInspector):
    """A serializer as a request body (``<Name>Request``): the fields a client may send;
    read-only fields are left out."""

    suffix = "Request"

    def shown(self, field: serializers.Field) -> bool:
        return not field.read_only

    def required(self, serializer: Any, name: str, field: serializers.Field) -> bool:
        return bool(field.required)


class PatchSerializerInspector(RequestSerializerInspector):
    """A serializer as a PATCH body (``Patched<Name>Request``): nothing is required."""

    prefix = "Patched"

    def required(self, serializer: Any, name: str, field: serializers.Field) -> bool:
        return False


# -- The view inspector ---------------------------------------------------------------------


class NexusAutoSchema(IdempotentAutoSchema):
    """Adds the idempotency header (as configured: see ``IdempotentAutoSchema``) and
    :data:`REQUEST_ID_PARAMETER` to every POST, PUT, PATCH and DELETE operation, documents
    every error status an operation can answer (the views declare only their success and
    domain answers), marks the operations an anonymous caller may use as open, and draws
    requests and responses as separate definitions (see the module's documentation)."""

    #: Whether any write may be refused with a 403 (a status change only staff may make);
    #: staff-only writes document it whatever this says.
    writes_may_be_forbidden = True
    #: Whether the view records and echoes ``X-Request-ID`` (the catalog's viewsets do).
    documents_request_id = True

    # -- security ---------------------------------------------------------------------------

    def reads_token(self) -> bool:
        """Whether the view authenticates callers, so that a bad token is a 401."""
        return bool(getattr(self.view, "authentication_classes", ()))

    def open_to_anonymous(self) -> bool:
        """Whether every permission of the view lets an anonymous caller use this method."""
        anonymous = HttpRequest()
        anonymous.method, anonymous.path = self.method, self.path
        request = Request(anonymous)
        request.user = AnonymousUser()
        try:
            return all(
                permission.has_permission(request, self.view)
                for permission in self.view.get_permissions()
            )
        except Exception:  # a permission that needs more than the method and the user
            return False

    def get_security(self) -> list[dict[str, list[str]]] | None:
        declared = super().get_security()
        if declared is not None:
            return declared
        definitions = swagger_settings.SECURITY_DEFINITIONS or {}
        if not (self.reads_token() and definitions and self.open_to_anonymous()):
            return None  # the document's requirement: a token
        # Swagger 2.0: an empty requirement alongside the schemes makes them optional.
        return [{}, *({name: []} for name in definitions)]

    # -- responses --------------------------------------------------------------------------

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
        staff_only = any(issubclass(p, IsStaff) for p in permissions)
        staff_writes = staff_only or (
            write and any(issubclass(p, IsStaffOrReadOnly) for p in permissions)
        )
        query = {p.name for p in self.get_query_parameters() if p.in_ == openapi.IN_QUERY}
        errors = {
            "405": METHOD_NOT_ALLOWED,
            "406": NOT_ACCEPTABLE,
            "503": UNAVAILABLE,
        }
        if write or query:
            errors["400"] = BAD_REQUEST
        if self.reads_token():
            errors["401"] = UNAUTHENTICATED if login_required or staff_writes else BAD_TOKEN
        if staff_writes or (write and self.writes_may_be_forbidden):
            errors["403"] = FORBIDDEN
        if self.method in BODY_METHODS:
            errors["413"] = TOO_LARGE
            errors["415"] = UNSUPPORTED_MEDIA_TYPE
        if self._throttled():
            errors["429"] = THROTTLED
        # A page number past the last page is a 404 too (DRF's pagination).
        if "{" in self.path or "page" in query:
            errors["404"] = NOT_FOUND
        return errors

    def _throttled(self) -> bool:
        """Whether a throttle guards this operation (a rate of ``None`` turns one off)."""
        try:
            throttles = self.view.get_throttles()
        except Exception:  # a view whose throttles need more than the action
            return False
        return any(getattr(throttle, "rate", True) for throttle in throttles)

    def get_responses(self) -> openapi.Responses:
        with self._serializers_drawn_by(ResponseSerializerInspector):
            return super().get_responses()

    def get_request_body_schema(self, serializer: Any) -> Any:
        inspector = (
            PatchSerializerInspector if self.method == "PATCH" else RequestSerializerInspector
        )
        with self._serializers_drawn_by(inspector):
            return super().get_request_body_schema(serializer)

    @contextmanager
    def _serializers_drawn_by(self, inspector: type[InlineSerializerInspector]) -> Iterator[None]:
        """Draws serializers (and the serializers nested in them) with ``inspector`` in place
        of drf-yasg's serializer inspector."""
        configured = self.field_inspectors
        self.field_inspectors = [
            inspector if issubclass(each, InlineSerializerInspector) else each
            for each in configured
        ]
        try:
            yield
        finally:
            self.field_inspectors = configured

    def get_produces(self) -> list[str]:
        # A DELETE answers 204 with no body, hence no Content-Type; Swagger 2.0 declares
        # media types per operation, not per status, so it declares none (see
        # NexusSchemaGenerator, which keeps them off the document's root too).
        if self.method == "DELETE":
            return []
        return super().get_produces()

    # -- parameters and names ---------------------------------------------------------------

    def should_page(self) -> bool:
        # drf-yasg pages list views only; an action that pages its answer says so with
        # ``@swagger_auto_schema(paginated=True)``, which documents ``page`` and ``page_size``.
        return bool(
            getattr(self.view, "paginator", None)
            and (self.has_list_response() or self.overrides.get("paginated", False))
        )

    def add_manual_parameters(self, parameters: list[openapi.Parameter]) -> list:
        parameters = super().add_manual_parameters(parameters)
        if self.method in WRITE_METHODS and self.documents_request_id:
            present = {(p.name.lower(), p.in_) for p in parameters}
            if (REQUEST_ID_PARAMETER.name.lower(), REQUEST_ID_PARAMETER.in_) not in present:
                parameters.append(REQUEST_ID_PARAMETER)
        return parameters

    def get_operation_id(self, operation_keys: Any = None) -> str:
        # drf-yasg names the GET of a view without a path parameter "<path>_list", even when
        # it answers one object (/auth/me/): outside a viewset's list, a GET reads.
        keys = list(operation_keys or self.operation_keys)
        if keys and keys[-1] == "list" and getattr(self.view, "action", None) != "list":
            keys[-1] = "read"
        return super().get_operation_id(keys)


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
