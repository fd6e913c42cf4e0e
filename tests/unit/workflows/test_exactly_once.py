"""Exactly once on fakes: every send recorded before its broadcast, resolved before another may
be signed; executions the chain shows are reconciled by queue, sign, execute and emergency."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from safeops.audit.log import AuditUnavailable
from safeops.chain.execute import Sent, SignedSend, TransactionPending
from safeops.core.actions import plan_pause
from safeops.core.emergency import ALREADY_DONE
from safeops.core.plan import Plan
from safeops.core.sending import SendRecord
from safeops.devnet.deploy import DEV_KEYS
from safeops.errors import RpcUnavailable
from safeops.interrupts import Interrupted
from safeops.keys.signer import JustInTimeSigner
from safeops.proposals.local import StoreUnavailable
from safeops.proposals.memory import MemoryStore
from safeops.workflows import sending
from safeops.workflows.emergency import emergency
from safeops.workflows.emergency_intents import PauseIntent
from safeops.workflows.execute import execute
from safeops.workflows.plan import make_plans
from safeops.workflows.propose import propose
from safeops.workflows.queue import pending as queue
from safeops.workflows.reconcile import execution_of
from safeops.workflows.rehearse import rehearse_plan
from safeops.workflows.sending import SendDropped
from safeops.workflows.sign import sign
from tests.unit.workflows.fakes import FakeChain, World, signer, world


@pytest.fixture
def w(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(sending, "DROPPED_GRACE_S", 0.0)  # no real waiting in unit tests
    return world(tmp_path)


def _proposed(w: World, *, unpause: bool = False, by: str = "oncall") -> Plan:
    actions = plan_pause(w.session.policy, ["router"], unpause=unpause)
    (written,) = make_plans(w.session, actions)
    rehearse_plan(w.session, written.path, written.plan)
    propose(w.session, written.path, signer(by))
    return written.plan


def _guardian(w: World) -> FakeChain:
    return w.chain("guardian")


def _store(w: World) -> MemoryStore:
    store = w.store("guardian")
    assert isinstance(store, MemoryStore)
    return store


def _sends(w: World, plan: Plan) -> list[str]:
    stored = w.store("guardian").get(plan.safe_tx_hash)
    assert stored is not None
    return [send.tx_hash for send in stored.sends]


def test_the_send_is_recorded_in_store_and_audit_before_its_broadcast(w: World) -> None:
    plan = _proposed(w)
    chain = _guardian(w)
    seen_at_broadcast: list[tuple[list[str], list[str]]] = []
    real = chain.broadcast

    def watched(signed: object) -> None:
        seen_at_broadcast.append((_sends(w, plan), w.audit.sends()))
        real(signed)  # type: ignore[arg-type]

    chain.broadcast = watched  # type: ignore[method-assign]
    done = execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    assert seen_at_broadcast == [([done.tx_hash], [done.tx_hash])]
    (record,) = w.audit.recorded_sends(plan.chain_id, plan.safe_tx_hash)
    assert (record.safe_nonce, record.sender, record.nonce) == (0, signer("oncall").address, 0)
    assert (done.already_done, done.proven) == (False, True)


def test_killed_after_the_send_a_rerun_waits_for_it_and_never_sends_twice(w: World) -> None:
    plan = _proposed(w)
    chain = _guardian(w)
    chain.automine = False

    def killed(tx_hash: str) -> object:
        raise KeyboardInterrupt

    chain.wait = killed  # type: ignore[method-assign,assignment]
    with pytest.raises(Interrupted) as interrupted:
        execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    tx_hash = interrupted.value.details["tx_hash"]
    assert chain.mempool == [tx_hash]
    assert _sends(w, plan) == [tx_hash]
    del chain.wait  # the re-run is a new process: the chain answers normally again
    chain.mine_on_wait = False
    with pytest.raises(TransactionPending, match=tx_hash):  # still pending: reported, not sent
        execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    chain.mine_on_wait = True
    again = execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    assert (again.tx_hash, again.already_done, again.proven) == (tx_hash, True, True)
    assert chain.broadcasts == [tx_hash]
    assert len(chain.signed) == 1  # the executor's key signed one transaction, once
    stored = w.store("guardian").get(plan.safe_tx_hash)
    assert stored is not None
    assert stored.executed_tx == tx_hash


def test_a_rerun_after_mining_says_already_done_without_signing(w: World) -> None:
    plan = _proposed(w)
    chain = _guardian(w)
    chain.automine, chain.mine_on_wait = False, False
    with pytest.raises(TransactionPending):
        execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    chain.mine()
    again = execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    assert again.already_done
    assert again.proven
    assert len(chain.signed) == 1


def test_a_dropped_send_needs_resend_which_reuses_its_nonce(w: World) -> None:
    plan = _proposed(w)
    chain = _guardian(w)
    chain.broadcast_lost, chain.mine_on_wait = True, False
    with pytest.raises(TransactionPending):
        execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    (first,) = chain.broadcasts
    with pytest.raises(SendDropped, match=f"transaction {first} was sent .* it was dropped"):
        execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    assert chain.broadcasts == [first]
    chain.broadcast_lost, chain.mine_on_wait = False, True
    done = execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall", resend=True)
    assert done.proven
    assert done.tx_hash != first
    assert [signed.nonce for _, signed in chain.signed.values()] == [0, 0]
    assert chain.sent == [plan.safe_tx_hash]
    assert _sends(w, plan) == [first, done.tx_hash]


def test_an_http_error_on_a_send_the_node_took_is_looked_up_not_reported(w: World) -> None:
    plan = _proposed(w)
    chain = _guardian(w)
    chain.broadcast_error = RpcUnavailable("eth_sendRawTransaction failed (HTTP 502)")
    done = execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    assert done.proven
    assert chain.broadcasts == [done.tx_hash]


def test_an_http_error_on_a_lost_send_names_the_hash_and_a_rerun_asks_for_resend(
    w: World,
) -> None:
    plan = _proposed(w)
    chain = _guardian(w)
    chain.broadcast_lost = True
    chain.broadcast_error = RpcUnavailable("eth_sendRawTransaction failed (HTTP 502)")
    with pytest.raises(RpcUnavailable, match=r"no RPC knows 0x[0-9a-f]{64}: it was most likely"):
        execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    chain.broadcast_lost, chain.broadcast_error = False, None
    with pytest.raises(SendDropped):
        execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    assert len(chain.broadcasts) == 1


def test_a_read_only_store_stops_execute_before_the_key_is_used(w: World) -> None:
    plan = _proposed(w)
    _store(w).writable = False
    with pytest.raises(StoreUnavailable, match="read-only"):
        execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    assert _guardian(w).signed == {}
    with pytest.raises(StoreUnavailable):  # sign too: no signature is made for nothing
        sign(w.session, plan.safe_tx_hash, signer("alice"))


def test_an_unwritable_audit_log_at_the_send_sends_nothing_and_leaves_no_record(
    w: World,
) -> None:
    plan = _proposed(w)
    w.audit.writable = False
    with pytest.raises(AuditUnavailable):
        execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    assert _guardian(w).broadcasts == []
    assert _sends(w, plan) == []  # taken back: a re-run must not think it was dropped
    w.audit.writable = True
    assert execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall").proven


def test_a_send_recorded_by_a_concurrent_run_is_waited_for_not_doubled(w: World) -> None:
    plan = _proposed(w)
    chain = _guardian(w)
    store = _store(w)
    real = store.record_send

    def other_run_first(record: SendRecord, known: object) -> SendRecord | None:
        """The other run signs, records and broadcasts just before this one records."""
        signed = chain.sign_send(plan.tx, b"", signer("oncall"))
        theirs = replace(record, tx_hash=signed.tx_hash, nonce=signed.nonce)
        assert real(theirs, []) is None
        chain.automine = False
        chain.broadcast(signed)
        chain.automine = True
        return real(record, known)  # type: ignore[arg-type]

    store.record_send = other_run_first  # type: ignore[method-assign]
    done = execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    assert done.already_done
    assert done.proven
    assert len(chain.broadcasts) == 1
    assert chain.sent == [plan.safe_tx_hash]


def test_queue_marks_what_the_chain_shows_executed(w: World) -> None:
    plan = _proposed(w)
    chain = _guardian(w)
    chain.automine, chain.mine_on_wait = False, False
    with pytest.raises(TransactionPending):
        execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    assert [row.sending for row in queue(w.session).pending] == [tuple(chain.broadcasts)]
    chain.mine()
    listed = queue(w.session)
    assert listed.pending == []
    ((safe, done),) = listed.reconciled
    assert (safe, done.sent.tx_hash) == ("guardian", chain.broadcasts[0])
    assert listed.to_json()["reconciled"][0]["tx_hash"] == chain.broadcasts[0]
    stored = w.store("guardian").get(plan.safe_tx_hash)
    assert stored is not None
    assert stored.executed_tx == chain.broadcasts[0]


def test_a_store_turned_read_only_after_the_send_keeps_the_hash(w: World) -> None:
    plan = _proposed(w)
    chain = _guardian(w)
    real = chain.broadcast

    def then_read_only(signed: object) -> None:
        real(signed)  # type: ignore[arg-type]
        _store(w).writable = False

    chain.broadcast = then_read_only  # type: ignore[method-assign]
    done = execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    assert done.proven
    assert done.tx_hash == chain.broadcasts[0]
    assert done.warnings == (
        "cannot write to the proposal store memory: read-only: a re-run marks it executed "
        "from the chain",
    )
    _store(w).writable = True
    assert queue(w.session).reconciled[0][1].sent.tx_hash == done.tx_hash


ALL = PauseIntent((), all_targets=True, unpause=False)


def test_emergency_rerun_after_a_crash_reports_already_done(w: World) -> None:
    (first,) = emergency(w.session, ALL, signer("oncall")).outcomes
    assert first.executed is not None
    assert first.written is not None
    key = (first.written.plan.chain_id, first.written.plan.safe_tx_hash)
    # The run was killed after its send: its proposal still reads pending in the store.
    w.proposals[key] = replace(w.proposals[key], executed_tx=None)
    again = emergency(w.session, ALL, signer("oncall"))
    (outcome,) = again.outcomes
    assert (outcome.status, outcome.executed_before) == (ALREADY_DONE, first.executed.tx_hash)
    assert again.exit_code == 0
    assert _guardian(w).sent == [first.written.plan.safe_tx_hash]
    assert w.proposals[key].executed_tx == first.executed.tx_hash


def test_emergency_after_another_run_won_sends_nothing(w: World) -> None:
    emergency(w.session, ALL, signer("oncall"))
    w.proposals.clear()  # the winner's store is elsewhere: only the chain knows
    again = emergency(w.session, ALL, signer("oncall"))
    (outcome,) = again.outcomes
    assert (outcome.status, again.exit_code) == (ALREADY_DONE, 0)
    assert outcome.written is None
    assert len(_guardian(w).sent) == 1


def test_emergency_is_not_done_when_the_effect_was_undone_since(w: World) -> None:
    emergency(w.session, ALL, signer("oncall"))
    _guardian(w).proofs_ok = False  # someone unpaused since: the views no longer hold
    (outcome,) = emergency(w.session, ALL, signer("oncall")).outcomes
    assert outcome.status != ALREADY_DONE  # planned and sent anew
    assert outcome.written is not None
    assert outcome.written.plan.tx.nonce == 1
    assert len(_guardian(w).sent) == 2


def test_a_read_only_store_stops_propose_before_the_key_is_read(w: World) -> None:
    (written,) = make_plans(w.session, plan_pause(w.session.policy, ["router"]))
    rehearse_plan(w.session, written.path, written.plan)
    reads: list[str] = []
    key = bytes.fromhex(DEV_KEYS["oncall"][2:])

    def fetch() -> bytes:
        reads.append("oncall")
        return key

    oncall = JustInTimeSigner("oncall", signer("oncall").address, "test", fetch)
    _store(w).writable = False
    with pytest.raises(StoreUnavailable):
        propose(w.session, written.path, oncall)
    assert reads == []
    _store(w).writable = True
    assert propose(w.session, written.path, oncall).confirmations == 1
    assert reads == ["oncall"]


def test_the_hook_names_the_transaction_that_executed_a_plan(w: World) -> None:
    plan = _proposed(w)
    assert execution_of(w.session, plan) is None  # the Safe's nonce has not moved: no search
    assert _guardian(w).searches == 0
    done = execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    found = execution_of(w.session, plan)
    assert found is not None
    assert found.tx_hash == done.tx_hash


def test_an_executor_elsewhere_who_won_the_race_is_reported_not_a_failure(w: World) -> None:
    """Two executors on two machines (no shared record of sends) both broadcast; theirs is
    mined first and ours reverts on the spent nonce: done, by their transaction."""
    plan = _proposed(w)
    chain = _guardian(w)
    real = chain.broadcast

    def theirs_first(signed: SignedSend) -> None:
        chain.broadcast = real  # type: ignore[method-assign]
        theirs = chain.sign_send(plan.tx, b"", signer("bob"))
        chain.automine = False
        real(theirs)
        real(signed)
        chain.mine()
        chain.automine = True

    chain.broadcast = theirs_first  # type: ignore[method-assign]
    done = execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    theirs, ours = chain.broadcasts
    assert chain.mined[ours].status == 0
    assert done.already_done
    assert done.tx_hash == theirs
    assert done.proven
    assert chain.sent == [plan.safe_tx_hash]


def test_balance_changes_are_measured_from_the_block_before_the_execution(w: World) -> None:
    """Not from the run's checks: a deposit by someone else in the blocks between would
    fail a correct withdrawal's exact delta."""
    plan = _proposed(w)
    chain = _guardian(w)
    chain.balance_reads.clear()
    chain.mined["0x" + "ab" * 32] = Sent("0x" + "ab" * 32, 1001, 1, 21_000, ())  # a deposit
    done = execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    assert done.proven
    assert chain.balance_reads == [done.block - 1]
