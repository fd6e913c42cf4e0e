"""`queue` on fakes: what is pending, with conflicts and what the policy would refuse."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeops.core.actions import plan_pause
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
    assert pending(w.session).rows == []
    actions = plan_pause(w.session.policy, ["router"], unpause=True)
    (written,) = make_plans(w.session, actions)
    rehearse_plan(w.session, written.path, written.plan)
    propose(w.session, written.path, signer("alice"))
    w.store("admin").add_signature(written.plan, signer("oncall").address, STRANGER_SIGNATURE)
    (rival,) = make_plans(
        w.session, plan_pause(w.session.policy, ["lending"], unpause=True), nonce=0, replace=True
    )
    w.store("admin").put(rival.plan, {}, "alice")
    rows = pending(w.session).rows
    assert [(r.safe, r.nonce, r.conflict) for r in rows] == [("admin", 0, True)] * 2
    mine = next(r for r in rows if r.safe_tx_hash == written.plan.safe_tx_hash)
    assert (mine.confirmations, mine.threshold, mine.rehearsal) == (1, 2, "fresh")
    other = next(r for r in rows if r.safe_tx_hash == rival.plan.safe_tx_hash)
    assert other.rehearsal.startswith("not fresh: no rehearsal of this plan")
    assert not mine.refused
    assert not other.refused


def test_queue_flags_what_the_policy_would_refuse(w: World) -> None:
    """A transaction filed straight into the store (nothing checked it): a delegatecall
    into an arbitrary contract, proposed by someone the policy does not know."""
    from dataclasses import replace

    from safeops.core.transactions.safe_tx import Operation

    (written,) = make_plans(w.session, plan_pause(w.session.policy, ["router"], unpause=True))
    attacker = "0x" + "66" * 20
    hostile = replace(
        written.plan,
        tx=replace(written.plan.tx, to=attacker, operation=Operation.DELEGATECALL),
    )
    w.store("admin").put(hostile, {}, "mallory")
    (row,) = pending(w.session).rows
    assert row.refused
    codes = [reason.split(":", 1)[0] for reason in row.refusals]
    assert "DELEGATECALL_NOT_ALLOWED" in codes
    assert "ROLE" in codes  # mallory is no proposer of the policy
    assert row.to_json()["refused"] is True


def test_queue_lists_the_other_chains_when_one_is_unreachable(tmp_path: Path) -> None:
    from tests.unit.workflows.fakes import multichain_policy

    w = world(tmp_path, multichain_policy())
    w.chain("admin_2").down = True
    actions = plan_pause(w.session.policy, ["router_3"], unpause=True)
    (written,) = make_plans(w.session, actions)
    w.store("admin_3").put(written.plan, {}, "alice")
    found = pending(w.session)
    assert [(r.safe, r.chain_id) for r in found.rows] == [("admin_3", 31339)]
    assert [(u.safe.name, u.error.exit_code) for u in found.unreachable] == [("admin_2", 3)]
