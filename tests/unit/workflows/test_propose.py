"""`propose` on fakes: only a fresh passing rehearsal, once, without gaps or silent rivals."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeops.core.actions import plan_pause
from safeops.core.plan import Plan
from safeops.errors import Refused
from safeops.workflows.plan import make_plans
from safeops.workflows.propose import propose
from safeops.workflows.rehearse import rehearse_plan
from tests.unit.workflows.fakes import BLOCK, World, signer, world


@pytest.fixture
def w(tmp_path: Path) -> World:
    return world(tmp_path)


def _rehearsed(w: World, target: str = "router", **kwargs: object) -> tuple[Plan, Path]:
    (written,) = make_plans(w.session, plan_pause(w.session.policy, [target]), **kwargs)  # type: ignore[arg-type]
    rehearse_plan(w.session, written.path, written.plan)
    return written.plan, written.path


def test_an_owner_proposes_and_signs(w: World) -> None:
    plan, path = _rehearsed(w)
    result = propose(w.session, path, signer("oncall"))
    assert (result.confirmations, result.threshold, result.already_proposed) == (1, 1, False)
    stored = w.store("guardian").get(plan.safe_tx_hash)
    assert stored is not None
    assert list(stored.signatures) == [signer("oncall").address]
    assert stored.proposer == "oncall"


def test_proposing_again_adds_only_a_missing_signature(w: World) -> None:
    plan, path = _rehearsed(w)
    w.store("guardian").put(plan, {}, "alice")
    again = propose(w.session, path, signer("oncall"))
    assert (again.already_proposed, again.confirmations) == (True, 1)
    once_more = propose(w.session, path, signer("oncall"))
    assert (once_more.already_proposed, once_more.confirmations) == (True, 1)


def test_without_a_rehearsal_nothing_is_proposed(w: World) -> None:
    (written,) = make_plans(w.session, plan_pause(w.session.policy, ["router"]))
    with pytest.raises(Refused, match="no rehearsal of this plan"):
        propose(w.session, written.path, signer("oncall"))
    assert w.store("guardian").pending() == []


def test_a_failed_or_stale_rehearsal_is_refused(w: World) -> None:
    _, path = _rehearsed(w)
    w.set_state("guardian", block=BLOCK + 51)
    with pytest.raises(Refused, match="the rehearsal is 51 blocks old"):
        propose(w.session, path, signer("oncall"))
    w.set_state("guardian", block=BLOCK)
    w.rehearser.passed = False
    _plan, path = _rehearsed(w)
    with pytest.raises(Refused, match="the last rehearsal of this plan failed"):
        propose(w.session, path, signer("oncall"))


def test_drift_and_a_spent_nonce_are_refused(w: World) -> None:
    _, path = _rehearsed(w)
    w.set_state("guardian", threshold=2)
    with pytest.raises(Refused, match="drifted from the policy: the threshold changed"):
        propose(w.session, path, signer("oncall"))
    w.set_state("guardian", threshold=1, nonce=1)
    with pytest.raises(Refused, match="the plan's nonce 0 is already used"):
        propose(w.session, path, signer("oncall"))


def test_a_rival_at_the_same_nonce_needs_replace(w: World) -> None:
    first, first_path = _rehearsed(w, "router")
    propose(w.session, first_path, signer("oncall"))
    _rival, rival_path = _rehearsed(w, "lending", nonce=0, replace=True)
    with pytest.raises(Refused, match=f"nonce 0 already has proposal {first.safe_tx_hash}"):
        propose(w.session, rival_path, signer("oncall"))
    replaced = propose(w.session, rival_path, signer("oncall"), replace=True)
    assert replaced.replaced == (first.safe_tx_hash,)


def test_a_nonce_gap_is_refused(w: World) -> None:
    first, _ = _rehearsed(w, "router")
    w.store("guardian").put(first, {}, "oncall")
    _, later = _rehearsed(w, "lending")  # nonce 1, rehearsed after nonce 0
    w.proposals.clear()  # nonce 0's proposal vanished: 1 would wait on a gap
    with pytest.raises(Refused, match="nonce gap: no pending proposal holds nonce 0"):
        propose(w.session, later, signer("oncall"))


def test_a_signer_without_the_proposer_role_is_refused(w: World) -> None:
    _, path = _rehearsed(w)
    with pytest.raises(Refused, match="ROLE"):
        propose(w.session, path, signer("bob"))
