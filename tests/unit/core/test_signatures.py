"""Signature recovery, low-s normalisation, deduplication, owner checks and packing."""

from __future__ import annotations

import pytest
from eth_account import Account

from safeops.core.signatures import SECP256K1_N, collect_signatures, recover_signer
from safeops.errors import BadInput, Refused

HASH = bytes.fromhex("cc" * 32)
ALICE = Account.from_key("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
BOB = Account.from_key("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6")
EVE = Account.from_key("0x" + "42" * 32)
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


def test_packed_by_owner_address_and_deduplicated() -> None:
    packed = collect_signatures(HASH, [sign(BOB), sign(ALICE), high_s(sign(ALICE))], OWNERS, 2)
    first, second = sorted(OWNERS, key=lambda a: int(a, 16))
    assert recover_signer(HASH, packed[:65]).owner == first
    assert recover_signer(HASH, packed[65:]).owner == second
    assert len(packed) == 130


@pytest.mark.parametrize(
    ("signatures", "error", "message"),
    [
        ([sign(ALICE), sign(EVE)], Refused, "not an owner now"),
        ([sign(ALICE), sign(ALICE)], Refused, "1 distinct owner signature"),
        ([sign(ALICE)[:64]], BadInput, "65 bytes"),
        ([sign(ALICE)[:64] + b"\x1f"], Refused, "eth_sign"),
        ([sign(ALICE)[:64] + b"\x01"], Refused, "pre-approved"),
        ([b"\x00" * 64 + b"\x1b"], BadInput, "out of range"),
    ],
)
def test_refusals(signatures: list[bytes], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        collect_signatures(HASH, signatures, OWNERS, 2)
