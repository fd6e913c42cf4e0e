"""Issue 11 on fakes: no gate a local file can fake, hashes from the chain, the store as input,
and no "done" without a proof."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from safeops.core.actions import PolicyViolation, plan_pause
from safeops.core.plan import Plan
from safeops.core.rehearsal import UNSIGNED_HINT, record_digest
from safeops.core.transactions.safe_tx import SafeVersion
from safeops.errors import Refused
from safeops.workflows.execute import execute
from safeops.workflows.executed import Executed
from safeops.workflows.plan import make_plans
from safeops.workflows.plan_files import record_path, write_plan
from safeops.workflows.propose import propose
from safeops.workflows.queue import pending
from safeops.workflows.rehearse import rehearse_plan
from safeops.workflows.review import review
from safeops.workflows.sign import sign
from safeops.workflows.subjects import Subject
from tests.unit.workflows.fakes import World, policy, signer, world

EVE_KEY = bytes.fromhex("42" * 32)


@pytest.fixture
def w(tmp_path: Path) -> World:
    return world(tmp_path)


def _planned(w: World, target: str = "router", *, unpause: bool = False) -> tuple[Plan, Path]:
    actions = plan_pause(w.session.policy, [target], unpause=unpause)
    (written,) = make_plans(w.session, actions)
    return written.plan, written.path


def _another_process(w: World) -> None:
    """What a new `safeops` run sees: the files, not this run's rehearsals."""
    w.session.rehearsed.clear()


# ---------------------------------------------------------------------------------------------
# Rehearsal records: signed by a policy signer, or rehearsed in this process.


def test_an_unsigned_record_never_counts_in_another_process(w: World) -> None:
    plan, path = _planned(w)
    rehearsal = rehearse_plan(w.session, path, plan)
    assert (rehearsal.passed, rehearsal.signed_by) == (True, None)
    _another_process(w)
    with pytest.raises(Refused, match="the rehearsal record is not signed") as refused:
        propose(w.session, path, signer("oncall"))
    assert refused.value.hint == UNSIGNED_HINT
    assert "--signer" in UNSIGNED_HINT
    assert w.store("guardian").pending() == []


def test_a_record_signed_by_a_policy_signer_counts(w: World) -> None:
    plan, path = _planned(w)
    rehearsal = rehearse_plan(w.session, path, plan, signer=signer("alice"))
    assert rehearsal.signed_by == "alice"
    written = json.loads(record_path(path).read_text())
    assert written["signature"]["address"] == signer("alice").address
    assert written["origin"] == {
        "chain_id": plan.chain_id,
        "block_number": 1000,
        "block_hash": "0x" + f"{1000:064x}",
    }
    _another_process(w)
    assert propose(w.session, path, signer("oncall")).confirmations == 1


def test_a_hand_made_passing_record_is_refused(w: World) -> None:
    """The issue's reproduction: `passed: true` beside a plan, its sha256 recomputed."""
    plan, path = _planned(w)
    w.rehearser.passed = False
    rehearse_plan(w.session, path, plan)
    _another_process(w)
    forged = json.loads(record_path(path).read_text())
    for check in forged["results"]["postconditions"]:
        check.update(ok=True, actual=check["expected"])
    forged["results"]["execution"]["success"] = True
    forged["passed"] = True
    forged["digest"] = record_digest(forged)
    record_path(path).write_text(json.dumps(forged))
    with pytest.raises(Refused, match="the rehearsal record is not signed"):
        propose(w.session, path, signer("oncall"))


def test_a_signature_that_is_not_the_named_signers_is_refused(w: World) -> None:
    plan, path = _planned(w)
    rehearse_plan(w.session, path, plan, signer=signer("alice"))
    _another_process(w)
    document = json.loads(record_path(path).read_text())
    # Edited after signing, digest recomputed: the signature no longer recovers to alice.
    document["rehearsed_at"] += 1
    document["digest"] = record_digest(document)
    record_path(path).write_text(json.dumps(document))
    with pytest.raises(Refused, match=r"recovers to 0x[0-9a-fA-F]{40}, not to signer alice"):
        propose(w.session, path, signer("oncall"))


