"""The payments API: start and list an order's payments, capture, refund, and receive the
providers' webhooks. Each view parses, authorises, calls one service and renders.

Who may pay an order is decided in one place, :func:`payable_order`.
"""

from __future__ import annotations

from typing import Any

from drf_yasg import openapi
from drf_yasg.utils import no_body, swagger_auto_schema
from rest_framework import status
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from nexus_catalog.api.permissions import (
    IsAuthenticatedOrGuest,
    IsStaff,
    guest_idempotency_scope,
    is_staff,
    order_secret,
)
from nexus_catalog.api.schema import ERROR_SCHEMA, NexusAutoSchema
from nexus_catalog.api.serializers import (
    PaymentSerializer,
    PaymentStartSerializer,
    RefundSerializer,
    StartedPaymentSerializer,
    WebhookAnswerSerializer,
)
from nexus_catalog.api.views import (
    ORDER_SECRET,
    TOKEN_OR_SECRET,
    CatalogViewSetMixin,
    guest_or_user,
)
from nexus_catalog.conf import catalog_settings
from nexus_catalog.exceptions import UnknownPaymentProvider
from nexus_catalog.idempotency.exempt import idempotency_exempt
from nexus_catalog.idempotency.keys import MalformedKey, parse_key
from nexus_catalog.models import Order, Payment
from nexus_catalog.services import guest, payments, refunds

PROVIDER_ERROR = openapi.Response(
    "The payment provider refused the request or could not be reached (nothing written; "
    "retry with the same Idempotency-Key).",
    ERROR_SCHEMA,
)


# drf-yasg cannot tell the type of a plain view's path parameter: it would say "string".
ORDER_ID = openapi.Parameter(
    "order_id", openapi.IN_PATH, type=openapi.TYPE_INTEGER, description="The order's id."
)
PAYMENT_ID = openapi.Parameter(
    "payment_id", openapi.IN_PATH, type=openapi.TYPE_INTEGER, description="The payment's id."
)


def payable_order(request: Request, order_id: int) -> Order:
    """The order ``order_id`` if the caller may see and pay it: its owner, staff, or an
    anonymous caller presenting the secret of that guest order (``X-Order-Secret``).
    Anyone else gets a 404, as for the order itself.

    This is the one place that decides it.
    """
    orders = Order.objects.all()
    if is_staff(request):
        pass
    elif request.user.is_authenticated:
        orders = orders.filter(user_id=request.user.pk)
    elif not guest.admits(order_id, order_secret(request)):
        orders = orders.none()
    return get_object_or_404(orders, pk=order_id)


def client_idempotency_key(request: Request) -> str | None:
    """The request's ``Idempotency-Key``, passed on (derived) to the provider."""
    raw = request.headers.get(catalog_settings.IDEMPOTENCY["HEADER"])
    if raw is None:
        return None
    try:
        return parse_key(raw)
    except MalformedKey:
        return None  # the middleware answered 400 already, where it is installed


class PaymentViewMixin(CatalogViewSetMixin):
    swagger_schema = NexusAutoSchema
    pagination_class = None


class OrderPaymentsView(PaymentViewMixin, APIView):
    """The payments of an order: its owner, staff, and a guest with the order's secret."""

    permission_classes = [IsAuthenticatedOrGuest]
    guest_actions = frozenset({"get", "post"})
    # A guest's keyed payment start (its answer holds the provider's client secret) is
    # stored under the order's secret: replayed to no one else.
    anonymous_idempotency_scope = staticmethod(guest_idempotency_scope)

    @swagger_auto_schema(
        operation_id="orders_payments_list",
        manual_parameters=[ORDER_ID, ORDER_SECRET],
        security=TOKEN_OR_SECRET,
        responses={200: PaymentSerializer(many=True), 404: openapi.Response("Not found.")},
    )
    def get(self, request: Request, order_id: int) -> Response:
        """The order's payments, oldest first (not paginated: an order has a few)."""
        order = payable_order(request, order_id)
        rows = Payment.objects.filter(order=order).order_by("created_at", "id")
        return Response(PaymentSerializer(rows, many=True).data)

    @swagger_auto_schema(
        operation_id="orders_payments_create",
        request_body=PaymentStartSerializer,
        manual_parameters=[ORDER_ID, ORDER_SECRET],
        security=TOKEN_OR_SECRET,
        responses={201: StartedPaymentSerializer, 502: PROVIDER_ERROR},
    )
    def post(self, request: Request, order_id: int) -> Response:
        """Start paying a pending order through a provider. The amount and currency are
        the order's total and currency, never the client's. Send an `Idempotency-Key`: it
        is passed on (derived) to the provider, so a retry never charges twice.

        The answer carries what the client needs to finish: Stripe's `client_secret`
        for Stripe.js, or the provider's `next_action`."""
        order = payable_order(request, order_id)
        serializer = PaymentStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment, started = payments.start_payment(
            order,
            serializer.validated_data["provider"],
            guest_or_user(request, order.pk),
            client_key=client_idempotency_key(request),
            context=self.audit_context(),
        )
        data = dict(PaymentSerializer(payment).data)
        data.update(client_secret=started.client_secret, next_action=started.next_action)
        return Response(data, status=status.HTTP_201_CREATED)


