"""Ethereum addresses: strict EIP-55 parsing, the zero address, and look-alikes."""

from __future__ import annotations

import re

from eth_utils.address import to_checksum_address

from safeops.errors import InvalidAddress

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def parse_address(text: str, *, what: str = "address", allow_zero: bool = True) -> str:
    """Return `text` as a checksummed address, refusing anything without a valid EIP-55 checksum.

    An all-lowercase address carries no checksum, so a typo in it would go unnoticed: it is
    refused like a wrong checksum. The zero address is the one exception (it has no letters).
    """
    if not isinstance(text, str) or not _HEX_ADDRESS.match(text):
        raise InvalidAddress(f"{what} is not a 20-byte hex address: {text!r}")
    checksummed = to_checksum_address(text)
    if text != checksummed and int(text, 16) != 0:
        raise InvalidAddress(f"{what} {text} does not carry a valid EIP-55 checksum")
    if not allow_zero and int(text, 16) == 0:
        raise InvalidAddress(
            f"{what} must not be the zero address",
            hint="The zero address is no account: check where this address was copied from.",
        )
    return checksummed


def address_from_word(word: bytes) -> str:
    """The checksummed address held in the low 20 bytes of a 32-byte word."""
    return to_checksum_address(word[-20:])


def is_zero(address: str) -> bool:
    """True for the zero address, however it is spelled."""
    return int(address, 16) == 0


def address_shape(address: str) -> tuple[str, str]:
    """The first and last 4 hex digits: what a glance at a wallet's `0x1234…abcd` shows."""
    return address[2:6].lower(), address[-4:].lower()


def looks_like(address: str, other: str) -> bool:
    """Two different addresses of the same shape: what address poisoning forges (rule 13)."""
    return address.lower() != other.lower() and address_shape(address) == address_shape(other)
