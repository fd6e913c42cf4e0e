"""Exact token amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from safeops.core.policy import parse_amount, to_units


def test_amounts_convert_exactly_even_beyond_decimal_precision() -> None:
    assert to_units("12.5", 6) == 12_500_000
    assert to_units("5000000", 6) == 5_000_000_000_000
    big = "123456789012345678.123456789012345678"
    assert to_units(big, 18) == 123456789012345678123456789012345678
    assert parse_amount("2500.5", 18) == Decimal("2500.5")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("-1", "must not be negative"),
        ("1e6", "not a decimal number"),
        ("1.", "not a decimal number"),
        ("1.1234567", "7 fractional digits; the token has 6"),
        ("", "not a decimal number"),
        ("١٢", "not a decimal number"),  # Arabic-Indic digits, which \\d and int() accept
        ("１２", "not a decimal number"),  # full-width digits
        ("12\n", "not a decimal number"),  # `$` would have matched before the newline
        ("9" * 200, "amount of 200 characters is too large"),
    ],
)
def test_bad_amounts(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_amount(text, 6)
