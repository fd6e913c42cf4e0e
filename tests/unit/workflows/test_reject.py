"""`reject` on fakes: the Safe's standard rejection of a queued transaction, and its refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeops.core.actions import is_rejection, plan_pause
from safeops.core.evaluate import evaluate
from safeops.errors import BadInput, Refused
from safeops.workflows.plan import make_plans
from safeops.workflows.proposals import find_proposal
from safeops.workflows.reject import reject
from tests.unit.workflows.fakes import World, signer, world


@pytest.fixture
def w(tmp_path: Path) -> World:
    return world(tmp_path)


def queued(w: World) -> str:
    """A proposal of the admin Safe at nonce 0, filed by someone (hostile or not)."""
    (written,) = make_plans(w.session, plan_pause(w.session.policy, ["router"], unpause=True))
    w.store("admin").put(written.plan, {}, "alice")
    return written.plan.safe_tx_hash.hex0x


def test_reject_proposes_a_call_to_the_safe_itself_at_the_queued_nonce(w: World) -> None:
    from safeops.core.transactions.safe_tx import SafeTxHash

    hostile = SafeTxHash.parse(queued(w))
    result = reject(w.session, signer("alice"), safe_tx_hash=hostile)
    plan = result.written.plan
    admin = w.session.safe("admin")
    assert (plan.action, plan.tx.nonce, plan.tx.to, plan.tx.data, plan.tx.value) == (
        "reject",
        0,
        admin.address,
        b"",
        0,
    )
    assert is_rejection(plan.tx, admin)
    assert evaluate(w.session.policy, "admin", plan.tx, admin.chain_id, action="reject") == []
    assert result.rejected == (hostile,)
    assert (result.rehearsal.passed, result.proposed.confirmations) == (True, 1)
    assert [p.description for p in plan.postconditions] == ["admin.nonce() == 1 (nonce 0 used up)"]
    assert result.executed is None  # 1 of 2: bob signs, an executor sends it
    # What was proposed is found, rebuilt from its intent and checked like any proposal.
    assert find_proposal(w.session, plan.safe_tx_hash).plan.action == "reject"


def test_a_rejection_the_signer_alone_can_complete_is_executed(w: World) -> None:
    (written,) = make_plans(w.session, plan_pause(w.session.policy, ["router"]))
    w.store("guardian").put(written.plan, {}, "oncall")
    result = reject(w.session, signer("oncall"), nonce=0, safe_name="guardian")
    assert result.executed is not None
    assert result.executed.proven
    assert w.chain("guardian").sent == [result.written.plan.safe_tx_hash]


def test_reject_by_nonce_needs_the_safe_when_the_policy_has_several(w: World) -> None:
    with pytest.raises(BadInput, match="--nonce needs --safe"):
        reject(w.session, signer("alice"), nonce=0)


def test_a_nonce_already_used_cannot_be_rejected(w: World) -> None:
    w.set_state("admin", nonce=3)
    with pytest.raises(BadInput, match="already used on chain"):
        reject(w.session, signer("alice"), nonce=2, safe_name="admin")


def test_a_rejection_that_does_not_hold_in_rehearsal_is_not_proposed(w: World) -> None:
    queued(w)
    w.rehearser.passed = False
    with pytest.raises(Refused, match="rehearsal failed"):
        reject(w.session, signer("alice"), nonce=0, safe_name="admin")
    assert [p.plan.action for p in w.store("admin").pending()] == ["unpause"]  # type: ignore[union-attr]


def test_a_rejection_must_use_up_its_own_nonce() -> None:
    """A rejection's intent names the nonce its proof watches: a plan moved to another
    nonce does not rebuild."""
    from dataclasses import replace

    from safeops.core.actions import plan_reject
    from safeops.core.rebuild import verify_against_rebuild
    from safeops.core.transactions.safe_tx import SafeVersion
    from tests.unit.workflows.fakes import policy

    action = plan_reject(policy(), "admin", 4)
    plan = action.to_plan(policy(), nonce=4, version=SafeVersion.parse("1.4.1"), created_at="x")
    verify_against_rebuild(policy(), plan, plan.tx)
    moved = replace(plan, tx=plan.tx.with_nonce(5))
    with pytest.raises(Refused, match="rejects nonce 4 at nonce 5"):
        verify_against_rebuild(policy(), moved, moved.tx)
