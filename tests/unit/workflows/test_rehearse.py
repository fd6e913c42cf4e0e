"""`rehearse` on fakes: the record, what is stacked first, and what fails a rehearsal."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from safeops.core.actions import plan_pause
from safeops.core.plan import Plan
from safeops.core.transactions.safe_tx import SafeTxHash, safe_tx_hashes
from safeops.proposals.base import StoredProposal
from safeops.workflows.plan import make_plans
from safeops.workflows.plan_files import record_path, write_plan
from safeops.workflows.rehearse import rehearse_plan
from tests.unit.workflows.fakes import CHAIN, NOW, World, world


@pytest.fixture
def w(tmp_path: Path) -> World:
    return world(tmp_path)


def _plan(w: World, *targets: str) -> tuple[Plan, Path]:
    (written,) = make_plans(w.session, plan_pause(w.session.policy, list(targets or ["router"])))
    return written.plan, written.path


def test_a_passing_rehearsal_writes_its_record(w: World) -> None:
    plan, path = _plan(w)
    result = rehearse_plan(w.session, path, plan)
    assert result.passed
    assert result.reason is None
    record = json.loads(record_path(path).read_text())
    assert (record["passed"], record["safe_tx_hash"], record["rehearsed_at"]) == (
        True,
        plan.safe_tx_hash.hex0x,
        NOW,
    )
    origin, rehearsed, queued = w.rehearser.calls[0]
    assert (origin, rehearsed, queued) == (
        "http://fork-origin.invalid/guardian",
        plan.safe_tx_hash,
        (),
    )


def test_a_failed_rehearsal_is_recorded_as_failed(w: World) -> None:
    plan, path = _plan(w)
    w.rehearser.passed = False
    result = rehearse_plan(w.session, path, plan)
    assert not result.passed
    assert result.reason
    assert "ExecutionFailure" in result.reason
    assert json.loads(record_path(path).read_text())["passed"] is False


def test_a_plan_that_is_not_its_intent_fails_but_still_runs(w: World) -> None:
    plan, _ = _plan(w)
    no_proofs = replace(plan, postconditions=())
    path = write_plan(w.session.plan_dir, no_proofs)
    result = rehearse_plan(w.session, path, no_proofs)
    assert not result.passed
    assert result.reasons[-1].startswith("the plan is not what its intent rebuilds")
    assert len(w.rehearser.calls) == 1


def test_queued_proposals_are_handed_to_the_fork_hashed_here(w: World) -> None:
    first, _ = _plan(w, "router")
    w.store("guardian").put(first, {}, "oncall")
    (written,) = make_plans(w.session, plan_pause(w.session.policy, ["lending"]))
    assert written.plan.tx.nonce == 1
    # A Transaction Service copy has no plan and claims a hash: the claim is not used.
    served = replace(first.tx, data=bytes.fromhex("3f4ba83a"))
    claimed = SafeTxHash(b"\x01" * 32)
    w.proposals[(CHAIN, claimed)] = StoredProposal(served, claimed, CHAIN)
    rehearse_plan(w.session, written.path, written.plan)
    (_, _, queued) = w.rehearser.calls[0]
    computed = safe_tx_hashes(served, CHAIN, first.safe_version).safe_tx_hash
    assert queued is not None
    assert sorted(queued) == sorted([first.safe_tx_hash, computed])


def test_no_stack_hands_no_queue(w: World) -> None:
    plan, path = _plan(w)
    result = rehearse_plan(w.session, path, plan, stack=False)
    assert w.rehearser.calls[0][2] is None
    assert result.stack_skipped
    assert json.loads(record_path(path).read_text())["stack_skipped"] is True


def test_the_previous_record_goes_before_a_new_rehearsal(w: World) -> None:
    plan, path = _plan(w)
    rehearse_plan(w.session, path, plan)

    def broken(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    w.session.rehearser = broken  # type: ignore[assignment]
    with pytest.raises(KeyboardInterrupt):
        rehearse_plan(w.session, path, plan)
    assert not record_path(path).exists()
