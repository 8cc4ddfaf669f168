"""The catalog's viewsets: parse, authorise, call one service, render.

Every viewset here inherits :class:`CatalogViewSetMixin`, which gives it the catalog's
JSON exception handler, the JSON parser that refuses too deep a body with a 400 (see
:mod:`nexus_catalog.api.parsers`), the OpenAPI schema class that documents
``Idempotency-Key`` on every write, and the audit context of the request.

The docstrings of the viewsets and of their actions are the API's own descriptions: DRF's
browsable API shows them, and the schema (Swagger UI, ReDoc) carries them. They are written
in Markdown (`stock`), which both render, not in reStructuredText.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from nexus_catalog.api import errors
from nexus_catalog.api.filters import ProductFilter, ProductFilterBackend
from nexus_catalog.api.pagination import CatalogPagination
from nexus_catalog.api.parsers import NexusParsersMixin
from nexus_catalog.api.permissions import (
    ORDER_SECRET_HEADER,
    IsAuthenticatedOrGuest,
    IsStaffOrReadOnly,
    guest_idempotency_scope,
    is_staff,
    order_secret,
)
from nexus_catalog.api.reads import row_shape
from nexus_catalog.api.renderers import FastJSONRenderer
from nexus_catalog.api.schema import ERROR_SCHEMA, NexusAutoSchema
from nexus_catalog.api.serializers import (
    AuditLogPageSerializer,
    AuditLogSerializer,
    CategorySerializer,
    FacetsSerializer,
    ImageOrderSerializer,
    OrderCreateSerializer,
    OrderSerializer,
    OrderUpdateSerializer,
    ProductImageSerializer,
    ProductImageUploadSerializer,
    ProductSerializer,
    TransitionSerializer,
    attach_summaries,
)
from nexus_catalog.conf import ID_COLUMN_MAX
from nexus_catalog.models import AuditLog, Category, Order, Product, ProductImage
from nexus_catalog.request_context import REQUEST_ID_HEADER, audit_context, request_id
from nexus_catalog.services import catalog, guest, ordering
from nexus_catalog.services import facets as facet_counts
from nexus_catalog.services import images as product_images
from nexus_catalog.services import listing as catalog_listing
from nexus_catalog.services.audit import AuditContext, object_type

ERRORS = {
    400: openapi.Response("Invalid input: a message per field.", ERROR_SCHEMA),
    404: openapi.Response("Not found (or not yours).", ERROR_SCHEMA),
}

#: The header a guest presents instead of a token (guest checkout), on the operations of
#: one order that admit it.
ORDER_SECRET = openapi.Parameter(
    ORDER_SECRET_HEADER,
    openapi.IN_HEADER,
    type=openapi.TYPE_STRING,
    required=False,
    description=(
        "A guest order's secret (`guest_secret` of its checkout), sent instead of a token: "
        "it opens that order only. A wrong or missing secret is a 404, as an order that is "
        "not yours. Ignored when a token is sent."
    ),
)
#: The security of those operations: a token, or none (the secret instead).
TOKEN_OR_SECRET: list[dict[str, list[str]]] = [{}, {"Bearer": []}]


def guest_or_user(request: Request, order_id: Any) -> Any:
    """The actor of a request about order ``order_id``: the signed-in user, or the guest
    whose secret the lookup admitted."""
    return request.user if request.user.is_authenticated else guest.guest_actor(int(order_id))


class CatalogViewSetMixin(NexusParsersMixin):
    """What every catalog viewset shares.

    The exception handler is chosen here (``get_exception_handler``) rather than in the
    host's ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``: the engine's errors must map to the
    right status codes in any host, without a setting that is easy to forget and that
    would also change the host's other views.
    """

    pagination_class = CatalogPagination
    swagger_schema = NexusAutoSchema

    def get_exception_handler(self):
        return errors.exception_handler

    def get_renderers(self) -> list[BaseRenderer]:
        # DRF's JSON renderer, where the host left it, is swapped for the same output
        # written by orjson (see nexus_catalog.api.renderers).
        return [
            FastJSONRenderer() if type(renderer) is JSONRenderer else renderer
            for renderer in super().get_renderers()
        ]

    def audit_context(self) -> AuditContext:
        return audit_context(self.request)

    def finalize_response(self, request: Request, response: Response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response[REQUEST_ID_HEADER] = request_id(request)
        return response


class ValuesReadMixin:
    """``list`` and ``retrieve`` from ``values()`` rows shaped as the serializer shapes
    instances (see :mod:`nexus_catalog.api.reads`): the same body, without a model
    instance and a set of field objects per row. Falls back to DRF's path when the
    serializer has fields the lean path does not handle.

    For viewsets whose permissions are decided per request: ``retrieve`` has no instance
    to pass to ``has_object_permission``.
    """

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        shape = row_shape(self.get_serializer_class())
        if shape is None:
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset()).values(*shape.sources)
        page = self.paginate_queryset(queryset)
        if page is not None:
            return self.get_paginated_response(self.attach_rows(shape.rows(page)))
        return Response(self.attach_rows(shape.rows(queryset)))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        shape = row_shape(self.get_serializer_class())
        if shape is None:
            return super().retrieve(request, *args, **kwargs)
        lookup = self.lookup_url_kwarg or self.lookup_field
        queryset = self.filter_queryset(self.get_queryset())
        row = get_object_or_404(
            queryset.values(*shape.sources), **{self.lookup_field: kwargs[lookup]}
        )
        return Response(self.attach_rows(shape.rows([row]))[0])

    def attach_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Add what the serializer computes for a whole page (its ``ATTACHED_FIELDS``)."""
        return rows


