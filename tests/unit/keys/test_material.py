"""Key parsing, address derivation and signing, held against eth-account."""

from __future__ import annotations

import pytest
from eth_account import Account

from safeops.errors import BadInput, ExitCode
from safeops.keys import material
from safeops.keys.errors import KeyAddressMismatch, KeyMalformed
from tests.helpers_secrets import OTHER_ADDRESS, SENTINEL_ADDRESS, SENTINEL_KEY

KEY = bytes.fromhex(SENTINEL_KEY[2:])
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
TYPED_DATA = {
    "types": {
        "EIP712Domain": [
            {"name": "chainId", "type": "uint256"},
            {"name": "verifyingContract", "type": "address"},
        ],
        "SafeTx": [{"name": "to", "type": "address"}, {"name": "nonce", "type": "uint256"}],
    },
    "primaryType": "SafeTx",
    "domain": {"chainId": 1, "verifyingContract": "0x" + "ab" * 20},
    "message": {"to": "0x" + "cd" * 20, "nonce": 3},
}


@pytest.mark.parametrize(
    "text",
    [
        SENTINEL_KEY,
        SENTINEL_KEY[2:],
        SENTINEL_KEY.upper().replace("0X", "0x"),
        f"  {SENTINEL_KEY}\n",
    ],
)
def test_parse_accepts_hex_with_or_without_prefix(text: str) -> None:
    assert material.parse_private_key(text, source="s") == KEY


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "s does not hold a hex private key (non-hex characters)"),
        ("0x", "s does not hold a hex private key (non-hex characters)"),
        (SENTINEL_KEY[:-1] + "g", "s does not hold a hex private key (non-hex characters)"),
        (SENTINEL_KEY[:-2], "s does not hold a 32-byte private key (62 hex digits, not 64)"),
        (SENTINEL_KEY + "00", "s does not hold a 32-byte private key (66 hex digits, not 64)"),
        ("0x" + "00" * 32, "s does not hold a valid secp256k1 private key"),
        (hex(SECP256K1_N), "s does not hold a valid secp256k1 private key"),
    ],
)
def test_parse_refuses_without_echoing(text: str, message: str) -> None:
    with pytest.raises(KeyMalformed) as caught:
        material.parse_private_key(text, source="s")
    assert caught.value.message == message
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert caught.value.__cause__ is None


def test_derive_and_require_address() -> None:
    assert material.derive_address(KEY) == SENTINEL_ADDRESS
    assert material.require_address("alice", KEY, SENTINEL_ADDRESS) == SENTINEL_ADDRESS
    with pytest.raises(KeyAddressMismatch) as caught:
        material.require_address("alice", KEY, OTHER_ADDRESS)
    assert caught.value.message == (
        f"key for signer alice derives to {SENTINEL_ADDRESS}, policy says {OTHER_ADDRESS}"
    )
    assert caught.value.exit_code == ExitCode.REFUSED


def test_sign_digest_matches_eth_account_and_is_low_s() -> None:
    for byte in range(20):
        digest = bytes([byte]) * 32
        signature = material.sign_digest(KEY, digest)
        assert signature == bytes(Account.unsafe_sign_hash(digest, KEY).signature)
        assert len(signature) == 65
        assert signature[64] in (27, 28)
        assert int.from_bytes(signature[32:64], "big") <= SECP256K1_N // 2
        assert Account._recover_hash(digest, signature=signature) == SENTINEL_ADDRESS


def test_sign_digest_refuses_anything_but_32_bytes() -> None:
    with pytest.raises(BadInput):
        material.sign_digest(KEY, b"\x01" * 31)


def test_typed_data_signature_matches_eth_account() -> None:
    digest = material.encode_typed_data(TYPED_DATA)
    expected = Account.sign_typed_data(KEY, full_message=TYPED_DATA).signature
    assert material.sign_digest(KEY, digest) == bytes(expected)


TRANSACTIONS = [
    {
        "chainId": 1,
        "nonce": 0,
        "to": "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6",
        "value": 0,
        "data": bytes.fromhex("8456cb59"),
        "gas": 120_000,
        "maxPriorityFeePerGas": 1_000_000_000,
        "maxFeePerGas": 30_000_000_000,
        "type": 2,
    },
    {  # big numbers, a long payload, value, hex data
        "chainId": 31337,
        "nonce": 2**40,
        "to": "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590",
        "value": 10**18,
        "data": "0x" + "ff" * 600,
        "gas": 29_000_000,
        "maxPriorityFeePerGas": 0,
        "maxFeePerGas": 2**64,
        "type": 2,
    },
]


@pytest.mark.parametrize("transaction", TRANSACTIONS)
def test_eip1559_transaction_is_byte_for_byte_eth_accounts(transaction: dict[str, object]) -> None:
    """Signing is deterministic (RFC 6979): the same key and fields give the same bytes."""
    expected = Account.sign_transaction(dict(transaction), KEY).raw_transaction
    assert material.sign_transaction(KEY, transaction) == bytes(expected)


def test_only_eip1559_transactions_are_signed() -> None:
    legacy = {**TRANSACTIONS[0], "type": 0}
    with pytest.raises(BadInput, match=r"cannot be signed \(ValueError\)"):
        material.sign_transaction(KEY, legacy)


def test_malformed_typed_data_is_bad_input() -> None:
    with pytest.raises(BadInput, match="typed data is not valid EIP-712"):
        material.encode_typed_data({"types": {}, "message": {}})
