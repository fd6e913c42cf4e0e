"""Offline Safe hashes: versions, field validation and agreement with safe-eth-py."""

from __future__ import annotations

import random

import pytest

from safeops.core.transactions.safe_tx import SafeTx, SafeVersion, safe_tx_hashes
from safeops.errors import BadInput, UnsupportedSafeVersion

SAFE = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"
TO = "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6"


@pytest.mark.parametrize(
    ("text", "core"), [("1.4.1", "1.4.1"), ("v1.3.0", "1.3.0"), ("1.3.0+L2", "1.3.0")]
)
def test_version_spellings(text: str, core: str) -> None:
    assert SafeVersion.parse(text).text == core


@pytest.mark.parametrize("text", ["1.6.0", "2.0.0", "", "latest", "1.4"])
def test_unknown_versions_are_refused(text: str) -> None:
    with pytest.raises(UnsupportedSafeVersion):
        SafeVersion.parse(text)


def test_version_rules() -> None:
    assert not SafeVersion.parse("1.2.0").domain_has_chain_id
    assert SafeVersion.parse("1.3.0").domain_has_chain_id
    assert SafeVersion.parse("0.1.0").uses_data_gas
    assert not SafeVersion.parse("1.0.0").uses_data_gas


@pytest.mark.parametrize(
    "fields",
    [{"value": -1}, {"nonce": 2**256}, {"operation": 2}, {"value": True}, {"nonce": "1"}],
)
def test_invalid_fields_are_bad_input(fields: dict[str, object]) -> None:
    with pytest.raises(BadInput):
        SafeTx(safe=SAFE, to=TO, **fields)  # type: ignore[arg-type]


def test_chain_id_must_be_positive() -> None:
    with pytest.raises(BadInput):
        safe_tx_hashes(SafeTx(safe=SAFE, to=TO), 0, SafeVersion.parse("1.4.1"))


def test_safe_tx_hash_is_keccak_of_the_two_halves() -> None:
    from eth_hash.auto import keccak

    hashes = safe_tx_hashes(SafeTx(safe=SAFE, to=TO, nonce=9), 1, SafeVersion.parse("1.4.1"))
    assert hashes.safe_tx_hash.raw == keccak(b"\x19\x01" + hashes.domain_hash + hashes.message_hash)


@pytest.mark.parametrize("version", ["0.1.0", "1.0.0", "1.1.1", "1.2.0", "1.3.0", "1.4.1", "1.5.0"])
def test_agrees_with_safe_eth_py_on_random_transactions(version: str) -> None:
    from safe_eth.safe.safe_tx import SafeTx as OracleTx

    rng = random.Random(version)
    for _ in range(50):
        tx = SafeTx(
            safe=SAFE,
            to=TO,
            value=rng.randrange(2**256),
            data=rng.randbytes(rng.randrange(200)),
            operation=rng.randrange(2),
            safe_tx_gas=rng.randrange(2**64),
            base_gas=rng.randrange(2**64),
            gas_price=rng.randrange(2**64),
            nonce=rng.randrange(2**32),
        )
        chain_id = rng.randrange(1, 2**32)
        oracle = OracleTx(
            None,
            tx.safe,
            tx.to,
            tx.value,
            tx.data,
            tx.operation,
            tx.safe_tx_gas,
            tx.base_gas,
            tx.gas_price,
            None,
            None,
            safe_nonce=tx.nonce,
            safe_version=version,
            chain_id=chain_id,
        )
        ours = safe_tx_hashes(tx, chain_id, SafeVersion.parse(version))
        assert ours.safe_tx_hash.raw == bytes(oracle.safe_tx_hash)
