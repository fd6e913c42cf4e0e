"""The ProposalStore contract, held by the local store and its in-memory test double alike."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from safeops.core.plan import Plan
from safeops.core.sending import SendRecord, send_record_from_json
from safeops.core.transactions.safe_tx import SafeTxHash, SafeVersion
from safeops.proposals.base import ProposalStore
from safeops.proposals.local import LocalStore, StoreUnavailable
from safeops.proposals.memory import MemoryStore
from tests.unit.core.test_plan import _plan

OWNER = "0x" + "ab" * 20
SIGNATURE = "0x" + "cd" * 65
OpenStore = Callable[[int, str], ProposalStore]


@pytest.fixture(params=["local", "memory"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> OpenStore:
    """A factory of stores that share one folder (or dict), as policy Safes share a folder."""
    shared: dict[tuple[int, SafeTxHash], object] = {}
    if request.param == "local":
        return lambda chain_id, safe: LocalStore(tmp_path / "proposals", chain_id, safe)
    return lambda chain_id, safe: MemoryStore(chain_id, safe, shared)  # type: ignore[arg-type]


def _on_chain(plan: Plan, chain_id: int) -> Plan:
    return replace(plan, chain_id=chain_id)


def test_put_get_and_pending_order(open_store: OpenStore) -> None:
    later = _plan()
    earlier = replace(later, tx=later.tx.with_nonce(3))
    store = open_store(later.chain_id, later.tx.safe)
    for plan in (later, earlier):
        store.put(plan, {}, "alice")
    got = store.get(later.safe_tx_hash)
    assert got is not None
    assert got.plan == later
    assert got.proposer == "alice"
    assert got.safe_tx_hash == later.safe_tx_hash
    assert [p.nonce for p in store.pending()] == [3, 7]
    assert [p.nonce for p in store.pending(from_nonce=4)] == [7]
    store.mark_executed(earlier.safe_tx_hash, "0x" + "11" * 32)
    assert [p.nonce for p in store.pending()] == [7]
    executed = store.get(earlier.safe_tx_hash)
    assert executed is not None
    assert executed.executed_tx == "0x" + "11" * 32


def test_signatures_accumulate(open_store: OpenStore) -> None:
    plan = _plan()
    store = open_store(plan.chain_id, plan.tx.safe)
    store.put(plan, {OWNER: SIGNATURE}, "alice")
    other = "0x" + "ef" * 20
    assert store.add_signature(plan, other, SIGNATURE) == {OWNER: SIGNATURE, other: SIGNATURE}
    got = store.get(plan.safe_tx_hash)
    assert got is not None
    assert dict(got.signatures) == {OWNER: SIGNATURE, other: SIGNATURE}
    assert got.proposer == "alice"


def test_a_store_sees_only_its_own_chain_and_safe(open_store: OpenStore) -> None:
    """The same Safe address on two chains is two Safes, even in one shared folder."""
    plan = _plan()
    here = open_store(plan.chain_id, plan.tx.safe)
    there = open_store(plan.chain_id + 1, plan.tx.safe)
    elsewhere = open_store(plan.chain_id, "0x" + "99" * 20)
    here.put(plan, {}, None)
    assert there.get(plan.safe_tx_hash) is None
    assert there.pending() == []
    assert elsewhere.pending() == []
    # A legacy Safe (no chain id in its domain) hashes alike on both chains: still apart.
    assert [p.chain_id for p in here.pending()] == [plan.chain_id]


def test_unknown_hash_is_none(open_store: OpenStore) -> None:
    assert open_store(1, OWNER).get(SafeTxHash(bytes(32))) is None


def test_a_failed_write_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = _plan()
    store = LocalStore(tmp_path, plan.chain_id, plan.tx.safe)
    store.put(plan, {}, None)
    before = (tmp_path / f"{plan.chain_id}-{plan.safe_tx_hash}.json").read_text()

    def crash(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", crash)
    with pytest.raises(StoreUnavailable, match="disk full") as caught:
        store.add_signature(plan, OWNER, SIGNATURE)
    assert caught.value.exit_code == 3  # the environment's fault, told in one line
    assert (tmp_path / f"{plan.chain_id}-{plan.safe_tx_hash}.json").read_text() == before
    assert list(tmp_path.glob(".tmp-*")) == []


def _send(plan: Plan, tx_byte: str, nonce: int = 0) -> SendRecord:
    return SendRecord(
        plan.safe_tx_hash, plan.chain_id, plan.tx.safe, plan.tx.nonce, "0x" + tx_byte * 32,
        OWNER, nonce, 1_800_000_000,
    )  # fmt: skip


def test_a_send_is_recorded_once_and_a_concurrent_one_is_returned(open_store: OpenStore) -> None:
    plan = _plan()
    store = open_store(plan.chain_id, plan.tx.safe)
    store.put(plan, {OWNER: SIGNATURE}, "alice")
    mine, theirs = _send(plan, "11"), _send(plan, "22")
    assert store.record_send(mine, []) is None
    # Another run, which has not seen `mine`, must be told about it and write nothing.
    assert store.record_send(theirs, []) == mine
    assert store.record_send(theirs, [mine.tx_hash]) is None  # resolved first: it may go
    got = store.get(plan.safe_tx_hash)
    assert got is not None
    assert [s.tx_hash for s in got.sends] == [mine.tx_hash, theirs.tx_hash]
    assert dict(got.signatures) == {OWNER: SIGNATURE}  # the rest of the proposal is intact
    store.add_signature(plan, "0x" + "ef" * 20, SIGNATURE)
    store.forget_send(plan.safe_tx_hash, theirs.tx_hash)
    store.mark_executed(plan.safe_tx_hash, mine.tx_hash)
    got = store.get(plan.safe_tx_hash)
    assert got is not None
    assert ([s.tx_hash for s in got.sends], got.executed_tx) == ([mine.tx_hash], mine.tx_hash)


def test_sends_survive_a_round_trip_through_the_file(tmp_path: Path) -> None:
    plan = _plan()
    store = LocalStore(tmp_path, plan.chain_id, plan.tx.safe)
    store.put(plan, {}, None)
    store.record_send(_send(plan, "33", nonce=4), [])
    document = json.loads((tmp_path / f"{plan.chain_id}-{plan.safe_tx_hash}.json").read_text())
    assert document["sending"] == [_send(plan, "33", nonce=4).to_json()]
    assert send_record_from_json(document["sending"][0]) == _send(plan, "33", nonce=4)


def test_unreadable_files_are_skipped_with_a_warning(tmp_path: Path) -> None:
    plan = _plan()
    warnings: list[str] = []
    store = LocalStore(tmp_path, plan.chain_id, plan.tx.safe, warnings.append)
    store.put(plan, {}, "alice")
    good = tmp_path / f"{plan.chain_id}-{plan.safe_tx_hash}.json"
    conflicted = tmp_path / f"{plan.safe_tx_hash} (conflicted copy 2026-11-21).json"
    conflicted.write_text(good.read_text())
    truncated = tmp_path / f"0x{'ab' * 32}.json"
    truncated.write_text(good.read_text()[:100])
    misfiled = tmp_path / f"0x{'cd' * 32}.json"
    misfiled.write_text(good.read_text())
    assert [p.safe_tx_hash for p in store.pending()] == [plan.safe_tx_hash]
    unreadable, *others = warnings
    assert unreadable.startswith(f"skipped unreadable proposal file {truncated}: ")
    assert others == [
        f"skipped {conflicted}: not a proposal file name (a sync tool's copy?)",
        f"skipped {misfiled}: it holds proposal {plan.safe_tx_hash}",
    ]


def test_a_read_only_folder_fails_the_probe_before_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = _plan()
    store = LocalStore(tmp_path / "proposals", plan.chain_id, plan.tx.safe)
    store.check_writable()  # creates the folder, writes and removes a probe
    assert sorted(p.name for p in (tmp_path / "proposals").iterdir()) == [".lock"]

    def refused(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", refused)
    with pytest.raises(StoreUnavailable, match="Permission denied") as caught:
        store.check_writable()
    assert caught.value.exit_code == 3


def test_one_folder_keeps_a_legacy_safe_apart_on_two_chains(open_store: OpenStore) -> None:
    """Before Safe 1.3.0 the domain has no chain id: the same Safe and transaction hash alike
    on two chains, and each chain's proposal must survive the other's."""
    legacy = replace(_plan(), safe_version=SafeVersion.parse("1.1.1"))
    other = _on_chain(legacy, legacy.chain_id + 1)
    assert other.safe_tx_hash == legacy.safe_tx_hash
    here = open_store(legacy.chain_id, legacy.tx.safe)
    there = open_store(other.chain_id, other.tx.safe)
    here.put(legacy, {OWNER: SIGNATURE}, "alice")
    there.put(other, {}, "bob")
    mine, theirs = here.get(legacy.safe_tx_hash), there.get(other.safe_tx_hash)
    assert mine is not None
    assert theirs is not None
    assert (mine.chain_id, mine.proposer, dict(mine.signatures)) == (
        legacy.chain_id,
        "alice",
        {OWNER: SIGNATURE},
    )
    assert (theirs.chain_id, theirs.proposer, dict(theirs.signatures)) == (
        other.chain_id,
        "bob",
        {},
    )
    assert [p.chain_id for p in there.pending()] == [other.chain_id]


def test_old_style_files_are_read_and_renamed_on_their_next_write(tmp_path: Path) -> None:
    plan = _plan()
    old = tmp_path / f"{plan.safe_tx_hash}.json"
    LocalStore(tmp_path, plan.chain_id, plan.tx.safe).put(plan, {}, "alice")
    (tmp_path / f"{plan.chain_id}-{plan.safe_tx_hash}.json").rename(old)
    store = LocalStore(tmp_path, plan.chain_id, plan.tx.safe)
    found = store.get(plan.safe_tx_hash)
    assert found is not None
    assert found.proposer == "alice"
    assert [p.safe_tx_hash for p in store.pending()] == [plan.safe_tx_hash]
    assert LocalStore(tmp_path, plan.chain_id + 1, plan.tx.safe).pending() == []
    store.add_signature(plan, OWNER, SIGNATURE)
    assert sorted(p.name for p in tmp_path.glob("*.json")) == [
        f"{plan.chain_id}-{plan.safe_tx_hash}.json"
    ]
    again = store.get(plan.safe_tx_hash)
    assert again is not None
    assert (again.proposer, dict(again.signatures)) == ("alice", {OWNER: SIGNATURE})