def test_an_outsiders_key_cannot_vouch(w: World) -> None:
    from safeops.keys.signer import JustInTimeSigner

    plan, path = _planned(w)
    eve = JustInTimeSigner("eve", "0x" + "00" * 20, "test", lambda: EVE_KEY)
    with pytest.raises(Refused, match="'eve' is not a signer of the policy"):
        rehearse_plan(w.session, path, plan, signer=eve)
    assert w.rehearser.calls == []  # refused before any fork started


def test_an_executor_only_signer_cannot_vouch(tmp_path: Path) -> None:
    base = policy()
    relayer = replace(base.signers["bob"], roles=frozenset({"executor"}))
    w = world(tmp_path, replace(base, signers={**base.signers, "bob": relayer}))
    plan, path = _planned(w)
    with pytest.raises(Refused, match="signer bob may not vouch for a rehearsal"):
        rehearse_plan(w.session, path, plan, signer=signer("bob"))


def test_a_record_from_another_fork_of_the_chain_is_refused(w: World) -> None:
    plan, path = _planned(w)
    run = w.rehearser

    def elsewhere(*args: object, **kwargs: object) -> object:
        runs = run(*args, **kwargs)  # type: ignore[arg-type]
        return [replace(result, block_hash="0x" + "66" * 32) for result in runs]

    w.session.rehearser = elsewhere  # type: ignore[assignment]
    rehearse_plan(w.session, path, plan, signer=signer("alice"))
    _another_process(w)
    with pytest.raises(Refused, match="but the policy's RPCs serve 0x0000"):
        propose(w.session, path, signer("oncall"))


def test_emergency_counts_its_own_rehearsal_without_a_signature(w: World) -> None:
    from safeops.workflows.emergency import emergency
    from safeops.workflows.emergency_intents import PauseIntent

    intent = PauseIntent(("router",), all_targets=False, unpause=False)
    (outcome,) = emergency(w.session, intent, signer("oncall")).outcomes
    assert outcome.executed is not None
    assert outcome.executed.proven
    assert outcome.written is not None
    assert json.loads(record_path(outcome.written.path).read_text())["signature"] is None


# ---------------------------------------------------------------------------------------------
# Hashes from the chain: a relabelled Safe version is refused everywhere.


def _relabelled(w: World, version: str = "1.1.1") -> tuple[Plan, Path]:
    session = w.session
    (action,) = plan_pause(session.policy, ["router"], unpause=True)
    plan = action.to_plan(
        session.policy, nonce=0, version=SafeVersion.parse(version), created_at="2026-01-01"
    )
    return plan, write_plan(session.plan_dir, plan)


def test_a_plan_relabelled_with_another_version_is_refused(w: World) -> None:
    plan, path = _relabelled(w)
    message = "the Safe runs 1.4.1, the plan was hashed for 1.1.1"
    with pytest.raises(Refused, match=message):
        rehearse_plan(w.session, path, plan, signer=signer("alice"))
    with pytest.raises(Refused, match=message):
        propose(w.session, path, signer("alice"))
    with pytest.raises(Refused, match=message):
        review(w.session, Subject("plan", w.session.safe("admin"), plan.tx, plan))
    w.store("admin").put(plan, {}, "alice")  # written straight into the store
    with pytest.raises(Refused, match=message):
        sign(w.session, plan.safe_tx_hash, signer("bob"))
    assert w.store("admin").get(plan.safe_tx_hash).signatures == {}  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------------------
# The store is input: what propose checks, sign and execute check again.


def test_a_store_injected_proposal_with_a_nonce_gap_is_not_signed(w: World) -> None:
    """The issue's case: nonce 7 while the Safe is at 0, never rehearsed, "by alice"."""
    (action,) = plan_pause(w.session.policy, ["router"], unpause=True)
    plan = action.to_plan(
        w.session.policy, nonce=7, version=SafeVersion.parse("1.4.1"), created_at="x"
    )
    w.store("admin").put(plan, {}, "alice")
    with pytest.raises(Refused, match="nonce gap: no pending proposal holds nonce 0, 1, 2"):
        sign(w.session, plan.safe_tx_hash, signer("bob"))
    assert w.rehearser.calls == []


