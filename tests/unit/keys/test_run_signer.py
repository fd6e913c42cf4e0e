"""RunScopedSigner: one fetch per run, checked, never shown, wiped when the run ends."""

from __future__ import annotations

import threading

import pytest
from eth_account import Account

from safeops.keys.errors import KeyAddressMismatch
from safeops.keys.run_signer import RunScopedSigner

KEY = bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
ADDRESS = Account.from_key(KEY).address
DIGEST = bytes(range(32))


def counting(key: bytes = KEY) -> tuple[list[int], RunScopedSigner]:
    calls: list[int] = []

    def fetch() -> bytes:
        calls.append(1)
        return key

    return calls, RunScopedSigner("oncall", ADDRESS, "keystore:keys/oncall.json", fetch)


def test_fetches_once_for_many_signatures_from_many_threads() -> None:
    calls, signer = counting()
    results: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: results.append(signer.sign_digest(DIGEST)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]
    assert len(set(results)) == 1
    assert Account._recover_hash(DIGEST, signature=results[0]) == ADDRESS


def test_never_reads_the_key_until_it_signs_and_never_shows_it() -> None:
    calls, signer = counting()
    assert (calls, signer.fetched) == ([], False)
    signer.verify()
    shown = repr(signer) + str(signer)
    assert KEY.hex() not in shown
    assert "oncall" in shown


def test_close_wipes_the_key_and_refuses_later_use() -> None:
    _, signer = counting()
    with signer:
        signer.verify()
        kept = signer._key  # the one buffer it keeps (private: inspected only here)
        assert kept is not None
    assert kept == bytearray(len(KEY))
    assert not signer.fetched
    with pytest.raises(RuntimeError, match="closed"):
        signer.sign_digest(DIGEST)


def test_a_key_for_another_address_is_refused_and_not_fetched_again() -> None:
    calls, signer = counting(bytes.fromhex("11" * 32))
    for _ in range(3):
        with pytest.raises(KeyAddressMismatch, match=f"policy says {ADDRESS}"):
            signer.sign_digest(DIGEST)
    assert calls == [1]
    assert not signer.fetched
