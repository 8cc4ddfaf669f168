"""Serializers: the API's input validation and output shapes. They never save: the
viewsets hand ``validated_data`` to the services. Their docstrings and help texts describe
the API to its clients, in Markdown (as the viewsets' docstrings: see ``api/views.py``).

Money is a string with two places (``"12.50"``), as DRF's ``DecimalField`` renders it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from nexus_accounts.models.addresses import ADDRESS_FIELDS
from nexus_catalog.api.reads import FastRepresentationMixin
from nexus_catalog.conf import ID_COLUMN_MAX, STOCK_COLUMN_MAX, catalog_settings
from nexus_catalog.models import (
    AuditLog,
    Category,
    Order,
    OrderAddress,
    OrderAdjustment,
    OrderLine,
    OrderStatus,
    Payment,
    Product,
)
from nexus_catalog.services import listing

TEXT_MAX_LENGTH = 2000


def blank_text() -> serializers.CharField:
    """A read-only text that may be empty (the schema must not claim ``minLength: 1``)."""
    return serializers.CharField(read_only=True, allow_blank=True)


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug", "parent", "description", "created_at", "updated_at"]
        read_only_fields = ["slug", "created_at", "updated_at"]


class ProductImageSerializer(serializers.Serializer):
    """An image of a product: its URL from the storage, in position order."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="Where the storage serves the file.")
    alt_text = serializers.CharField(read_only=True, allow_blank=True)
    position = serializers.IntegerField(read_only=True)


class ProductImageUploadSerializer(serializers.Serializer):
    """A multipart upload of one image (staff)."""

    image = serializers.FileField(
        help_text="A JPEG, PNG, GIF or WebP file; at most MAX_IMAGE_BYTES."
    )
    alt_text = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    position = serializers.IntegerField(
        min_value=0, max_value=STOCK_COLUMN_MAX, required=False, help_text="Default: last."
    )


class ImageOrderSerializer(serializers.Serializer):
    order = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_COLUMN_MAX),
        max_length=1000,
        help_text="Every image id of the product, in the new order.",
    )


class VariantSerializer(serializers.Serializer):
    """A variant as its parent's payload lists it."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)
    sku = serializers.CharField(read_only=True)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    stock = serializers.IntegerField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    option_values = serializers.DictField(child=serializers.CharField(), read_only=True)
    images = ProductImageSerializer(many=True, read_only=True)


class PriceRangeSerializer(serializers.Serializer):
    min = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)
    max = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)


class ProductSerializer(serializers.ModelSerializer):
    """A product: standalone, a parent of variants (`option_names` given at creation; never
    sold, no stock) or a variant (`parent` and `option_values`, one value per option name
    of the parent). `stock` may be set by staff: the difference from the current stock is
    recorded as one inventory movement (`restock` up, `adjustment` down).

    `variants`, `price_range`, `in_stock` and `images` are computed: a parent's range and
    stock are its active variants', and its `price` their lowest."""

    price = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text='Required, except for a parent, whose price is its "from" price: the '
        "lowest of its active variants', kept by the server (0.00 by default until then).",
    )
    stock = serializers.IntegerField(
        min_value=0,
        required=False,
        help_text="Units in stock; at most MAX_STOCK (staff). With cart reservations on, "
        "customers are shown the units not held by carts.",
    )
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(),
        required=False,
        allow_null=True,
        help_text="The parent of a variant (set at creation only).",
    )
    option_names = serializers.ListField(
        child=serializers.CharField(max_length=50),
        required=False,
        max_length=5,
        help_text='A parent\'s option names, such as `["size", "colour"]` (at creation only).',
    )
    option_values = serializers.DictField(
        child=serializers.CharField(max_length=50),
        required=False,
        help_text="A variant's value for each option name of its parent.",
    )
    variants = VariantSerializer(many=True, read_only=True)
    price_range = PriceRangeSerializer(read_only=True)
    in_stock = serializers.BooleanField(read_only=True)
    images = ProductImageSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "slug",
            "sku",
            "description",
            "price",
            "stock",
            "category",
            "is_active",
            "parent",
            "is_parent",
            "option_names",
            "option_values",
            "created_at",
            "updated_at",
            "variants",
            "price_range",
            "in_stock",
            "images",
        ]
        read_only_fields = ["slug", "is_parent", "created_at", "updated_at"]

    #: Computed for a page at once by nexus_catalog.services.listing (see attach_summaries).
    ATTACHED_FIELDS = ("variants", "price_range", "in_stock", "images")

    #: The columns the list and detail read (``.only()``): the fields, foreign keys as ids.
    READ_FIELDS = tuple(
        f"{name}_id" if name in ("category", "parent") else name
        for name in Meta.fields
        if name not in ("variants", "price_range", "in_stock", "images")
    )

    def validate_stock(self, value: int) -> int:
        # The setting is read per request (it may change); the service checks it again.
        if value > catalog_settings.MAX_STOCK:
            raise serializers.ValidationError(
                f"At most {catalog_settings.MAX_STOCK} units (MAX_STOCK)."
            )
        return value

    def to_representation(self, instance: Product) -> dict[str, Any]:
        fields = self.fields
        data = {}
        for name in self.Meta.fields:
            if name in self.ATTACHED_FIELDS:
                continue
            field = fields[name]
            attribute = field.get_attribute(instance)
            data[name] = None if attribute is None else field.to_representation(attribute)
        row = {"id": instance.pk, "is_parent": instance.is_parent, "price": instance.price}
        row["stock"] = instance.stock
        attach_summaries([data], [row], include_inactive=True)
        return data


