"""The just-in-time signer: one fetch per use, the address checked each time, nothing kept."""

from __future__ import annotations

import pytest

from safeops.errors import BadInput
from safeops.keys.errors import KeyAddressMismatch
from safeops.keys.signer import JustInTimeSigner, Signer
from tests.helpers_secrets import OTHER_KEY, SENTINEL_ADDRESS, SENTINEL_KEY

SOURCE = "vault:secret/safeops/alice#private_key"


class CountingSource:
    def __init__(self, key_hex: str) -> None:
        self.key_hex = key_hex
        self.fetches = 0

    def __call__(self) -> bytes:
        self.fetches += 1
        return bytes.fromhex(self.key_hex[2:])


def make(key_hex: str = SENTINEL_KEY) -> tuple[Signer, CountingSource]:
    source = CountingSource(key_hex)
    return JustInTimeSigner("alice", SENTINEL_ADDRESS, SOURCE, source), source


def test_every_use_fetches_the_key_again() -> None:
    signer, source = make()
    assert source.fetches == 0
    assert signer.verify() == SENTINEL_ADDRESS
    signer.sign_digest(bytes(32))
    signer.sign_digest(bytes(32))
    assert source.fetches == 3


def test_a_changed_source_is_noticed_before_signing() -> None:
    signer, source = make()
    signer.verify()
    source.key_hex = OTHER_KEY
    with pytest.raises(KeyAddressMismatch):
        signer.sign_digest(bytes(32))


def test_bad_digest_is_refused_before_the_key_is_fetched() -> None:
    signer, source = make()
    with pytest.raises(BadInput):
        signer.sign_digest(b"short")
    with pytest.raises(BadInput):
        signer.sign_typed_data({"message": {}})
    assert source.fetches == 0


def test_repr_shows_the_source_not_the_key() -> None:
    signer, _ = make()
    expected = f"Signer(name='alice', address={SENTINEL_ADDRESS}, source='{SOURCE}')"
    assert repr(signer) == str(signer) == expected
    assert (signer.name, signer.address, signer.source) == ("alice", SENTINEL_ADDRESS, SOURCE)
    assert not hasattr(signer, "__dict__")


def test_sign_transaction_checks_the_address_and_signs() -> None:
    from eth_account import Account

    from safeops.keys.signer import JustInTimeSigner

    key = bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
    address = Account.from_key(key).address
    signer = JustInTimeSigner("oncall", address, "test", lambda: key)
    raw = signer.sign_transaction(
        {
            "to": address,
            "value": 0,
            "gas": 21000,
            "nonce": 0,
            "chainId": 31337,
            "maxFeePerGas": 10**9,
            "maxPriorityFeePerGas": 1,
            "data": b"",
        }
    )
    assert Account.recover_transaction(raw) == address


def test_a_signer_without_a_key_has_nothing_to_check() -> None:
    """An owner who signs on a device: `keys check` lists it, fetches nothing, and passes."""
    from safeops.keys.resolve import NO_KEY, check_signer

    check = check_signer("ledger", None, "0x" + "12" * 20, environ={})
    assert (check.ok, check.source, check.error) == (True, NO_KEY, None)
