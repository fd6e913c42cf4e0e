"""Hex as JSON-RPC, plan files and people write it: `0x` and lowercase digits."""

from __future__ import annotations

from safeops.errors import BadInput

MAX_BLOCK_GAS = 60_000_000
"""Above any Ethereum L1 block gas limit so far; the bound for what one block can carry."""
MAX_CALLDATA_BYTES = MAX_BLOCK_GAS // 4
"""15,000,000: a zero byte of calldata costs at least 4 gas (EIP-2028), so no transaction in a
block of MAX_BLOCK_GAS can carry more. Larger calldata cannot be executed: it is refused before
it is decoded, so a hostile file cannot make the decoder use unbounded memory."""


def require_calldata_size(size: int, what: str) -> None:
    """BadInput when `size` bytes of calldata could not fit in one block."""
    if size > MAX_CALLDATA_BYTES:
        raise BadInput(
            f"{what} has {size:,} bytes of calldata, more than one block can carry "
            f"({MAX_CALLDATA_BYTES:,})",
            hint="No chain can execute it: it is not a transaction to review or sign.",
        )


def calldata_from_hex(text: str, what: str) -> bytes:
    """`0x`-hex calldata as bytes: its size checked before the hex is decoded."""
    if not text.startswith("0x") or len(text) % 2:
        raise BadInput(f"{what} must be 0x-prefixed hex with an even number of digits")
    require_calldata_size((len(text) - 2) // 2, what)
    try:
        return bytes.fromhex(text[2:])
    except ValueError:
        raise BadInput(f"{what} is not valid hex") from None


def hex0x(data: bytes) -> str:
    """`0x` + the bytes in lowercase hex (`HexBytes.hex()` and `bytes.hex()` give no prefix)."""
    return "0x" + bytes(data).hex()


def word_hex(value: int) -> str:
    """A uint256 as one 32-byte word in 0x-hex, as storage slots and overrides take it."""
    return hex0x(value.to_bytes(32, "big"))