def attach_summaries(
    payloads: list[dict[str, Any]], rows: list[dict[str, Any]], *, include_inactive: bool
) -> None:
    """Add the computed fields to a page of product payloads (``rows``: their ``id``,
    ``is_parent``, ``price`` and ``stock`` as read), in two queries for the whole page (one
    when it shows no parent)."""
    found = listing.summaries(rows, include_inactive=include_inactive)
    for payload, row in zip(payloads, rows, strict=True):
        summary = found[row["id"]]
        if row["is_parent"]:
            payload["variants"] = [
                {**variant, "price": _money(variant["price"])} for variant in summary.variants
            ]
            payload["price_range"] = {
                "min": _money(summary.price_min),
                "max": _money(summary.price_max),
            }
        else:
            # A product's own price, already rendered in the payload.
            payload["variants"] = []
            payload["price_range"] = {"min": payload["price"], "max": payload["price"]}
        payload["in_stock"] = summary.in_stock
        payload["images"] = summary.images


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(Decimal('0.01')):f}"


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = [
            "id",
            "product",
            "product_name",
            "product_sku",
            "unit_price",
            "quantity",
            "line_total",
        ]
        read_only_fields = fields


class OrderAdjustmentSerializer(serializers.ModelSerializer):
    label = blank_text()
    source = blank_text()

    class Meta:
        model = OrderAdjustment
        fields = ["code", "label", "amount", "source"]
        read_only_fields = fields


class PostalAddressSerializer(serializers.ModelSerializer):
    """A postal address (the accounts' address shape): `name`, `line1`, `city` and
    `country` (ISO 3166-1 alpha-2) required."""

    class Meta:
        model = OrderAddress
        fields = list(ADDRESS_FIELDS)
        ref_name = "PostalAddress"


class OrderSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    """An order as the API shows it; every price was computed by the server. An order
    placed by a checkout also carries its e-mail, shipping method and structured addresses
    (`shipping_postal_address`, `billing_postal_address`; null otherwise). `user` is null
    for a guest order (guest checkout)."""

    lines = OrderLineSerializer(many=True, read_only=True)
    adjustments = OrderAdjustmentSerializer(many=True, read_only=True)
    note = blank_text()
    shipping_address = blank_text()
    email = blank_text()
    shipping_method = blank_text()
    shipping_postal_address = PostalAddressSerializer(read_only=True, allow_null=True)
    billing_postal_address = PostalAddressSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "user",
            "status",
            "currency",
            "subtotal",
            "total",
            "note",
            "shipping_address",
            "email",
            "shipping_method",
            "shipping_postal_address",
            "billing_postal_address",
            "lines",
            "adjustments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CheckedOutOrderSerializer(OrderSerializer):
    """The order a checkout placed (schema only: the view adds `guest_secret` to the
    order's body). A guest order (`user` null) carries `guest_secret`: the secret that
    reads it, pays it and cancels it (`X-Order-Secret`), shown in this answer only, since
    the server keeps only its hash. Keep it as the customer's key to the order."""

    guest_secret = serializers.CharField(
        read_only=True, help_text="Guest orders only: the order's secret, shown once."
    )

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "guest_secret"]
        read_only_fields = fields
        ref_name = "CheckedOutOrder"
        optional_in_response = ["guest_secret"]


class OrderItemSerializer(serializers.Serializer):
    # At most the largest id the column holds: a larger one would be a 500 on SQLite
    # instead of "does not exist".
    product = serializers.IntegerField(
        min_value=1, max_value=ID_COLUMN_MAX, help_text="The product's id."
    )
    quantity = serializers.IntegerField(min_value=1, help_text="Units wanted (1 or more).")

    def validate_quantity(self, value: int) -> int:
        if value > catalog_settings.MAX_LINE_QUANTITY:
            raise serializers.ValidationError(
                f"At most {catalog_settings.MAX_LINE_QUANTITY} units per line."
            )
        return value


