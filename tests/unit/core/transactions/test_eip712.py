"""Our EIP-712 digest equals eth_account's, for Safe transactions and for the EIP's own cases."""

from __future__ import annotations

from typing import Any

import pytest

from safeops.core.transactions.eip712 import encode_type, typed_data_digest
from safeops.core.transactions.safe_tx import SafeTx, SafeVersion, safe_tx_hashes
from safeops.core.transactions.typed_data import safe_tx_typed_data
from safeops.errors import BadInput

SAFE = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"
ROUTER = "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6"


def eth_account_digest(typed: dict[str, Any]) -> bytes:
    from eth_account.messages import _hash_eip191_message, encode_typed_data

    return bytes(_hash_eip191_message(encode_typed_data(full_message=typed)))


@pytest.mark.parametrize("version", ["0.1.0", "1.0.0", "1.1.1", "1.2.0", "1.3.0", "1.4.1", "1.5.0"])
@pytest.mark.parametrize(
    "tx",
    [
        SafeTx(safe=SAFE, to=ROUTER, data=bytes.fromhex("8456cb59"), nonce=0),
        SafeTx(safe=SAFE, to=ROUTER, value=2**256 - 1, data=b"", nonce=2**64, operation=1),
        SafeTx(safe=SAFE, to=ROUTER, data=bytes(range(256)) * 9, safe_tx_gas=7, base_gas=3),
    ],
)
def test_safe_typed_data_digest_is_eth_accounts_and_the_safe_tx_hash(
    version: str, tx: SafeTx
) -> None:
    parsed = SafeVersion.parse(version)
    typed = safe_tx_typed_data(tx, 137, parsed)
    digest = typed_data_digest(typed)
    assert digest == eth_account_digest(typed)
    assert digest == safe_tx_hashes(tx, 137, parsed).safe_tx_hash.raw


# The example of EIP-712 itself: nested structs, strings, a referenced type.
MAIL: dict[str, Any] = {
    "types": {
        "EIP712Domain": [
            {"name": "name", "type": "string"},
            {"name": "version", "type": "string"},
            {"name": "chainId", "type": "uint256"},
            {"name": "verifyingContract", "type": "address"},
        ],
        "Person": [
            {"name": "name", "type": "string"},
            {"name": "wallets", "type": "address[]"},
        ],
        "Mail": [
            {"name": "from", "type": "Person"},
            {"name": "to", "type": "Person[]"},
            {"name": "contents", "type": "string"},
            {"name": "tag", "type": "bytes4"},
            {"name": "flag", "type": "bool"},
            {"name": "delta", "type": "int64"},
            {"name": "fixed", "type": "uint8[2]"},
        ],
    },
    "primaryType": "Mail",
    "domain": {
        "name": "Ether Mail",
        "version": "1",
        "chainId": 1,
        "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC",
    },
    "message": {
        "from": {"name": "Cow", "wallets": ["0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"]},
        "to": [{"name": "Bob", "wallets": []}, {"name": "Alice", "wallets": [SAFE, ROUTER]}],
        "contents": "Hello, Bob!",
        "tag": "0x12345678",
        "flag": True,
        "delta": -5,
        "fixed": [1, "2"],
    },
}


def test_nested_structs_arrays_and_signed_integers_match_eth_account() -> None:
    assert typed_data_digest(MAIL) == eth_account_digest(MAIL)


def test_encode_type_lists_referenced_structs_sorted() -> None:
    assert encode_type(MAIL["types"], "Mail") == (
        "Mail(Person from,Person[] to,string contents,bytes4 tag,bool flag,int64 delta,"
        "uint8[2] fixed)Person(string name,address[] wallets)"
    )


@pytest.mark.parametrize(
    "broken",
    [
        {"types": {}, "message": {}},
        {**MAIL, "message": {**MAIL["message"], "fixed": [1, 2, 3]}},
        {**MAIL, "message": {**MAIL["message"], "delta": 2**63}},
        {**MAIL, "message": {**MAIL["message"], "tag": "not hex"}},
        {**MAIL, "message": {**MAIL["message"], "flag": "yes"}},
    ],
)
def test_malformed_typed_data_is_bad_input(broken: dict[str, Any]) -> None:
    with pytest.raises(BadInput, match="typed data is not valid EIP-712"):
        typed_data_digest(broken)
