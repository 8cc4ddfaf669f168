"""Vouchers: whether a code applies, what it takes off, and its redemption.

A code is matched whatever its case (stored upper-case). Whether it applies is said in
plain words (:class:`~nexus_catalog.exceptions.VoucherNotApplicable`, a ``400`` on
``voucher``): unknown, inactive, not yet or no longer valid, used up, already used by this
customer as often as allowed, or a subtotal under its minimum.

Redemption (:func:`redeem`) happens in the checkout transaction, on the voucher row locked
by :func:`lock` before any stock is taken: the checks are made again under the lock, and
``used_count`` is raised by a conditional ``UPDATE ... WHERE used_count < max_uses``, so no
interleaving of checkouts can use a voucher more than its limits allow (the check
constraint ``nexus_voucher_used_within_max`` is the last guard). Lock order of a checkout:
the cart, the voucher, then the products in ascending primary key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from nexus_catalog.exceptions import CartValidationError, VoucherInUse, VoucherNotApplicable
from nexus_catalog.models import Order, Voucher, VoucherKind, VoucherRedemption
from nexus_catalog.plugins.types import Adjustment
from nexus_catalog.services import audit
from nexus_catalog.services.audit import AuditContext
from nexus_catalog.services.pricing import to_money

ADJUSTMENT_CODE = "voucher"
ADJUSTMENT_SOURCE = "nexus.voucher"
WRITABLE_FIELDS = (
    "code",
    "kind",
    "value",
    "min_subtotal",
    "valid_from",
    "valid_until",
    "max_uses",
    "max_uses_per_customer",
    "is_active",
)


def normalize_code(code: str) -> str:
    return code.strip().upper()


def find(code: str) -> Voucher:
    """The voucher of ``code`` (any case). :raises VoucherNotApplicable: none has it."""
    voucher = Voucher.objects.filter(code=normalize_code(code)).first()
    if voucher is None:
        raise VoucherNotApplicable(f'No voucher has the code "{code}".')
    return voucher


def lock(code: str) -> Voucher:
    """The voucher of ``code``, its row locked until the transaction ends."""
    voucher = Voucher.objects.select_for_update().filter(code=normalize_code(code)).first()
    if voucher is None:
        raise VoucherNotApplicable(f'No voucher has the code "{code}".')
    return voucher


def _uses_by(voucher: Voucher, user: Any, email: str) -> int:
    if user is not None and getattr(user, "is_authenticated", False):
        return voucher.redemptions.filter(user=user).count()
    if email:
        return voucher.redemptions.filter(email__iexact=email).count()
    return 0


def check_applies(
    voucher: Voucher,
    *,
    subtotal: Decimal | None,
    user: Any,
    email: str = "",
    now: datetime | None = None,
) -> None:
    """Refuse ``voucher`` for this customer and subtotal (``None``: not checked yet).

    :raises VoucherNotApplicable: saying why.
    """
    now = now or timezone.now()
    if not voucher.is_active:
        raise VoucherNotApplicable(f"The voucher {voucher.code} is no longer active.")
    if voucher.valid_from and now < voucher.valid_from:
        raise VoucherNotApplicable(
            f"The voucher {voucher.code} is valid from {voucher.valid_from.isoformat()}."
        )
    if voucher.valid_until and now >= voucher.valid_until:
        raise VoucherNotApplicable(
            f"The voucher {voucher.code} expired on {voucher.valid_until.isoformat()}."
        )
    if voucher.max_uses is not None and voucher.used_count >= voucher.max_uses:
        raise VoucherNotApplicable(f"The voucher {voucher.code} has been used up.")
    limit = voucher.max_uses_per_customer
    if limit is not None and _uses_by(voucher, user, email) >= limit:
        raise VoucherNotApplicable(
            f"You have already used the voucher {voucher.code} "
            f"{'once' if limit == 1 else f'{limit} times'}, as often as it allows."
        )
    if subtotal is not None and subtotal < voucher.min_subtotal:
        raise VoucherNotApplicable(
            f"The voucher {voucher.code} needs a subtotal of at least {voucher.min_subtotal} "
            f"(the cart's is {subtotal})."
        )


def adjustment(voucher: Voucher, subtotal: Decimal, shipping: Decimal) -> Adjustment:
    """What ``voucher`` takes off an order of ``subtotal`` whose shipping costs ``shipping``:
    a percentage or a fixed amount of the subtotal (never more than it), or the shipping."""
    if voucher.kind == VoucherKind.PERCENT:
        amount = to_money(subtotal * min(voucher.value, Decimal(100)) / Decimal(100))
    elif voucher.kind == VoucherKind.FIXED:
        amount = min(to_money(voucher.value), subtotal)
    else:
        amount = shipping
    return Adjustment(
        code=ADJUSTMENT_CODE,
        label=f"Voucher {voucher.code}",
        amount=-amount,
        source=ADJUSTMENT_SOURCE,
    )


def redeem(voucher: Voucher, order: Order, *, user: Any, email: str) -> VoucherRedemption:
    """Count one use of ``voucher`` (locked by :func:`lock` in this transaction) by ``order``.

    :raises VoucherNotApplicable: it was used up meanwhile; the caller's transaction rolls
        back.
    """
    raised = (
        Voucher.objects.filter(pk=voucher.pk, is_active=True)
        .filter(Q(max_uses__isnull=True) | Q(used_count__lt=F("max_uses")))
        .update(used_count=F("used_count") + 1)
    )
    if not raised:
        raise VoucherNotApplicable(f"The voucher {voucher.code} has been used up.")
    voucher.used_count += 1
    is_user = user is not None and getattr(user, "is_authenticated", False)
    return VoucherRedemption.objects.create(
        voucher=voucher, order=order, user=user if is_user else None, email=email
    )


# -- staff writes ---------------------------------------------------------------------------


def _checked(values: Mapping[str, Any], voucher: Voucher) -> dict[str, Any]:
    values = dict(values)
    if "code" in values:
        values["code"] = normalize_code(values["code"])
        taken = Voucher.objects.filter(code=values["code"]).exclude(pk=voucher.pk).exists()
        if taken:
            raise CartValidationError({"code": ["A voucher with this code already exists."]})
    kind = values.get("kind", voucher.kind)
    value = values.get("value", voucher.value)
    if kind == VoucherKind.PERCENT and value > 100:
        raise CartValidationError({"value": ["A percentage is at most 100."]})
    start = values.get("valid_from", voucher.valid_from)
    end = values.get("valid_until", voucher.valid_until)
    if start and end and end <= start:
        raise CartValidationError({"valid_until": ["Must be after valid_from."]})
    return values


def save_voucher(
    voucher: Voucher,
    values: Mapping[str, Any],
    *,
    actor: Any,
    context: AuditContext | None = None,
) -> Voucher:
    """Create (``voucher`` unsaved) or change a voucher, with its audit row.

    :raises CartValidationError: the code is taken (whatever its case), a percentage is
        over 100, or the window ends before it starts.
    """
    unknown = set(values) - set(WRITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Cannot set {sorted(unknown)} on a voucher.")
    with transaction.atomic():
        values = _checked(values, voucher)
        audit.save_recorded(voucher, values, name="voucher", actor=actor, context=context)
    return voucher


def delete_voucher(voucher: Voucher, *, actor: Any, context: AuditContext | None = None) -> None:
    """Delete a voucher never redeemed.

    :raises VoucherInUse: it was redeemed (the redemptions are records); deactivate it.
    """
    with transaction.atomic():
        if voucher.redemptions.exists():
            raise VoucherInUse()
        audit.record("voucher.deleted", voucher, actor=actor, context=context)
        voucher.delete()