class OrderCreateSerializer(serializers.Serializer):
    """What a client sends to place an order. Anything else in the body (prices, totals,
    status, user) is ignored: the server computes it. Two items of the same product are
    merged into one line."""

    items = OrderItemSerializer(many=True, help_text="One entry per product wanted.")
    note = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, allow_blank=True, required=False, default=""
    )
    shipping_address = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, allow_blank=True, required=False, default=""
    )

    def validate_items(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # An empty list is checked here, not with allow_empty=False, so the message sits
        # directly under "items" like the others.
        if not items:
            raise serializers.ValidationError("An order needs at least one item.")
        if len(items) > catalog_settings.MAX_ORDER_LINES:
            raise serializers.ValidationError(
                f"At most {catalog_settings.MAX_ORDER_LINES} items per order."
            )
        return items


class OrderUpdateSerializer(serializers.Serializer):
    """What PUT and PATCH may change: the note and the shipping address while the order is
    pending, and the status along the state machine (as `transition/`). Other fields in
    the body are ignored."""

    note = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_blank=True, required=False)
    shipping_address = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, allow_blank=True, required=False
    )
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=OrderStatus.choices,
        help_text=(
            "The new status: pending -> paid | cancelled, paid -> shipped | cancelled, "
            "shipped -> delivered. The owner may only cancel a pending order."
        ),
    )


class AuditLogSerializer(serializers.ModelSerializer):
    """One audit row. `ip_address` is shown to staff only."""

    actor = serializers.CharField(source="actor_repr", read_only=True, allow_blank=True)
    request_id = blank_text()

    class Meta:
        model = AuditLog
        fields = [
            "event_id",
            "action",
            "actor",
            "before",
            "after",
            "request_id",
            "ip_address",
            "created_at",
        ]
        read_only_fields = fields
        # Left out for callers that are not staff (see nexus_catalog.api.schema).
        optional_in_response = ["ip_address"]

    def to_representation(self, instance: AuditLog) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if not (request and request.user.is_authenticated and request.user.is_staff):
            data.pop("ip_address")
        return data


class AuditLogPageSerializer(serializers.Serializer):
    """A page of the audit trail, as the pagination renders it (schema only)."""

    count = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="null when more than COUNT_LIMIT match."
    )
    next = serializers.URLField(read_only=True, allow_null=True)
    previous = serializers.URLField(read_only=True, allow_null=True)
    results = AuditLogSerializer(many=True, read_only=True)


class PaymentSerializer(serializers.ModelSerializer):
    """A payment of an order. `amount` and `currency` are the order's, set by the server
    when the payment started; `captured_amount` and `refunded_amount` are what the provider
    took and gave back so far."""

    reference = blank_text()
    failure_code = blank_text()

    class Meta:
        model = Payment
        fields = [
            "id",
            "provider",
            "status",
            "amount",
            "currency",
            "captured_amount",
            "refunded_amount",
            "reference",
            "failure_code",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class StartedPaymentSerializer(PaymentSerializer):
    """A payment just started, with what the client needs to finish it: Stripe's
    `client_secret` (for Stripe.js), or the provider's `next_action` (instructions, a
    redirect). Both are shown only in this answer."""

    client_secret = serializers.CharField(read_only=True, allow_blank=True)
    next_action = serializers.JSONField(read_only=True, allow_null=True)

    class Meta(PaymentSerializer.Meta):
        fields = [*PaymentSerializer.Meta.fields, "client_secret", "next_action"]
        read_only_fields = fields


class PaymentStartSerializer(serializers.Serializer):
    """Start paying an order. Only the provider is chosen by the client: the amount and
    currency are the order's."""

    provider = serializers.CharField(
        max_length=64, help_text="The provider's code: `manual`, `stripe`, or a plugin's."
    )


class RefundSerializer(serializers.Serializer):
    """A refund of an order's captured money (staff). Without `amount`, everything
    captured is refunded; with it, that amount, from one payment."""

    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text="The amount to give back; absent: all of it.",
    )


class WebhookAnswerSerializer(serializers.Serializer):
    """What became of a webhook: `processed`, `duplicate` (this event was applied before),
    `ignored` (a type the provider does not act on) or `unmatched` (no known payment)."""

    status = serializers.CharField(read_only=True)


class CategoryCountSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    count = serializers.IntegerField(read_only=True)


class PriceBandSerializer(serializers.Serializer):
    min = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    max = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, allow_null=True, help_text="null: open."
    )
    count = serializers.IntegerField(read_only=True)


class InStockCountSerializer(serializers.Serializer):
    true = serializers.IntegerField(read_only=True)
    false = serializers.IntegerField(read_only=True)


class FacetsSerializer(serializers.Serializer):
    """Counts of the purchasable products (standalone products and variants) that the
    list's filters keep."""

    count = serializers.IntegerField(read_only=True)
    categories = CategoryCountSerializer(many=True, read_only=True)
    options = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        read_only=True,
        help_text='Per option name, the count of each value: `{"size": {"M": 3}}`.',
    )
    price_bands = PriceBandSerializer(many=True, read_only=True)
    in_stock = InStockCountSerializer(read_only=True)
