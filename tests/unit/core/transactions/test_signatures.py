"""Signature recovery: EIP-712, eth_sign, device-style v, low-s normalisation, refusals."""

from __future__ import annotations

import pytest
from eth_account import Account

from safeops.core.transactions.signatures import (
    SECP256K1_N,
    pack_signatures,
    recover_ecdsa,
    recover_signer,
)
from safeops.errors import BadInput, Refused

HASH = bytes.fromhex("cc" * 32)
ALICE = Account.from_key("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
BOB = Account.from_key("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6")
OWNERS = [ALICE.address, BOB.address]


def sign(account: object) -> bytes:
    return bytes(account.unsafe_sign_hash(HASH).signature)  # type: ignore[attr-defined]


def high_s(signature: bytes) -> bytes:
    s = int.from_bytes(signature[32:64], "big")
    return signature[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - signature[64]])


def test_recovery_and_low_s() -> None:
    normal = sign(ALICE)
    assert recover_signer(HASH, normal).owner == ALICE.address
    twin = recover_signer(HASH, high_s(normal))
    assert (twin.owner, twin.signature) == (ALICE.address, normal)


def test_packed_by_owner_address() -> None:
    packed = pack_signatures({BOB.address: sign(BOB), ALICE.address: sign(ALICE)})
    first, second = sorted(OWNERS, key=lambda a: int(a, 16))
    assert recover_signer(HASH, packed[:65]).owner == first
    assert recover_signer(HASH, packed[65:]).owner == second


def test_device_v_and_eth_sign_are_recovered() -> None:
    from eth_account.messages import encode_defunct

    normal = sign(ALICE)
    device = normal[:64] + bytes([normal[64] - 27])
    assert recover_ecdsa(HASH, device).signature == normal
    personal = bytes(ALICE.sign_message(encode_defunct(primitive=HASH)).signature)
    eth_signed = recover_ecdsa(HASH, personal[:64] + bytes([personal[64] + 4]))
    assert eth_signed.owner == ALICE.address
    assert eth_signed.signature[64] == personal[64] + 4


@pytest.mark.parametrize(
    ("signature", "error", "message"),
    [
        (sign(ALICE)[:64], BadInput, "65 bytes"),
        (sign(ALICE)[:64] + b"\x1f", Refused, "eth_sign"),
        (sign(ALICE)[:64] + b"\x01", Refused, "pre-approved"),
        (b"\x00" * 64 + b"\x1b", BadInput, "out of range"),
    ],
)
def test_refusals(signature: bytes, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        recover_signer(HASH, signature)
