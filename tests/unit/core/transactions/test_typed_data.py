"""The exported EIP-712 typed data hashes to the safeTxHash for every Safe version."""

from __future__ import annotations

import pytest

from safeops.core.transactions.safe_tx import SafeTx, SafeVersion, safe_tx_hashes
from safeops.core.transactions.typed_data import safe_tx_typed_data

SAFE = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"
ROUTER = "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6"


@pytest.mark.parametrize("version", ["0.1.0", "1.1.1", "1.3.0", "1.4.1", "1.5.0"])
def test_typed_data_hash_is_the_safe_tx_hash(version: str) -> None:
    from eth_account.messages import _hash_eip191_message, encode_typed_data

    tx = SafeTx(safe=SAFE, to=ROUTER, value=2**255, data=b"\x84\x56\xcb\x59", nonce=42)
    parsed = SafeVersion.parse(version)
    typed = safe_tx_typed_data(tx, 10, parsed)
    assert _hash_eip191_message(encode_typed_data(full_message=typed)) == (
        safe_tx_hashes(tx, 10, parsed).safe_tx_hash.raw
    )
