"""One read of each Safe per run, except execute's deliberate fresh one; several plans per
rehearse and review, in nonce order, on one fork per Safe."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from safeops.core.actions import plan_pause, plan_revoke
from safeops.errors import BadInput, Refused
from safeops.workflows.execute import execute
from safeops.workflows.plan import WrittenPlan, make_plans
from safeops.workflows.plan_files import record_path
from safeops.workflows.propose import propose
from safeops.workflows.rehearse import rehearse_plan, rehearse_plans
from safeops.workflows.review import review_all
from safeops.workflows.subjects import Subject
from tests.unit.core.policy.sample import address
from tests.unit.workflows.fakes import BLOCK, World, policy, signer, world


@pytest.fixture
def w(tmp_path: Path) -> World:
    return world(tmp_path)


def _proposed_pause(w: World) -> WrittenPlan:
    (written,) = make_plans(w.session, plan_pause(w.session.policy, ["router"]))
    rehearse_plan(w.session, written.path, written.plan)
    propose(w.session, written.path, signer("oncall"))
    return written


def test_execute_reads_the_safe_again_at_a_fresh_block(w: World) -> None:
    written = _proposed_pause(w)
    chain = w.chain("guardian")
    done = execute(w.session, written.plan.safe_tx_hash, signer("oncall"), "oncall")
    assert done.success
    assert chain.fresh_reads == 1  # the one deliberate re-read of the run


def test_execute_refuses_when_the_nonce_moved_since_the_run_pinned_its_block(w: World) -> None:
    """Plan, review, rehearse and propose saw nonce 0 at the run's block; by the time execute
    acts, another transaction has used it. Only the fresh read can see that."""
    written = _proposed_pause(w)
    chain = w.chain("guardian")
    assert chain.current is not None
    chain.pinned = chain.current  # what the run read at its block
    chain.current = replace(chain.current, nonce=1, block=BLOCK + 3)  # the chain now
    with pytest.raises(Refused, match="the Safe is at nonce 1, this transaction has 0"):
        execute(w.session, written.plan.safe_tx_hash, signer("oncall"), "oncall")
    assert chain.sent == []


def test_the_rehearsal_forks_at_the_runs_block_and_prefetches(w: World) -> None:
    (written,) = make_plans(w.session, plan_pause(w.session.policy, ["router"]))
    rehearse_plan(w.session, written.path, written.plan)
    ((block, pinned, prefetch),) = w.rehearser.forks
    assert (block, pinned) == (BLOCK, True)
    assert prefetch == {written.plan.tx.safe.lower(): frozenset({5})}


def test_a_fork_url_or_block_given_is_not_the_runs_pin(w: World) -> None:
    (written,) = make_plans(w.session, plan_pause(w.session.policy, ["router"]))
    rehearse_plan(w.session, written.path, written.plan, fork_block=BLOCK - 5)
    rehearse_plan(w.session, written.path, written.plan, fork_url="http://elsewhere.invalid")
    assert [(block, pinned) for block, pinned, _ in w.rehearser.forks] == [
        (BLOCK - 5, False),
        (None, False),
    ]
    assert w.rehearser.forks[1][2] is None  # no block known to prefetch at


def _revoke_plans(tmp_path: Path) -> tuple[World, list[WrittenPlan]]:
    """Three revoke plans of one member each, at nonces 0, 1 and 2 of the admin Safe."""
    w = world(tmp_path, policy(max_batch=1))
    members = [address(f"member {index}") for index in range(3)]
    written = make_plans(w.session, plan_revoke(w.session.policy, "members", members))
    assert [p.plan.tx.nonce for p in written] == [0, 1, 2]
    return w, written


def test_several_plans_run_in_nonce_order_on_one_fork_each_recorded(tmp_path: Path) -> None:
    w, (first, second, third) = _revoke_plans(tmp_path)
    given = [(p.path, p.plan) for p in (third, first, second)]

    results = rehearse_plans(w.session, given)

    assert [r.plan.safe_tx_hash for r in results] == [
        p.plan.safe_tx_hash for p in (first, second, third)
    ]
    assert all(r.passed for r in results)
    assert len(w.rehearser.forks) == 1
    hashes = [p.plan.safe_tx_hash.hex0x for p in (first, second, third)]
    for index, plan in enumerate((first, second, third)):
        record = json.loads(record_path(plan.path).read_text())
        assert record["stacked"] == hashes[:index]


def test_the_same_plan_twice_is_bad_input(tmp_path: Path) -> None:
    w, (first, *_) = _revoke_plans(tmp_path)
    with pytest.raises(BadInput, match="the same plan is given twice"):
        rehearse_plans(w.session, [(first.path, first.plan), (first.path, first.plan)])


def test_review_all_reviews_in_nonce_order(tmp_path: Path) -> None:
    w, (first, second, third) = _revoke_plans(tmp_path)
    subjects = [
        Subject("plan", w.session.safe("admin"), p.plan.tx, p.plan) for p in (second, third, first)
    ]
    reviews = review_all(w.session, subjects)
    assert [r.subject.tx.nonce for r in reviews] == [0, 1, 2]
    assert all(r.ok for r in reviews)
