"""`review` on fakes: what makes a review fail, and which simulations run."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeops.core.actions import plan_pause
from safeops.core.plan import Plan
from safeops.errors import Refused
from safeops.workflows.plan import make_plans
from safeops.workflows.review import review
from safeops.workflows.subjects import Subject
from tests.unit.workflows.fakes import World, world

ONE_GUARD = "0x000000000000000000000000000000000000dEaD"


@pytest.fixture
def w(tmp_path: Path) -> World:
    return world(tmp_path)


def _plan(w: World) -> Plan:
    (written,) = make_plans(w.session, plan_pause(w.session.policy, ["router", "lending"]))
    return written.plan


def test_a_clean_plan_passes_with_one_simulation(w: World) -> None:
    plan = _plan(w)
    result = review(w.session, Subject("plan", w.session.safe("guardian"), plan.tx, plan))
    assert result.ok
    assert result.to_json()["safe_tx_hash"] == plan.safe_tx_hash.hex0x
    assert w.chain("guardian").simulated == [(plan.safe_tx_hash, False)]


def test_a_guard_is_simulated_too(w: World) -> None:
    plan = _plan(w)
    w.set_state("guardian", guard=ONE_GUARD)
    result = review(w.session, Subject("plan", w.session.safe("guardian"), plan.tx, plan))
    assert w.chain("guardian").simulated == [(plan.safe_tx_hash, False), (plan.safe_tx_hash, True)]
    assert not result.ok  # a guard the policy does not expect is drift
    assert "drift(s) from the policy" in result.verdict()


@pytest.mark.parametrize(
    ("change", "verdict"),
    [
        ({"threshold": 2}, "1 drift(s) from the policy"),
        ({"nonce": 5}, "nonce 0 is already spent (the Safe is at 5)"),
    ],
)
def test_drift_and_a_spent_nonce_fail(w: World, change: dict[str, object], verdict: str) -> None:
    plan = _plan(w)
    w.set_state("guardian", **change)
    result = review(w.session, Subject("plan", w.session.safe("guardian"), plan.tx, plan))
    assert not result.ok
    assert verdict in result.verdict()


def test_a_failing_simulation_fails_with_its_reason(w: World) -> None:
    plan = _plan(w)
    w.chain("guardian").simulation_ok = False
    result = review(w.session, Subject("plan", w.session.safe("guardian"), plan.tx, plan))
    assert not result.ok
    assert result.verdict() == "review failed: simulation failed: Pausable: paused"


def test_no_contract_means_no_simulation(w: World) -> None:
    plan = _plan(w)
    w.chain("guardian").current = None
    result = review(w.session, Subject("plan", w.session.safe("guardian"), plan.tx, plan))
    assert not result.ok
    assert "no simulation" in result.verdict()
    assert w.chain("guardian").simulated == []


def test_a_transaction_outside_the_policy_is_a_violation(w: World) -> None:
    plan = _plan(w)
    admin = w.session.safe("admin")  # the guardian may not unpause through the admin Safe
    result = review(w.session, Subject("service", admin, plan.tx, None))
    assert not result.ok
    assert result.violations


def test_a_target_without_code_is_refused_by_name(w: World) -> None:
    plan = _plan(w)
    router = w.session.policy.targets["router"].address
    w.chain("guardian").no_code.add(router)
    with pytest.raises(Refused, match=f"no contract at {router} \\(target router\\)"):
        review(w.session, Subject("plan", w.session.safe("guardian"), plan.tx, plan))
