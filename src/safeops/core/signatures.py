"""Safe signature encodings that need no key: the pre-approved (approveHash) form."""

from __future__ import annotations


def approved_hash_signature(owner: str) -> bytes:
    """`r = owner, s = 0, v = 1`: valid when `owner` is msg.sender or has approved the hash."""
    return bytes(12) + bytes.fromhex(owner[2:]) + bytes(32) + b"\x01"


def pack_signatures(signatures: dict[str, bytes]) -> bytes:
    """Concatenate 65-byte signatures sorted by owner address, as the Safe requires (GS026)."""
    return b"".join(signatures[owner] for owner in sorted(signatures, key=lambda o: int(o, 16)))
