"""Serializers of carts, checkout, shipping methods and vouchers (see ``serializers.py``
for the conventions). A cart is rendered from a
:class:`~nexus_catalog.services.carts.PricedCart`: priced now, on every read."""

from __future__ import annotations

from rest_framework import serializers

from nexus_catalog.api.serializers import OrderAdjustmentSerializer, PostalAddressSerializer
from nexus_catalog.conf import ID_COLUMN_MAX
from nexus_catalog.models import ShippingMethod, Voucher

MONEY = {"max_digits": 12, "decimal_places": 2}


class CartLineSerializer(serializers.Serializer):
    """One line of a cart, priced now."""

    id = serializers.IntegerField(source="line.id", read_only=True)
    product = serializers.IntegerField(source="line.product_id", read_only=True)
    product_name = serializers.CharField(source="line.product.name", read_only=True)
    product_sku = serializers.CharField(source="line.product.sku", read_only=True)
    quantity = serializers.IntegerField(source="line.quantity", read_only=True)
    unit_price = serializers.DecimalField(read_only=True, **MONEY)
    line_total = serializers.DecimalField(read_only=True, **MONEY)
    available = serializers.BooleanField(
        read_only=True,
        help_text="Whether the line could be checked out now: its product on sale and its "
        "quantity in stock (less what other carts hold, with reservations on).",
    )
    reserved_until = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="Until when the line holds its units for this cart (reservations on); "
        "null when it holds none: reservations off, the hold expired, or the cart closed.",
    )


class CartSerializer(serializers.Serializer):
    """A cart, priced now through the same hooks as an order: what its checkout charges.
    `problems` lists, per field, what would stop a checkout now (empty when none)."""

    token = serializers.CharField(source="cart.token", read_only=True)
    status = serializers.CharField(source="cart.status", read_only=True)
    user = serializers.IntegerField(source="cart.user_id", read_only=True, allow_null=True)
    email = serializers.CharField(source="cart.email", read_only=True, allow_blank=True)
    shipping_address = PostalAddressSerializer(
        source="cart.shipping_address", read_only=True, allow_null=True
    )
    billing_address = PostalAddressSerializer(
        source="cart.billing_address", read_only=True, allow_null=True
    )
    shipping_method = serializers.CharField(
        source="cart.shipping_method", read_only=True, allow_blank=True
    )
    voucher = serializers.CharField(source="cart.voucher_code", read_only=True, allow_blank=True)
    lines = CartLineSerializer(many=True, read_only=True)
    subtotal = serializers.DecimalField(read_only=True, **MONEY)
    adjustments = OrderAdjustmentSerializer(many=True, read_only=True)
    total = serializers.DecimalField(read_only=True, **MONEY)
    currency = serializers.CharField(read_only=True)
    problems = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        read_only=True,
        help_text="What would stop a checkout now, as messages per field.",
    )
    order = serializers.IntegerField(source="cart.order_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(source="cart.created_at", read_only=True)
    updated_at = serializers.DateTimeField(source="cart.updated_at", read_only=True)

    class Meta:
        ref_name = "Cart"


class CartCreateSerializer(serializers.Serializer):
    """Creating a cart takes no field: POST an empty object."""

    class Meta:
        ref_name = "CartCreate"


class CartUpdateSerializer(serializers.Serializer):
    """What PATCH may change. An address is an object, or the id of one of the caller's
    saved addresses (`*_address_id`, signed in); `null` clears it. `shipping_method` and
    `voucher` are codes; `""` clears them."""

    email = serializers.EmailField(required=False, allow_blank=True)
    shipping_address = PostalAddressSerializer(required=False, allow_null=True)
    shipping_address_id = serializers.IntegerField(
        required=False, min_value=1, max_value=ID_COLUMN_MAX, write_only=True
    )
    billing_address = PostalAddressSerializer(required=False, allow_null=True)
    billing_address_id = serializers.IntegerField(
        required=False, min_value=1, max_value=ID_COLUMN_MAX, write_only=True
    )
    shipping_method = serializers.CharField(required=False, allow_blank=True, max_length=64)
    voucher = serializers.CharField(required=False, allow_blank=True, max_length=64)

    class Meta:
        ref_name = "CartUpdate"


class CartLineCreateSerializer(serializers.Serializer):
    """A product to add; the same product again adds to its line."""

    product = serializers.IntegerField(min_value=1, max_value=ID_COLUMN_MAX)
    quantity = serializers.IntegerField(min_value=1, help_text="Units to add (1 or more).")


class CartLineUpdateSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, help_text="The line's new quantity.")


class CheckoutSerializer(serializers.Serializer):
    """`expected_total`: the total the customer saw; if the cart's total now differs, the
    answer is a 409 with the cart priced now, and nothing is written."""

    expected_total = serializers.DecimalField(required=False, **MONEY)


class CheckoutConflictSerializer(serializers.Serializer):
    """The 409 of a checkout: `order` when the cart was already checked out (the order it
    became), `cart` (priced now) when `expected_total` no longer holds."""

    detail = serializers.CharField(read_only=True)
    order = serializers.IntegerField(read_only=True)
    cart = CartSerializer(read_only=True)

    class Meta:
        ref_name = "CheckoutConflict"
        optional_in_response = ["order", "cart"]


class ShippingOfferSerializer(serializers.Serializer):
    """A way to ship this cart: a row or a plugin's offer; `price` is what it costs this
    cart now (0.00 past its free-over amount)."""

    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    price = serializers.DecimalField(read_only=True, **MONEY)


class ShippingMethodSerializer(serializers.ModelSerializer):
    """A shipping method. `countries`: ISO 3166-1 alpha-2 codes; empty means everywhere.
    `free_over`: shipping costs nothing from this subtotal (null: never free)."""

    price = serializers.DecimalField(min_value=0, **MONEY)
    free_over = serializers.DecimalField(min_value=0, allow_null=True, required=False, **MONEY)
    countries = serializers.ListField(
        child=serializers.RegexField(r"^[A-Za-z]{2}$"), required=False, allow_empty=True
    )

    class Meta:
        model = ShippingMethod
        fields = [
            "id",
            "code",
            "name",
            "price",
            "free_over",
            "countries",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class VoucherSerializer(serializers.ModelSerializer):
    """A voucher (staff). `code` matches whatever its case (stored upper-case). `kind`:
    `percent` (`value` 0-100), `fixed` (`value` off the subtotal), `free_shipping`.
    Null limits and dates: none."""

    value = serializers.DecimalField(min_value=0, required=False, **MONEY)
    min_subtotal = serializers.DecimalField(min_value=0, required=False, **MONEY)

    class Meta:
        model = Voucher
        fields = [
            "id",
            "code",
            "kind",
            "value",
            "min_subtotal",
            "valid_from",
            "valid_until",
            "max_uses",
            "max_uses_per_customer",
            "used_count",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["used_count", "created_at", "updated_at"]
