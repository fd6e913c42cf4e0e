"""Safe signatures: the pre-approved form, recovery, low-s normalisation, packing by owner."""

from __future__ import annotations

from dataclasses import dataclass

from eth_hash.auto import keccak

from safeops.errors import BadInput, Refused

SIGNATURE_HINT = (
    "Sign the EIP-712 typed data that `safeops sign SAFE_TX_HASH --export-typed-data FILE` "
    "writes, and pass the 65-byte 0x signature it gives."
)
# eth_sign signs keccak256 of this prefix and the 32-byte hash; the Safe marks it with v + 4.
ETH_SIGN_PREFIX = b"\x19Ethereum Signed Message:\n32"


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
    if len(signature) != 65:
        raise BadInput(f"a signature has 65 bytes, this one has {len(signature)}")
    v = signature[64]
    if v not in (27, 28):
        kind = "eth_sign" if v > 30 else "contract or pre-approved" if v in (0, 1) else "unknown"
        raise Refused(f"{kind} signature (v={v}) is not accepted: sign the EIP-712 typed data")
    return recover_ecdsa(safe_tx_hash, signature)


def recover_ecdsa(safe_tx_hash: bytes, signature: bytes) -> OwnerSignature:
    """Recover an ECDSA signature of `safe_tx_hash`: EIP-712 (v 27/28, or the bare recovery id
    0/1 that devices return, made 27/28) or eth_sign (v 31/32: the hash signed as a personal
    message). The result is low-s, with v 27/28 or 31/32, as the Safe checks it."""
    from eth_keys.datatypes import Signature
    from eth_keys.exceptions import BadSignature

    if len(signature) != 65:
        raise BadInput(
            f"a signature has 65 bytes, this one has {len(signature)}", hint=SIGNATURE_HINT
        )
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    v = signature[64] + 27 if signature[64] in (0, 1) else signature[64]
    if v not in (27, 28, 31, 32):
        raise BadInput(
            f"the signature's v is {signature[64]}: not an ECDSA signature", hint=SIGNATURE_HINT
        )
    if not (0 < r < SECP256K1_N and 0 < s < SECP256K1_N):
        raise BadInput("the signature's r or s is out of range", hint=SIGNATURE_HINT)
    eth_sign = v > 30
    if s > SECP256K1_N // 2:
        s, v = SECP256K1_N - s, {27: 28, 28: 27, 31: 32, 32: 31}[v]
    digest = keccak(ETH_SIGN_PREFIX + safe_tx_hash) if eth_sign else safe_tx_hash
    try:
        public = Signature(vrs=((v - 27) % 4, r, s)).recover_public_key_from_msg_hash(digest)
    except BadSignature as error:
        raise BadInput(
            "the signature does not recover to any address", hint=SIGNATURE_HINT
        ) from error
    normal = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])
    return OwnerSignature(public.to_checksum_address(), normal)
