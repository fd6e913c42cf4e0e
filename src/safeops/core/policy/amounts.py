"""Exact token amounts: decimal strings in token units, never floats."""

from __future__ import annotations

import re
from decimal import Decimal

MAX_DECIMALS = 36
MAX_LENGTH = 120
"""Far beyond any uint256 amount (78 digits) with 36 decimals; longer text is not echoed back."""
# ASCII digits only: `\d` would also take "١٢" (Arabic-Indic) or "１２" (full-width) as 12.
_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]+))?")


def parse_amount(text: str, decimals: int) -> Decimal:
    """`"12.5"` as an exact Decimal, refusing signs, exponents and more digits than `decimals`.

    Raises ValueError with a message for the operator.
    """
    if len(text) > MAX_LENGTH:
        raise ValueError(f"amount of {len(text)} characters is too large for any token")
    if text.strip().startswith("-"):
        raise ValueError(f"amount {text!r} must not be negative")
    match = _AMOUNT.fullmatch(text)  # `$` would let a trailing newline through
    if not match:
        raise ValueError(f'amount {text!r} is not a decimal number such as "5000000" or "12.5"')
    fraction = match.group(2) or ""
    if len(fraction) > decimals:
        raise ValueError(
            f"amount {text!r} has {len(fraction)} fractional digits; the token has {decimals}"
        )
    return Decimal(text)


def to_units(text: str, decimals: int) -> int:
    """`to_units("12.5", 6) == 12_500_000`: an amount in the token's smallest unit."""
    parse_amount(text, decimals)
    # Integer arithmetic: Decimal's context would round beyond 28 significant digits.
    whole, _, fraction = text.partition(".")
    scale: int = 10**decimals
    return int(whole) * scale + int(fraction.ljust(decimals, "0") or "0")
