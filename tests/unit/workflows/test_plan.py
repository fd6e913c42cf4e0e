"""`plan` on fakes: nonces after the queue, refusals, nothing written on a violation."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from safeops.core.actions import plan_pause
from safeops.errors import BadInput, Refused
from safeops.workflows.plan import make_plans
from safeops.workflows.plan_files import read_plan
from tests.unit.workflows.fakes import World, world


@pytest.fixture
def w(tmp_path: Path) -> World:
    return world(tmp_path)


def _pause(w: World, *targets: str) -> list:  # type: ignore[type-arg]
    return plan_pause(w.session.policy, list(targets))


def test_a_plan_is_written_at_the_safes_nonce(w: World) -> None:
    (written,) = make_plans(w.session, _pause(w, "router"))
    assert written.onchain_nonce == 0
    assert written.plan.tx.nonce == 0
    assert written.path == w.session.plan_dir / f"31337-{written.plan.safe_tx_hash}.json"
    assert read_plan(written.path) == written.plan
    assert written.to_json()["safe_tx_hash"] == written.plan.safe_tx_hash.hex0x


def test_the_next_plan_takes_the_next_free_nonce(w: World) -> None:
    w.set_state("guardian", nonce=4)
    (first,) = make_plans(w.session, _pause(w, "router"))
    w.store("guardian").put(first.plan, {}, "oncall")
    (second,) = make_plans(w.session, _pause(w, "lending"))
    assert (first.plan.tx.nonce, second.plan.tx.nonce) == (4, 5)


def test_spent_gapped_and_taken_nonces_are_refused(w: World) -> None:
    (first,) = make_plans(w.session, _pause(w, "router"))
    w.store("guardian").put(first.plan, {}, "oncall")
    with pytest.raises(Refused, match="nonce 0 is taken by pending proposal"):
        make_plans(w.session, _pause(w, "lending"), nonce=0)
    with pytest.raises(BadInput, match="would leave a gap: the next free nonce is 1"):
        make_plans(w.session, _pause(w, "lending"), nonce=2)
    (replacing,) = make_plans(w.session, _pause(w, "lending"), nonce=0, replace=True)
    assert replacing.plan.tx.nonce == 0
    w.set_state("guardian", nonce=3)
    with pytest.raises(BadInput, match="nonce 1 is already used on chain"):
        make_plans(w.session, _pause(w, "lending"), nonce=1)


def test_no_contract_at_the_safe_is_refused_and_nothing_is_written(w: World) -> None:
    w.chain("guardian").current = None
    with pytest.raises(Refused, match=r"there is no contract at Safe guardian"):
        make_plans(w.session, _pause(w, "router"))
    assert not w.session.plan_dir.exists()


def test_a_plan_the_policy_refuses_is_not_written(w: World) -> None:
    (action,) = _pause(w, "router")
    hostile = replace(
        action, calls=(replace(action.calls[0], to=w.session.policy.safes["admin"].address),)
    )
    with pytest.raises(Refused, match=r"UNKNOWN_TARGET|WRONG_SAFE|SAFE"):
        make_plans(w.session, [hostile])
    assert not w.session.plan_dir.exists()
