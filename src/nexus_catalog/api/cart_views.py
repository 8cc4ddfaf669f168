"""Carts, checkout, shipping methods and vouchers: parse, authorise, call a service, render.

A cart's token is its handle in every URL. An owned cart is a 404 to anyone but its owner.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.throttling import BaseThrottle

from nexus_catalog.api.cart_serializers import (
    CartCreateSerializer,
    CartLineCreateSerializer,
    CartLineUpdateSerializer,
    CartSerializer,
    CartUpdateSerializer,
    CheckoutConflictSerializer,
    CheckoutSerializer,
    ShippingMethodSerializer,
    ShippingOfferSerializer,
    VoucherSerializer,
)
from nexus_catalog.api.permissions import CartPermission, IsStaff, IsStaffOrReadOnly
from nexus_catalog.api.serializers import CheckedOutOrderSerializer, OrderSerializer
from nexus_catalog.api.throttles import CartCreateRateThrottle
from nexus_catalog.api.views import CatalogViewSetMixin
from nexus_catalog.exceptions import CheckoutTotalChanged
from nexus_catalog.models import Cart, ShippingMethod, Voucher
from nexus_catalog.services import carts, checkout, shipping, vouchers

LINE_ID = openapi.Parameter(
    "line_id", openapi.IN_PATH, type=openapi.TYPE_INTEGER, description="The line's id."
)
CLOSED = openapi.Response(
    "The cart is closed: checked out (`order` names the order) or merged.",
    openapi.Schema(type=openapi.TYPE_OBJECT, additional_properties=True),
)


class CartSummarySerializer(serializers.ModelSerializer):
    """One of the caller's open carts, unpriced (read it by its token for the prices)."""

    line_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Cart
        fields = ["token", "status", "line_count", "created_at", "updated_at"]
        read_only_fields = fields
        ref_name = "CartSummary"