class CategoryViewSet(CatalogViewSetMixin, ValuesReadMixin, viewsets.ModelViewSet):
    """Categories. Read: anyone; write: staff. A category that still has products or
    subcategories cannot be deleted (409)."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    permission_classes = [IsStaffOrReadOnly]

    def perform_create(self, serializer: BaseSerializer) -> None:
        serializer.instance = catalog.create_category(
            serializer.validated_data, actor=self.request.user, context=self.audit_context()
        )

    def perform_update(self, serializer: BaseSerializer) -> None:
        catalog.update_category(
            serializer.instance,
            serializer.validated_data,
            actor=self.request.user,
            context=self.audit_context(),
        )

    def perform_destroy(self, instance: Category) -> None:
        catalog.delete_category(instance, actor=self.request.user, context=self.audit_context())

    @swagger_auto_schema(responses={204: "Deleted.", 409: openapi.Response("Not empty.")})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().destroy(request, *args, **kwargs)


VARIANTS_MODES = ("grouped", "flat")


class ProductViewSet(CatalogViewSetMixin, ValuesReadMixin, viewsets.ModelViewSet):
    """Products. Read: anyone (inactive products are hidden from non-staff); write: staff.

    The list shows parents with their variants and standalone products; `?variants=flat`
    lists what can be bought (standalone products and variants). A product is found by id
    or by slug (`/api/products/blue-shirt/`). Staff may set `stock`: the difference
    becomes one inventory movement. With cart reservations on, a customer's `stock` is the
    units they may buy: the stock less the units carts hold; staff see the stock itself.
    """

    serializer_class = ProductSerializer
    permission_classes = [IsStaffOrReadOnly]
    filter_backends = [ProductFilterBackend]
    filterset_class = ProductFilter
    # For the schema generator, which reads the model from here.
    queryset = Product.objects.all()

    def get_queryset(self) -> QuerySet[Product]:
        queryset = Product.objects.only(*ProductSerializer.READ_FIELDS)
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        if not is_staff(self.request):
            queryset = queryset.filter(is_active=True)
        return queryset

    @swagger_auto_schema(
        manual_parameters=[
            openapi.Parameter(
                "variants",
                openapi.IN_QUERY,
                type=openapi.TYPE_STRING,
                enum=list(VARIANTS_MODES),
                description="grouped (default): parents with their variants and standalone "
                "products; flat: what can be bought (standalone products and variants).",
            )
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        data = response.data
        self._show_available(data["results"] if isinstance(data, dict) else data)
        return response

    def _variants_mode(self) -> str:
        mode = self.request.query_params.get("variants") or "grouped"
        if mode not in VARIANTS_MODES:
            raise ValidationError({"variants": ["grouped (the default) or flat."]})
        return mode

    def filter_queryset(self, queryset: QuerySet[Product]) -> QuerySet[Product]:
        if self.action == "retrieve":
            return super().filter_queryset(queryset)
        if self.action != "list":
            return queryset
        # The filters read each row's own columns (a parent's category, "from" price and
        # text; its stock through its variants): see services.variants. So the list stays
        # the walk of one index with a LIMIT, whichever rows it shows.
        if self._variants_mode() == "flat":
            return super().filter_queryset(queryset.filter(is_parent=False))
        return super().filter_queryset(queryset.filter(catalog_listing.LISTED))

    def attach_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        attach_summaries(rows, rows, include_inactive=is_staff(self.request))
        return rows

    def get_object(self) -> Product:
        queryset = self.get_queryset()
        key = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        product = get_object_or_404(queryset, **_product_lookup(key))
        self.check_object_permissions(self.request, product)
        return product

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        shape = row_shape(self.get_serializer_class())
        if shape is None:
            response = super().retrieve(request, *args, **kwargs)
        else:
            key = kwargs[self.lookup_url_kwarg or self.lookup_field]
            queryset = self.filter_queryset(self.get_queryset())
            row = get_object_or_404(queryset.values(*shape.sources), **_product_lookup(key))
            response = Response(self.attach_rows(shape.rows([row]))[0])
        self._show_available([response.data])
        return response

    def _show_available(self, rows: list[dict[str, Any]]) -> None:
        # Staff see the stock column, which is what they edit.
        if not is_staff(self.request):
            catalog_listing.show_available_stock(rows)

    def perform_create(self, serializer: BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        stock = data.pop("stock", 0)
        serializer.instance = catalog.create_product(
            data, stock=stock, actor=self.request.user, context=self.audit_context()
        )

    def perform_update(self, serializer: BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        stock = data.pop("stock", None)
        catalog.update_product(
            serializer.instance,
            data,
            stock=stock,
            actor=self.request.user,
            context=self.audit_context(),
        )

    def perform_destroy(self, instance: Product) -> None:
        catalog.delete_product(instance, actor=self.request.user, context=self.audit_context())

    @swagger_auto_schema(responses={204: "Deleted.", 409: openapi.Response("Ordered before.")})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().destroy(request, *args, **kwargs)

    @swagger_auto_schema(responses={200: FacetsSerializer, 400: ERRORS[400]})
    @action(detail=False, methods=["get"], pagination_class=None)
    def facets(self, request: Request) -> Response:
        """Counts of what can be bought (standalone products and variants) after the
        list's filters (`category`, `min_price`, `max_price`, `search`, `in_stock`): per
        category, per option value, per price band (`FACET_PRICE_BANDS`) and in stock or
        not. Three queries whatever the catalog's size."""
        sellable = self.get_queryset().filter(is_parent=False)
        filtered = ProductFilterBackend().filter_queryset(request, sellable, self)
        return Response(FacetsSerializer(facet_counts.facets(filtered)).data)

    @swagger_auto_schema(
        request_body=ProductImageUploadSerializer,
        responses={201: ProductImageSerializer, **ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser],
        serializer_class=ProductImageUploadSerializer,
    )
    def images(self, request: Request, pk: str | None = None) -> Response:
        """Upload an image of the product (staff; `multipart/form-data` with `image`,
        optional `alt_text` and `position`). Pillow checks that it is a JPEG, PNG, GIF or
        WebP image of at most `MAX_IMAGE_BYTES`."""
        product = self.get_object()
        serializer = ProductImageUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        image = product_images.add_image(
            product,
            data["image"],
            alt_text=data["alt_text"],
            position=data.get("position"),
            actor=request.user,
            context=self.audit_context(),
        )
        return Response(_image_payload(image), status=status.HTTP_201_CREATED)

    @swagger_auto_schema(
        request_body=ImageOrderSerializer,
        responses={200: ProductImageSerializer(many=True), **ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="images/order",
        serializer_class=ImageOrderSerializer,
    )
    def order_images(self, request: Request, pk: str | None = None) -> Response:
        """Reorder the product's images (staff): `{"order": [image ids]}`, every image once."""
        product = self.get_object()
        serializer = ImageOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ordered = product_images.reorder_images(
            product,
            serializer.validated_data["order"],
            actor=request.user,
            context=self.audit_context(),
        )
        return Response([_image_payload(image) for image in ordered])

    @swagger_auto_schema(responses={204: "Deleted.", 404: ERRORS[404]})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"images/(?P<image_id>[0-9]{1,18})",
        serializer_class=ProductImageSerializer,
    )
    def delete_image(self, request: Request, pk: str | None = None, image_id: str = "") -> Response:
        """Delete one image of the product (staff); the file goes once the deletion commits."""
        product = self.get_object()
        image = get_object_or_404(ProductImage.objects.filter(product=product), pk=int(image_id))
        product_images.delete_image(image, actor=request.user, context=self.audit_context())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _product_lookup(key: str) -> dict[str, Any]:
    """An id when ``key`` is digits (within the id column's range), a slug otherwise."""
    if key.isascii() and key.isdigit():
        value = int(key)
        return {"pk": value} if value <= ID_COLUMN_MAX else {"pk": 0}
    return {"slug": key}


