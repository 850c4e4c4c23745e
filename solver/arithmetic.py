"""Exact decimal arithmetic of the spec: products taken on the numbers as written, never on floats.

Ratios arrive as `Decimal` parsed from the text of the number (pydantic turns a JSON float into
``Decimal(str(value))``, i.e. its shortest repr: ``0.35`` stays ``0.35``).
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal


def as_decimal(value: Decimal | int | float | str) -> Decimal:
    """The decimal number as written (floats through their repr, never their binary value)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def round_half_up(value: Decimal) -> int:
    """Nearest integer, halves away from zero (451.5 -> 452)."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def floor_int(value: Decimal) -> int:
    """Largest integer not above ``value``."""
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def benefit_floor(ratio: Decimal | float, education_cost_usd: int | None) -> int:
    """round_half_up(ratio x education cost), 0 when the cost is unknown."""
    if education_cost_usd is None:
        return 0
    return round_half_up(as_decimal(ratio) * education_cost_usd)


def depletion_cap(share: Decimal | float | None, stock: int | None) -> int | None:
    """floor(share x stock), or None (no cap) when either is unknown."""
    if share is None or stock is None:
        return None
    return floor_int(as_decimal(share) * stock)