class PaymentCaptureView(PaymentViewMixin, APIView):
    """Staff: take the money of a payment (a `manual` payment received, an authorized card
    payment)."""

    permission_classes = [IsStaff]

    @swagger_auto_schema(
        operation_id="orders_payments_capture",
        manual_parameters=[ORDER_ID, PAYMENT_ID],
        request_body=no_body,
        responses={200: PaymentSerializer, 502: PROVIDER_ERROR},
    )
    def post(self, request: Request, order_id: int, payment_id: int) -> Response:
        """Capture the payment; when the order's captured money covers its total, the
        order becomes paid."""
        payment = get_object_or_404(Payment, pk=payment_id, order_id=order_id)
        payments.capture_payment(
            payment,
            request.user,
            client_key=client_idempotency_key(request),
            context=self.audit_context(),
        )
        return Response(PaymentSerializer(payment).data)


class OrderRefundsView(PaymentViewMixin, APIView):
    """Staff: give an order's money back through the provider that took it."""

    permission_classes = [IsStaff]

    @swagger_auto_schema(
        operation_id="orders_refunds_create",
        manual_parameters=[ORDER_ID],
        request_body=RefundSerializer,
        responses={200: PaymentSerializer(many=True), 502: PROVIDER_ERROR},
    )
    def post(self, request: Request, order_id: int) -> Response:
        """Refund all of the order's captured money, or `amount` of it (from one payment).
        The order's status is left as it is; cancelling a paid order refunds it too. A
        refund the provider refuses is a 502 and changes nothing."""
        order = get_object_or_404(Order, pk=order_id)
        serializer = RefundSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refunded = refunds.refund_order(
            order,
            request.user,
            amount=serializer.validated_data.get("amount"),
            client_key=client_idempotency_key(request),
            context=self.audit_context(),
        )
        return Response(PaymentSerializer(refunded, many=True).data)


@idempotency_exempt
class PaymentWebhookView(PaymentViewMixin, APIView):
    """A payment provider's webhook: no authentication, the provider's signature instead.

    Exempt from CSRF (a DRF view without session authentication) and from the
    idempotency middleware: the provider's event id is its idempotency key."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @swagger_auto_schema(
        operation_id="payments_webhooks_create",
        request_body=openapi.Schema(
            type=openapi.TYPE_OBJECT,
            description="The provider's event, as it sends it (signed).",
            additional_properties=True,
        ),
        responses={
            200: WebhookAnswerSerializer,
            400: openapi.Response("Missing or wrong signature: nothing written.", ERROR_SCHEMA),
            404: openapi.Response("No such provider.", ERROR_SCHEMA),
        },
        security=[],
    )
    def post(self, request: Request, provider: str) -> Response:
        """Receive one event. A signature that does not verify is a 400 and writes
        nothing; an event delivered again, of a type the provider ignores, or about no
        known payment is a 200 and changes nothing."""
        try:
            outcome = payments.handle_webhook(
                provider, request.body, request.headers, context=self.audit_context()
            )
        except UnknownPaymentProvider:
            return Response({"detail": "No such payment provider."}, status=404)
        return Response({"status": outcome})
