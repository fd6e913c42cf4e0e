"""Strict EIP-55 address parsing."""

from __future__ import annotations

import pytest

from safeops.core.addresses import ZERO_ADDRESS, looks_like, parse_address
from safeops.errors import InvalidAddress

GOOD = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"


def test_checksummed_address_passes() -> None:
    assert parse_address(GOOD) == GOOD


@pytest.mark.parametrize(
    "text",
    [
        GOOD.lower(),  # no checksum: a typo would go unnoticed
        GOOD[:-1] + "A",  # wrong checksum
        GOOD[:-1],  # 39 hex digits
        GOOD + "0",
        GOOD[2:],  # no 0x
        "0x" + "g" * 40,
        "",
    ],
)
def test_malformed_or_unchecksummed_addresses_are_refused(text: str) -> None:
    with pytest.raises(InvalidAddress):
        parse_address(text)


def test_zero_address_is_refused_where_it_makes_no_sense() -> None:
    assert parse_address(ZERO_ADDRESS) == ZERO_ADDRESS
    with pytest.raises(InvalidAddress, match="zero address"):
        parse_address(ZERO_ADDRESS, what="recipient", allow_zero=False)


def test_look_alikes_share_the_first_and_last_four_hex_digits_only() -> None:
    poisoned = "0x976E111111111111111111111111111111110aa9"
    assert looks_like(poisoned, GOOD)
    assert not looks_like(GOOD, GOOD)
    assert not looks_like(GOOD.lower(), GOOD)  # the same address, spelt differently
    assert not looks_like("0x976E111111111111111111111111111111110aa8", GOOD)
