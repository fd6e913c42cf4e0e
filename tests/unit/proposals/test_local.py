"""The embedded proposal store: round trip, pending by nonce, atomic writes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from safeops.proposals.local import LocalStore, Proposal, StoreUnavailable
from tests.unit.core.test_plan import _plan


def test_put_get_and_pending_order(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "proposals")
    later = _plan()
    earlier = replace(later, tx=later.tx.with_nonce(3))
    for plan in (later, earlier):
        store.put(Proposal(plan, proposer="alice"))
    got = store.get(later.safe_tx_hash.upper().replace("0X", "0x"))
    assert got is not None
    assert got.plan == later
    assert got.proposer == "alice"
    assert [p.nonce for p in store.pending(later.tx.safe)] == [3, 7]
    assert [p.nonce for p in store.pending(later.tx.safe, from_nonce=4)] == [7]
    executed = Proposal(earlier, executed_tx="0x" + "11" * 32)
    store.put(executed)
    assert [p.nonce for p in store.pending(later.tx.safe)] == [7]


def test_a_failed_write_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStore(tmp_path)
    proposal = Proposal(_plan())
    store.put(proposal)
    before = (tmp_path / f"{proposal.safe_tx_hash}.json").read_text()

    def crash(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", crash)
    proposal.signatures["0x" + "ab" * 20] = "0x" + "cd" * 65
    with pytest.raises(StoreUnavailable, match="disk full") as caught:
        store.put(proposal)
    assert caught.value.exit_code == 3  # the environment's fault, told in one line
    assert (tmp_path / f"{proposal.safe_tx_hash}.json").read_text() == before
    assert list(tmp_path.glob(".tmp-*")) == []


def test_unknown_hash_is_none(tmp_path: Path) -> None:
    assert LocalStore(tmp_path).get("0x" + "00" * 32) is None
