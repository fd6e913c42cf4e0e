"""Hex as JSON-RPC, plan files and people write it: `0x` and lowercase digits."""

from __future__ import annotations


def hex0x(data: bytes) -> str:
    """`0x` + the bytes in lowercase hex (`HexBytes.hex()` and `bytes.hex()` give no prefix)."""
    return "0x" + bytes(data).hex()


def word_hex(value: int) -> str:
    """A uint256 as one 32-byte word in 0x-hex, as storage slots and overrides take it."""
    return hex0x(value.to_bytes(32, "big"))
