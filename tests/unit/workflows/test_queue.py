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
