"""Batching calls into one Safe transaction."""

from __future__ import annotations

import pytest

from safeops.core.decoding.checks import check_transaction
from safeops.core.decoding.decode import decode_call
from safeops.core.transactions.batch import Call, build_safe_tx
from safeops.core.transactions.safe_tx import SafeVersion
from safeops.errors import Refused

SAFE = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"
ROUTER = "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6"
LENDING = "0x8A791620dd6260079BF849Dc5567aDC3F2FdC318"
PAUSE = bytes.fromhex("8456cb59")


def test_one_call_goes_direct() -> None:
    tx = build_safe_tx(SAFE, [Call(ROUTER, PAUSE)], 3, SafeVersion.parse("1.4.1"))
    assert (tx.to, tx.data, tx.operation, tx.nonce) == (ROUTER, PAUSE, 0, 3)


@pytest.mark.parametrize(
    ("version", "multisend"),
    [
        ("1.3.0", "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D"),
        ("1.4.1", "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"),
        ("1.5.0", "0xA83c336B20401Af773B6219BA5027174338D1836"),
    ],
)
def test_several_calls_use_multisend_call_only(version: str, multisend: str) -> None:
    tx = build_safe_tx(
        SAFE, [Call(ROUTER, PAUSE), Call(LENDING, PAUSE)], 0, SafeVersion.parse(version)
    )
    assert (tx.to, tx.operation) == (multisend, 1)
    decoded = decode_call(tx.to, tx.value, tx.data, tx.operation)
    assert [(c.to, c.data) for c in decoded.inner] == [(ROUTER, PAUSE), (LENDING, PAUSE)]
    assert check_transaction(tx, decoded, 1) == []  # trusted on every chain


def test_old_safes_cannot_batch_and_empty_plans_are_refused() -> None:
    with pytest.raises(Refused, match=r"1\.3\.0 or later"):
        build_safe_tx(SAFE, [Call(ROUTER, PAUSE)] * 2, 0, SafeVersion.parse("1.1.1"))
    with pytest.raises(Refused, match="no calls"):
        build_safe_tx(SAFE, [], 0, SafeVersion.parse("1.4.1"))