def _image_payload(image: ProductImage) -> dict[str, Any]:
    return {
        "id": image.pk,
        "url": image.image.url,
        "alt_text": image.alt_text,
        "position": image.position,
    }


class OrderViewSet(
    CatalogViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Orders. A customer sees only their own (anyone else's is a 404); staff see all,
    guest orders included. A guest reads and cancels their order with its secret
    (`X-Order-Secret`) instead of a token."""

    serializer_class = OrderSerializer
    permission_classes = [IsAuthenticatedOrGuest]
    #: What an anonymous caller holding an order's secret may do with that order.
    guest_actions = frozenset({"retrieve", "transition", "destroy"})
    # A guest's keyed write is stored under its secret: replayed to no one else.
    anonymous_idempotency_scope = staticmethod(guest_idempotency_scope)
    queryset = Order.objects.all()

    def get_queryset(self) -> QuerySet[Order]:
        queryset = Order.objects.select_related(
            "shipping_postal_address", "billing_postal_address"
        ).prefetch_related("lines", "adjustments")
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        if is_staff(self.request):
            return queryset
        if self.request.user.is_authenticated:
            return queryset.filter(user=self.request.user)
        # A guest (the permission let no other anonymous caller in): the one order whose
        # secret they hold, or nothing. Never a list.
        order_id = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if self.action in self.guest_actions and guest.admits(order_id, order_secret(self.request)):
            return queryset.filter(pk=order_id)
        return queryset.none()

    def actor(self, order: Order) -> Any:
        return guest_or_user(self.request, order.pk)

    def _render(self, order: Order, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=order.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    @swagger_auto_schema(
        request_body=OrderCreateSerializer,
        responses={201: OrderSerializer, 400: ERRORS[400]},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Place an order; the server prices it and takes the stock."""
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order = ordering.place_order(
            request.user,
            data["items"],
            note=data["note"],
            shipping_address=data["shipping_address"],
            context=self.audit_context(),
        )
        # place_order returns the order with its lines and adjustments: no query to render.
        return Response(self.get_serializer(order).data, status=status.HTTP_201_CREATED)

    def _update(self, request: Request) -> Response:
        order = self.get_object()
        serializer = OrderUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ordering.update_order(
            order, request.user, **serializer.validated_data, context=self.audit_context()
        )
        return self._render(order)

    @swagger_auto_schema(
        request_body=OrderUpdateSerializer,
        responses={200: OrderSerializer, **ERRORS},
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change the note or the shipping address (while pending), or the status (along
        the state machine). Every field is optional; other fields are ignored."""
        return self._update(request)

    @swagger_auto_schema(
        request_body=OrderUpdateSerializer,
        responses={200: OrderSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """As PUT."""
        return self._update(request)

    @swagger_auto_schema(
        manual_parameters=[ORDER_SECRET],
        security=TOKEN_OR_SECRET,
        responses={200: OrderSerializer, 404: ERRORS[404]},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The order: its owner's, staff's, or a guest's with the order's secret."""
        return super().retrieve(request, *args, **kwargs)

    @swagger_auto_schema(
        manual_parameters=[ORDER_SECRET],
        security=TOKEN_OR_SECRET,
        responses={204: "Cancelled (the order stays readable).", **ERRORS},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Cancel the order and give its stock back; an order already cancelled is left
        as it is (so racing DELETEs all answer 204). The order is never deleted. A guest
        may cancel their pending order with its secret."""
        order = self.get_object()
        ordering.cancel_order(order, self.actor(order), context=self.audit_context())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @swagger_auto_schema(
        request_body=TransitionSerializer,
        manual_parameters=[ORDER_SECRET],
        security=TOKEN_OR_SECRET,
        responses={200: OrderSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the order to another status along the state machine. The customer (a
        guest with the order's secret included) may only cancel a pending order."""
        order = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ordering.transition_order(
            order,
            serializer.validated_data["status"],
            self.actor(order),
            context=self.audit_context(),
        )
        return self._render(order)

    @swagger_auto_schema(
        responses={200: AuditLogPageSerializer, 404: ERRORS[404]},
        paginated=True,
    )
    @action(detail=True, methods=["get"], serializer_class=AuditLogSerializer)
    def audit(self, request: Request, pk: str | None = None) -> Response:
        """The order's audit trail, oldest first (paginated)."""
        order = self.get_object()
        entries = AuditLog.objects.filter(
            object_type=object_type(order), object_id=str(order.pk)
        ).order_by("created_at", "id")
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(
            AuditLogSerializer(page, many=True, context=self.get_serializer_context()).data
        )
