"""Reading and writing Safe Transaction Service JSON."""

from __future__ import annotations

import pytest

from safeops.core.transactions.safe_tx import SafeTx
from safeops.core.transactions.service_tx import parse_service_tx, to_service_json
from safeops.errors import BadInput

SAFE = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"
TO = "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6"


def test_round_trip() -> None:
    tx = SafeTx(safe=SAFE, to=TO, value=10**30, data=b"\x84\x56\xcb\x59", nonce=4)
    parsed = parse_service_tx(to_service_json(tx, b"\x01" * 32))
    assert parsed.tx == tx
    assert parsed.claimed_safe_tx_hash == "0x" + "01" * 32


def test_service_spellings_are_accepted() -> None:
    """The Service sends numbers as strings or ints, data as null, and zero fields omitted."""
    parsed = parse_service_tx(
        {"safe": SAFE, "to": TO, "value": "5", "data": None, "nonce": "3", "gasPrice": "0"}
    )
    assert (parsed.tx.value, parsed.tx.data, parsed.tx.nonce) == (5, b"", 3)
    assert parsed.chain_id is None
    assert parsed.safe_version is None


def test_chain_id_and_version_when_present() -> None:
    parsed = parse_service_tx(
        {"safe": SAFE, "to": TO, "nonce": 0, "chainId": "10", "safeVersion": "1.3.0+L2"}
    )
    assert parsed.chain_id == 10
    assert str(parsed.safe_version) == "1.3.0"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "one JSON object"),
        ({"to": TO, "nonce": 0}, "lacks safe"),
        ({"safe": SAFE, "to": TO, "nonce": 1.5}, "non-negative integer"),
        ({"safe": SAFE, "to": TO, "nonce": 0, "value": "0x10"}, "non-negative integer"),
        ({"safe": SAFE, "to": TO, "nonce": 0, "data": "8456cb59"}, "0x-prefixed"),
        ({"safe": SAFE, "to": TO, "nonce": 0, "safeTxHash": "0x1234"}, "32-byte"),
        ({"safe": SAFE, "to": TO, "nonce": True}, "must be an integer"),
        ({"safe": SAFE, "to": TO, "nonce": "²"}, "non-negative integer"),  # int() refuses it
        ({"safe": SAFE, "to": TO, "nonce": "١"}, "non-negative integer"),  # int() reads 1
        ({"safe": SAFE, "to": TO, "nonce": -1}, "out of the uint256 range: -1"),
        ({"safe": SAFE, "to": TO, "nonce": 2**256}, "out of the uint256 range"),
        ({"safe": "0x" + "00" * 20, "to": TO, "nonce": 0}, "must not be the zero address"),
    ],
)
def test_malformed_documents(document: object, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        parse_service_tx(document)
