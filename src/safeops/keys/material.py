"""Private key bytes: parse without echoing, derive the address, sign; nothing is kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from safeops.errors import BadInput
from safeops.keys.errors import KeyAddressMismatch, KeyMalformed

KEY_BYTES = 32
# Order of the secp256k1 group: a private key is an integer in [1, n-1].
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def parse_private_key(text: str, *, source: str) -> bytes:
    """The 32 bytes of a hex private key (optional 0x, surrounding whitespace ignored).

    Errors describe the shape of what was found, never its characters: the value may be a
    key with a typo, which is as secret as the key itself.
    """
    if not isinstance(text, str):
        raise KeyMalformed(f"{source} does not hold text, so it is not a hex private key")
    digits = text.strip()
    if digits[:2] in ("0x", "0X"):
        digits = digits[2:]
    if not digits or not _HEX_DIGITS.issuperset(digits):
        raise KeyMalformed(f"{source} does not hold a hex private key (non-hex characters)")
    if len(digits) != 2 * KEY_BYTES:
        raise KeyMalformed(
            f"{source} does not hold a 32-byte private key ({len(digits)} hex digits, not 64)"
        )
    key = bytes.fromhex(digits)
    del digits
    return check_key_bytes(key, source=source)


def check_key_bytes(key: bytes, *, source: str) -> bytes:
    """`key` itself if it is a valid secp256k1 private key, else a KeyMalformed error."""
    if len(key) != KEY_BYTES or not 0 < int.from_bytes(key, "big") < _SECP256K1_N:
        raise KeyMalformed(f"{source} does not hold a valid secp256k1 private key")
    return key


def derive_address(key: bytes) -> str:
    """The EIP-55 address of a private key."""
    from eth_keys.datatypes import PrivateKey

    return str(PrivateKey(key).public_key.to_checksum_address())


def require_address(name: str, key: bytes, expected: str) -> str:
    """The derived address, or KeyAddressMismatch when it is not the policy's `expected`."""
    derived = derive_address(key)
    if derived.lower() != expected.lower():
        raise KeyAddressMismatch(
            f"key for signer {name} derives to {derived}, policy says {expected}"
        )
    return derived


def check_digest(digest: bytes) -> bytes:
    """`digest` if it is a 32-byte hash; checked before any key is fetched."""
    if not isinstance(digest, bytes) or len(digest) != 32:
        raise BadInput("only a 32-byte hash can be signed")
    return digest


def sign_digest(key: bytes, digest: bytes) -> bytes:
    """65-byte r || s || v signature (v in {27, 28}, low s) of a 32-byte hash."""
    from eth_keys.datatypes import PrivateKey

    signature = PrivateKey(key).sign_msg_hash(check_digest(digest))
    return signature.to_bytes()[:64] + bytes([signature.v + 27])


def encode_typed_data(typed: Mapping[str, Any]) -> bytes:
    """The EIP-712 digest of a full typed-data dict (types, primaryType, domain, message);
    malformed typed data is bad input, found before any key is fetched."""
    from safeops.core.transactions.eip712 import typed_data_digest

    return typed_data_digest(dict(typed))


def sign_transaction(key: bytes, transaction: Mapping[str, Any]) -> bytes:
    """The raw signed EIP-1559 transaction (type 2): `0x02 || rlp([chainId, nonce, tip,
    maxFee, gas, to, value, data, accessList, yParity, r, s])`, signed over the keccak of the
    same without the signature (EIP-1559, EIP-2718)."""
    import rlp
    from eth_hash.auto import keccak
    from eth_keys.datatypes import PrivateKey

    try:
        fields = _eip1559_fields(transaction)
    except (KeyError, TypeError, ValueError) as error:
        # The message may quote the transaction, never the key; keep only the type.
        raise BadInput(f"the transaction cannot be signed ({type(error).__name__})") from None
    signature = PrivateKey(key).sign_msg_hash(keccak(b"\x02" + rlp.encode(fields)))
    signed: bytes = rlp.encode([*fields, signature.v, signature.r, signature.s])
    return b"\x02" + signed


def _eip1559_fields(transaction: Mapping[str, Any]) -> list[Any]:
    if int(transaction.get("type", 2)) != 2:
        raise ValueError("only EIP-1559 (type 2) transactions are signed")
    data = transaction.get("data", b"")
    to = transaction["to"]
    return [
        int(transaction["chainId"]),
        int(transaction["nonce"]),
        int(transaction["maxPriorityFeePerGas"]),
        int(transaction["maxFeePerGas"]),
        int(transaction["gas"]),
        bytes.fromhex(to[2:]) if isinstance(to, str) else bytes(to),
        int(transaction.get("value", 0)),
        bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data),
        [],  # no access list
    ]
