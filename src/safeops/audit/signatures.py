"""Entries a signer's key took part in are signed by that key: EIP-191 over the entry's body,
so that no one without the key can forge an entry saying the key holder acted."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from eth_hash.auto import keccak

UNSIGNED = ("seq", "prev", "hash", "signatures")
"""What the signature does not cover: the chain (hashed after signing) and itself."""


class EntrySigner(Protocol):
    """A key that signs 32-byte digests (the keys layer's Signer)."""

    @property
    def address(self) -> str: ...

    def sign_digest(self, digest: bytes) -> bytes: ...


def signing_digest(entry: Mapping[str, Any]) -> bytes:
    """EIP-191 (`personal_sign`) digest of the sha256 of the entry's body, as wallets sign it."""
    body = {key: value for key, value in entry.items() if key not in UNSIGNED}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    content = hashlib.sha256(canonical.encode()).digest()
    return keccak(b"\x19Ethereum Signed Message:\n32" + content)


def sign_entry(fields: Mapping[str, Any], signer: EntrySigner) -> dict[str, str]:
    signature = signer.sign_digest(signing_digest(fields))
    return {"address": signer.address, "signature": "0x" + bytes(signature).hex()}


def _recover(digest: bytes, signature: str) -> str | None:
    from safeops.core.transactions.signatures import recover_signer
    from safeops.errors import SafeOpsError

    try:
        return recover_signer(digest, bytes.fromhex(signature.removeprefix("0x"))).owner
    except (SafeOpsError, ValueError):
        return None


def verify_signatures(entries: Sequence[Mapping[str, Any]], version: int) -> str | None:
    """The first entry whose signatures do not hold, or that lacks the signature of a key
    it says took part (`signed_by`, entries of `version` and later); None when all hold."""
    for line, entry in enumerate(entries, start=1):
        signatures = entry.get("signatures") or []
        if not isinstance(signatures, list):
            return f"line {line}: its signatures are not a list"
        digest = signing_digest(entry)
        valid = set()
        for item in signatures:
            address = item.get("address") if isinstance(item, dict) else None
            recovered = _recover(digest, str(item.get("signature", ""))) if address else None
            if recovered is None or recovered != address:
                return f"line {line}: a signature does not match its entry (claimed by {address})"
            valid.add(recovered)
        owed = entry.get("signed_by") or [] if int(entry.get("v", 1)) >= version else []
        missing = [address for address in owed if address not in valid]
        if missing:
            why = entry.get("signature_error")
            more = f" ({why})" if why else ""
            return f"line {line}: not signed by {missing[0]}, whose key took part{more}"
    return None
