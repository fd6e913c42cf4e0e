"""Safe signatures: the pre-approved form, recovery, low-s normalisation, packing by owner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from safeops.errors import BadInput, Refused

SIGNATURE_HINT = (
    "Sign the EIP-712 typed data that `safeops sign SAFE_TX_HASH --export-typed-data FILE` "
    "writes, and pass the 65-byte 0x signature it gives."
)


def approved_hash_signature(owner: str) -> bytes:
    """`r = owner, s = 0, v = 1`: valid when `owner` is msg.sender or has approved the hash."""
    return bytes(12) + bytes.fromhex(owner[2:]) + bytes(32) + b"\x01"


def pack_signatures(signatures: dict[str, bytes]) -> bytes:
    """Concatenate 65-byte signatures sorted by owner address, as the Safe requires (GS026)."""
    return b"".join(signatures[owner] for owner in sorted(signatures, key=lambda o: int(o, 16)))


# secp256k1's group order: a signature with s above half of it has a twin (n - s) that
# recovers the same address; the Safe accepts both, so only the low form is kept.
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@dataclass(frozen=True)
class OwnerSignature:
    """A verified ECDSA signature of the safeTxHash by `owner`, in the Safe's 65-byte form."""

    owner: str
    signature: bytes


def recover_signer(safe_tx_hash: bytes, signature: bytes) -> OwnerSignature:
    """Recover who signed `safe_tx_hash` with a plain EIP-712 ECDSA signature (v 27/28).

    eth_sign (v > 30), contract (v 0) and approved-hash (v 1) forms are refused here: they
    need the policy's consent or on-chain state, which this function does not have.
    """
    from eth_keys.datatypes import Signature
    from eth_keys.exceptions import BadSignature

    if len(signature) != 65:
        raise BadInput(
            f"a signature has 65 bytes, this one has {len(signature)}", hint=SIGNATURE_HINT
        )
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    v = signature[64]
    if v not in (27, 28):
        kind = "eth_sign" if v > 30 else "contract or pre-approved" if v in (0, 1) else "unknown"
        raise Refused(
            f"{kind} signature (v={v}) is not accepted: sign the EIP-712 typed data",
            hint=SIGNATURE_HINT,
        )
    if not (0 < r < SECP256K1_N and 0 < s < SECP256K1_N):
        raise BadInput("the signature's r or s is out of range", hint=SIGNATURE_HINT)
    if s > SECP256K1_N // 2:
        s, v = SECP256K1_N - s, 55 - v  # 27 <-> 28
    try:
        public = Signature(vrs=(v - 27, r, s)).recover_public_key_from_msg_hash(safe_tx_hash)
    except BadSignature as error:
        raise BadInput(
            "the signature does not recover to any address", hint=SIGNATURE_HINT
        ) from error
    normal = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])
    return OwnerSignature(public.to_checksum_address(), normal)


def collect_signatures(
    safe_tx_hash: bytes, signatures: Sequence[bytes], owners: Sequence[str], threshold: int
) -> bytes:
    """Verify, deduplicate and pack signatures for `execTransaction`.

    Each must recover (against our own hash) to a CURRENT owner; one per owner counts; the
    packed form is sorted by owner, as the Safe requires; fewer than `threshold` is refused.
    """
    by_owner: dict[str, bytes] = {}
    for raw in signatures:
        verified = recover_signer(safe_tx_hash, raw)
        if verified.owner not in owners:
            raise Refused(
                f"a signature recovers to {verified.owner}, who is not an owner now",
                hint="Ex-owners and strangers cannot sign; ask a current owner.",
            )
        by_owner.setdefault(verified.owner, verified.signature)
    if len(by_owner) < threshold:
        raise Refused(
            f"{len(by_owner)} distinct owner signature(s), the threshold is {threshold}",
            hint=SIGNATURE_HINT,
        )
    return pack_signatures(by_owner)
