"""`queue` and `emergency` on fakes: what is pending, and the one-command pause."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeops.core.actions import plan_pause
from safeops.errors import Refused
from safeops.workflows.emergency import emergency
from safeops.workflows.plan import make_plans
from safeops.workflows.propose import propose
from safeops.workflows.queue import pending
from safeops.workflows.rehearse import rehearse_plan
from tests.unit.workflows.fakes import World, signer, world

STRANGER_SIGNATURE = "0x" + "11" * 65


@pytest.fixture
def w(tmp_path: Path) -> World:
    return world(tmp_path)


def test_queue_counts_only_current_owners_and_flags_conflicts(w: World) -> None:
    assert pending(w.session) == []
    actions = plan_pause(w.session.policy, ["router"], unpause=True)
    (written,) = make_plans(w.session, actions)
    rehearse_plan(w.session, written.path, written.plan)
    propose(w.session, written.path, signer("alice"))
    w.store("admin").add_signature(written.plan, signer("oncall").address, STRANGER_SIGNATURE)
    (rival,) = make_plans(
        w.session, plan_pause(w.session.policy, ["lending"], unpause=True), nonce=0, replace=True
    )
    w.store("admin").put(rival.plan, {}, "alice")
    rows = pending(w.session)
    assert [(r.safe, r.nonce, r.conflict) for r in rows] == [("admin", 0, True)] * 2
    mine = next(r for r in rows if r.safe_tx_hash == written.plan.safe_tx_hash)
    assert (mine.confirmations, mine.threshold, mine.rehearsal) == (1, 2, "fresh")
    other = next(r for r in rows if r.safe_tx_hash == rival.plan.safe_tx_hash)
    assert other.rehearsal.startswith("not fresh: no rehearsal of this plan")


def test_emergency_pause_executes_when_the_signer_meets_the_threshold(w: World) -> None:
    (outcome,) = emergency(w.session, [], all_targets=True, unpause=False, signer=signer("oncall"))
    assert outcome.rehearsed
    assert outcome.executed is not None
    assert outcome.executed.proven
    assert w.chain("guardian").sent == [outcome.written.plan.safe_tx_hash]
    assert outcome.to_json()["tx_hash"] == outcome.executed.tx_hash


def test_emergency_unpause_stops_after_proposing_and_names_who_must_sign(w: World) -> None:
    (outcome,) = emergency(
        w.session, ["router"], all_targets=False, unpause=True, signer=signer("alice")
    )
    assert outcome.executed is None
    assert outcome.proposed is not None
    assert (outcome.proposed.confirmations, outcome.proposed.threshold) == (1, 2)
    assert outcome.missing_signers == ["bob", "carol"]
    assert w.chain("admin").sent == []


def test_a_retry_resumes_its_own_pending_proposal(w: World) -> None:
    (first,) = emergency(
        w.session, ["router"], all_targets=False, unpause=True, signer=signer("alice")
    )
    (again,) = emergency(
        w.session, ["router"], all_targets=False, unpause=True, signer=signer("alice")
    )
    assert again.written.plan.safe_tx_hash == first.written.plan.safe_tx_hash
    assert len(w.store("admin").pending()) == 1


@pytest.mark.parametrize(
    ("broken", "message"), [("review", "review of"), ("rehearsal", "rehearsal of")]
)
def test_a_failed_review_or_rehearsal_proposes_nothing(w: World, broken: str, message: str) -> None:
    if broken == "review":
        w.chain("guardian").simulation_ok = False
    else:
        w.rehearser.passed = False
    with pytest.raises(Refused, match=message):
        emergency(w.session, [], all_targets=True, unpause=False, signer=signer("oncall"))
    assert w.store("guardian").pending() == []
    assert w.chain("guardian").sent == []


def test_a_dry_run_stops_after_the_rehearsal(w: World) -> None:
    (outcome,) = emergency(
        w.session, [], all_targets=True, unpause=False, signer=signer("oncall"), dry_run=True
    )
    assert outcome.rehearsed
    assert outcome.proposed is None
    assert w.store("guardian").pending() == []
