"""Demo plugins for django-nexus-commerce: one module per plugin, registered by entry point."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    """``amount`` rounded half-up to two places, as money is stored."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
