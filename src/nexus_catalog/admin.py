"""The Django admin of the catalog. Every change goes through the services, so it is
audited and, for stock, written to the ledger; the ledger, the order lines, the payments
and their provider events, and the audit log are read-only here (a payment changes only
through its provider: the API's capture and refund endpoints, webhooks)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from nexus_catalog.exceptions import NexusError
from nexus_catalog.models import (
    AuditLog,
    Category,
    InventoryMovement,
    Order,
    OrderAdjustment,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentEvent,
    Product,
    ProductImage,
)
from nexus_catalog.models.inventory import MovementReason
from nexus_catalog.request_context import audit_context
from nexus_catalog.services import catalog, inventory, ordering


class ReadOnlyAdminMixin:
    """Viewable, never added, changed or deleted through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _changed(form: forms.ModelForm, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in fields}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent"]
    search_fields = ["name", "slug"]
    readonly_fields = ["slug", "created_at", "updated_at"]
    fields = ["name", "slug", "parent", "description", "created_at", "updated_at"]

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        context = audit_context(request)
        data = _changed(form, catalog.CATEGORY_FIELDS)
        if change:
            catalog.update_category(obj, data, actor=request.user, context=context)
        else:
            created = catalog.create_category(data, actor=request.user, context=context)
            obj.pk, obj.slug, obj._state.adding = created.pk, created.slug, False

    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        catalog.delete_category(obj, actor=request.user, context=audit_context(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Category]) -> None:
        for category in queryset:
            self.delete_model(request, category)


class ProductAdminForm(forms.ModelForm):
    """The product's fields, with ``stock`` replaced by a signed change that the inventory
    service records as a movement."""

    stock_change = forms.IntegerField(
        required=False,
        help_text="Units to add (positive) or remove (negative); recorded in the stock ledger.",
    )
    stock_note = forms.CharField(required=False, max_length=255)

    class Meta:
        model = Product
        fields = ["name", "sku", "description", "price", "category", "is_active"]

    def clean_stock_change(self) -> int | None:
        change = self.cleaned_data.get("stock_change")
        current = self.instance.stock if self.instance.pk else 0
        if change and current + change < 0:
            raise forms.ValidationError(f"Only {current} in stock.")
        return change


class ProductKindFilter(admin.SimpleListFilter):
    """Standalone products, parents of variants, or variants."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("standalone", "standalone"), ("parent", "parent"), ("variant", "variant")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> QuerySet[Product]:
        kind = self.value()
        if kind == "standalone":
            return queryset.filter(parent__isnull=True, is_parent=False)
        if kind == "parent":
            return queryset.filter(is_parent=True)
        if kind == "variant":
            return queryset.filter(parent__isnull=False)
        return queryset


class VariantInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A parent's variants, each a product of its own (edited on its own page: its stock
    goes through the ledger, its values through the variants' rules)."""

    model = Product
    fk_name = "parent"
    fields = ["name", "sku", "option_values", "price", "stock", "is_active"]
    readonly_fields = fields
    show_change_link = True
    extra = 0
    verbose_name = "variant"
    verbose_name_plural = "variants"


class ProductImageInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The product's images in position order; uploaded, reordered and deleted through
    ``/api/products/<id>/images/``, where Pillow checks each file and the change is
    audited."""

    model = ProductImage
    fields = ["preview", "alt_text", "position"]
    readonly_fields = fields
    extra = 0

    @admin.display(description="image")
    def preview(self, image: ProductImage) -> str:
        return format_html(
            '<img src="{}" alt="{}" style="max-height:64px">', image.image.url, image.alt_text
        )


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductAdminForm
    list_display = ["name", "sku", "price", "stock", "is_active", "category", "parent"]
    list_filter = [ProductKindFilter, "is_active", "category"]
    search_fields = ["name", "sku"]
    list_select_related = ["category", "parent"]
    # The kind of a product, its parent and option names are set when it is created
    # (through the API); a parent's price is its variants' lowest (services.variants).
    readonly_fields = [
        "slug",
        "stock",
        "parent",
        "option_names",
        "option_values",
        "created_at",
        "updated_at",
    ]
    inlines = [VariantInline, ProductImageInline]

    def get_inlines(self, request: HttpRequest, obj: Product | None) -> list[Any]:
        if obj is None:
            return []
        return [VariantInline, ProductImageInline] if obj.is_parent else [ProductImageInline]

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        context = audit_context(request)
        data = _changed(form, catalog.PRODUCT_FIELDS)
        stock_change = form.cleaned_data.get("stock_change")
        if change:
            product = Product.objects.get(pk=obj.pk)
            catalog.update_product(product, data, actor=request.user, context=context)
        else:
            product = catalog.create_product(data, actor=request.user, context=context)
            obj.pk, obj.slug, obj._state.adding = product.pk, product.slug, False
        if stock_change:
            reason = MovementReason.RESTOCK if stock_change > 0 else MovementReason.ADJUSTMENT
            inventory.adjust_stock(
                product,
                stock_change,
                reason=reason,
                actor=request.user,
                note=form.cleaned_data.get("stock_note") or "admin",
                context=context,
            )
        obj.stock = product.stock

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        catalog.delete_product(obj, actor=request.user, context=audit_context(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        for product in queryset:
            self.delete_model(request, product)


class OrderLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderLine
    fields = ["product", "product_name", "product_sku", "unit_price", "quantity", "line_total"]
    readonly_fields = fields
    extra = 0


class OrderAdjustmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderAdjustment
    fields = ["code", "label", "amount", "source"]
    readonly_fields = fields
    extra = 0


PAYMENT_FIELDS = [
    "provider",
    "status",
    "amount",
    "currency",
    "captured_amount",
    "refunded_amount",
    "reference",
    "failure_code",
    "created_at",
]


class PaymentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Payment
    fields = PAYMENT_FIELDS
    readonly_fields = fields
    extra = 0
    show_change_link = True


def _transition_action(target: str, label: str):
    def move(modeladmin: OrderAdmin, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        moved = 0
        for order in queryset:
            try:
                ordering.transition_order(
                    order, target, request.user, context=audit_context(request)
                )
                moved += 1
            except NexusError as exc:
                modeladmin.message_user(request, f"Order #{order.pk}: {exc}", messages.ERROR)
        if moved:
            modeladmin.message_user(request, f"{moved} order(s) moved to {target}.")

    move.__name__ = f"mark_{target}"
    return admin.action(description=label)(move)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders are read-only; their status moves only through the actions (the same state
    machine as the API)."""

    list_display = ["id", "user", "email", "status", "total", "currency", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["id", "user__username", "user__email", "email"]
    # A guest order shows no user (``-``) and its e-mail; its secret's hash is nobody's
    # business, here or anywhere.
    exclude = ["guest_secret_hash"]
    list_select_related = ["user"]
    inlines = [OrderLineInline, OrderAdjustmentInline, PaymentInline]
    actions = [
        _transition_action(OrderStatus.PAID, "Mark as paid"),
        _transition_action(OrderStatus.SHIPPED, "Mark as shipped"),
        _transition_action(OrderStatus.DELIVERED, "Mark as delivered"),
        _transition_action(OrderStatus.CANCELLED, "Cancel (returns stock)"),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The changelist must be "changeable" for actions to run; the form itself is
        # read-only (every field below).
        return super().has_change_permission(request, obj) if obj is None else False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InventoryMovement)
class InventoryMovementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "product", "change", "reason", "actor", "order_line"]
    list_filter = ["reason", "created_at"]
    search_fields = ["product__name", "product__sku", "note"]
    list_select_related = ["product", "actor", "order_line"]


class PaymentEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PaymentEvent
    fields = ["created_at", "type", "provider_event_id", "data"]
    readonly_fields = fields
    extra = 0


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Payments, with the events their provider reported: read-only."""

    list_display = ["id", "order", "provider", "status", "amount", "currency", "created_at"]
    list_filter = ["provider", "status", "created_at"]
    search_fields = ["=order__id", "reference"]
    list_select_related = ["order"]
    fields = ["uuid", "order", *PAYMENT_FIELDS, "updated_at"]
    readonly_fields = fields
    inlines = [PaymentEventInline]

    def get_actions(self, request: HttpRequest) -> dict:
        return {}


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The providers' events, append-only."""

    list_display = ["created_at", "payment", "provider", "type", "provider_event_id"]
    list_filter = ["provider", "type", "created_at"]
    search_fields = ["provider_event_id", "=payment__id"]
    list_select_related = ["payment"]

    def get_actions(self, request: HttpRequest) -> dict:
        return {}


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail: append-only, so no one may add, change or delete a row here."""

    list_display = ["created_at", "action", "object_type", "object_id", "actor_repr", "request_id"]
    list_filter = ["action", "object_type", "created_at"]
    search_fields = ["object_id", "actor_repr", "request_id", "event_id"]
    date_hierarchy = "created_at"

    def get_actions(self, request: HttpRequest) -> dict:
        # No "delete selected" either.
        return {}