class CartViewSet(CatalogViewSetMixin, viewsets.GenericViewSet):
    """Carts, addressed by their token. Anyone may create one (owned by the caller when
    signed in); an anonymous cart is anyone's who holds its token, an owned one its owner's
    only. Every read is priced now, through the same hooks as an order."""

    serializer_class = CartSerializer
    permission_classes = [CartPermission]
    lookup_field = "token"
    lookup_value_regex = "[A-Za-z0-9_-]{1,64}"
    queryset = Cart.objects.none()

    def get_queryset(self) -> QuerySet[Cart]:
        if getattr(self, "swagger_fake_view", False):
            return Cart.objects.none()
        return carts.open_carts_of(self.request.user).annotate(line_count=Count("lines"))

    def get_serializer_class(self) -> type[BaseSerializer]:
        return CartSummarySerializer if self.action == "list" else CartSerializer

    def get_throttles(self) -> list[BaseThrottle]:
        # Creation only: every new cart is a row kept until CART_TTL.
        return [CartCreateRateThrottle()] if self.action == "create" else []

    def _priced(self, token: str, code: int = status.HTTP_200_OK) -> Response:
        priced = carts.read_cart(token, self.request.user)
        return Response(CartSerializer(priced).data, status=code)

    @swagger_auto_schema(request_body=CartCreateSerializer, responses={201: CartSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create an empty cart; keep its `token`."""
        cart = carts.create_cart(request.user)
        return self._priced(cart.token, status.HTTP_201_CREATED)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The caller's open carts, the most recently changed first (paginated), unpriced:
        read one by its token for its prices."""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @swagger_auto_schema(responses={200: CartSerializer})
    def retrieve(self, request: Request, token: str | None = None) -> Response:
        """The cart, priced now: what its checkout charges."""
        return self._priced(token)

    @swagger_auto_schema(
        request_body=CartUpdateSerializer, responses={200: CartSerializer, 409: CLOSED}
    )
    def partial_update(self, request: Request, token: str | None = None) -> Response:
        """Set the e-mail, the addresses, the shipping method or the voucher. A voucher
        that does not apply, or a method not offered for the address, is a 400 saying why."""
        serializer = CartUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        carts.update_cart(token, request.user, serializer.validated_data)
        return self._priced(token)

    @swagger_auto_schema(
        request_body=CartLineCreateSerializer, responses={201: CartSerializer, 409: CLOSED}
    )
    @action(detail=True, methods=["post"], url_path="lines")
    def add_line(self, request: Request, token: str | None = None) -> Response:
        """Add a product; the same product again adds to its line. Answers the cart."""
        serializer = CartLineCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        carts.add_line(token, request.user, **serializer.validated_data)
        return self._priced(token, status.HTTP_201_CREATED)

    @swagger_auto_schema(
        method="patch",
        manual_parameters=[LINE_ID],
        request_body=CartLineUpdateSerializer,
        responses={200: CartSerializer, 409: CLOSED},
    )
    @swagger_auto_schema(
        method="delete", manual_parameters=[LINE_ID], responses={204: "Removed.", 409: CLOSED}
    )
    @action(detail=True, methods=["patch", "delete"], url_path=r"lines/(?P<line_id>[0-9]{1,18})")
    def line(self, request: Request, token: str | None = None, line_id: str = "") -> Response:
        """PATCH: set a line's quantity (answers the cart). DELETE: remove the line."""
        if request.method == "DELETE":
            carts.remove_line(token, request.user, int(line_id))
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = CartLineUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        carts.update_line(token, request.user, int(line_id), **serializer.validated_data)
        return self._priced(token)

    @swagger_auto_schema(responses={200: ShippingOfferSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="shipping-methods", pagination_class=None)
    def shipping_methods(self, request: Request, token: str | None = None) -> Response:
        """The shipping methods offered for the cart's address (without one: those that
        ship everywhere), plugins' included, each with what it costs this cart now."""
        choices = carts.shipping_choices(token, request.user)
        data = [
            {"code": offer.code, "name": offer.name, "price": price} for offer, price in choices
        ]
        return Response(ShippingOfferSerializer(data, many=True).data)

    @swagger_auto_schema(
        request_body=CartCreateSerializer, responses={200: CartSerializer, 409: CLOSED}
    )
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, token: str | None = None) -> Response:
        """Make the cart the caller's; their other open carts are merged into it (quantities
        added) and closed."""
        cart = carts.claim(token, request.user)
        return self._priced(cart.token)

    @swagger_auto_schema(
        request_body=CheckoutSerializer,
        responses={
            201: CheckedOutOrderSerializer,
            409: openapi.Response(
                "Already checked out (`order` names the order), merged, or the total is no "
                "longer `expected_total` (`cart` is the cart priced now; nothing was written).",
                CheckoutConflictSerializer,
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def checkout(self, request: Request, token: str | None = None) -> Response:
        """Place the order of the cart: stock taken, voucher redeemed and cart closed in one
        transaction. Answers the order.

        With guest checkout on (`GUEST_CHECKOUT`), an anonymous caller checks out an
        anonymous cart that has an e-mail and a shipping address: the order has no user,
        and the answer carries `guest_secret`, shown this once, which reads, pays and
        cancels that order (`X-Order-Secret`). Off, an anonymous checkout is a 401."""
        serializer = CheckoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            order = checkout.checkout(
                token,
                request.user,
                expected_total=serializer.validated_data.get("expected_total"),
                context=self.audit_context(),
            )
        except CheckoutTotalChanged as changed:
            body = {"detail": changed.message, "cart": CartSerializer(changed.cart).data}
            return Response(body, status=status.HTTP_409_CONFLICT)
        data = OrderSerializer(order).data
        secret = getattr(order, "guest_secret", None)
        if secret is not None:
            data["guest_secret"] = secret
        return Response(data, status=status.HTTP_201_CREATED)


class ShippingMethodViewSet(CatalogViewSetMixin, viewsets.ModelViewSet):
    """Shipping methods. Read: anyone (active ones only, unless staff); write: staff."""

    serializer_class = ShippingMethodSerializer
    permission_classes = [IsStaffOrReadOnly]
    queryset = ShippingMethod.objects.all()

    def get_queryset(self) -> QuerySet[ShippingMethod]:
        queryset = ShippingMethod.objects.order_by("price", "id")
        if getattr(self, "swagger_fake_view", False) or not (
            self.request.user.is_authenticated and self.request.user.is_staff
        ):
            queryset = queryset.filter(is_active=True)
        return queryset

    def perform_create(self, serializer: BaseSerializer) -> None:
        serializer.instance = shipping.save_method(
            ShippingMethod(),
            serializer.validated_data,
            actor=self.request.user,
            context=self.audit_context(),
        )

    def perform_update(self, serializer: BaseSerializer) -> None:
        shipping.save_method(
            serializer.instance,
            serializer.validated_data,
            actor=self.request.user,
            context=self.audit_context(),
        )

    def perform_destroy(self, instance: ShippingMethod) -> None:
        shipping.delete_method(instance, actor=self.request.user, context=self.audit_context())


class VoucherViewSet(CatalogViewSetMixin, viewsets.ModelViewSet):
    """Vouchers (staff only). A voucher already redeemed cannot be deleted (409)."""

    serializer_class = VoucherSerializer
    permission_classes = [IsStaff]
    queryset = Voucher.objects.all()

    def perform_create(self, serializer: BaseSerializer) -> None:
        serializer.instance = vouchers.save_voucher(
            Voucher(),
            serializer.validated_data,
            actor=self.request.user,
            context=self.audit_context(),
        )

    def perform_update(self, serializer: BaseSerializer) -> None:
        vouchers.save_voucher(
            serializer.instance,
            serializer.validated_data,
            actor=self.request.user,
            context=self.audit_context(),
        )

    def perform_destroy(self, instance: Voucher) -> None:
        vouchers.delete_voucher(instance, actor=self.request.user, context=self.audit_context())

    @swagger_auto_schema(
        responses={204: "Deleted.", 409: openapi.Response("Redeemed: deactivate it instead.")}
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().destroy(request, *args, **kwargs)