@pytest.mark.parametrize(
    ("proposer", "error", "message"),
    [
        (None, Refused, "names no proposer"),
        ("bob", PolicyViolation, "signer bob may not propose unpause"),
        ("0x" + "ab" * 20, PolicyViolation, "is not a signer of the policy"),
    ],
)
def test_a_store_injected_proposal_needs_a_policy_proposer(
    w: World, proposer: str | None, error: type[Exception], message: str
) -> None:
    plan, _ = _planned(w, unpause=True)
    w.store("admin").put(plan, {}, proposer)
    with pytest.raises(error, match=message):
        sign(w.session, plan.safe_tx_hash, signer("bob"))
    with pytest.raises(error, match=message):
        execute(w.session, plan.safe_tx_hash, signer("alice"), "alice")
    assert w.chain("admin").sent == []


def test_a_never_rehearsed_proposal_is_rehearsed_before_signing(w: World) -> None:
    plan, _ = _planned(w, unpause=True)
    w.store("admin").put(plan, {}, "alice")
    w.rehearser.passed = False
    with pytest.raises(Refused, match=f"the rehearsal of {plan.safe_tx_hash} fails"):
        sign(w.session, plan.safe_tx_hash, signer("bob"))
    assert w.store("admin").get(plan.safe_tx_hash).signatures == {}  # type: ignore[union-attr]
    w.rehearser.passed = True
    assert sign(w.session, plan.safe_tx_hash, signer("bob")).confirmations == 1
    assert [call[1] for call in w.rehearser.calls] == [plan.safe_tx_hash] * 2


def test_a_signed_fresh_record_spares_the_signer_a_rehearsal(w: World) -> None:
    plan, path = _planned(w, unpause=True)
    rehearse_plan(w.session, path, plan, signer=signer("alice"))
    propose(w.session, path, signer("alice"))
    _another_process(w)
    assert sign(w.session, plan.safe_tx_hash, signer("bob")).confirmations == 2
    assert len(w.rehearser.calls) == 1


# ---------------------------------------------------------------------------------------------
# No "done" without a proof.


def test_execute_refuses_a_proof_that_already_holds(w: World) -> None:
    plan, path = _planned(w)
    rehearse_plan(w.session, path, plan)
    propose(w.session, path, signer("oncall"))
    w.chain("guardian").already_true = True
    with pytest.raises(Refused, match=r"router.paused\(\) == true already holds"):
        execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    assert w.chain("guardian").sent == []


def test_no_postcondition_is_never_proven(w: World) -> None:
    plan, _ = _planned(w)
    bare = Executed(plan.safe_tx_hash, plan, "0x" + "aa" * 32, 1, True, ())
    assert not bare.proven
    assert bare.unproven == ["no postcondition proves what the transaction did"]


def test_a_failed_proof_names_the_target(w: World) -> None:
    plan, path = _planned(w)
    rehearse_plan(w.session, path, plan)
    propose(w.session, path, signer("oncall"))
    w.chain("guardian").proofs_ok = False
    done = execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    assert not done.proven
    assert done.unproven == ["router.paused() == true does not hold (got something else)"]


# ---------------------------------------------------------------------------------------------
# queue counts distinct valid owner signatures, not keys.


def test_queue_counts_recovered_owner_signatures_only(w: World) -> None:
    plan, path = _planned(w, unpause=True)
    rehearse_plan(w.session, path, plan)
    propose(w.session, path, signer("alice"))
    store = w.store("admin")
    alices = store.get(plan.safe_tx_hash).signatures[signer("alice").address]  # type: ignore[union-attr]
    store.add_signature(plan, signer("bob").address, alices)  # alice's again, under bob's name
    store.add_signature(plan, signer("carol").address, "0x" + "11" * 65)  # garbage
    (row,) = pending(w.session).rows
    assert row.confirmations == 1
    bobs = "0x" + signer("bob").sign_digest(plan.safe_tx_hash.raw).hex()
    store.add_signature(plan, signer("bob").address, bobs)
    assert pending(w.session).rows[0].confirmations == 2
