"""Proposals are rebuilt from their recorded intent and compared field by field."""

from __future__ import annotations

from dataclasses import replace

import pytest

from safeops.core.actions import plan_pause, plan_revoke, plan_withdraw
from safeops.core.actions.withdraw import plan_withdraw_all
from safeops.core.plan import Plan
from safeops.core.rebuild import rebuild_tx, verify_against_rebuild
from safeops.core.transactions.safe_tx import SafeVersion
from safeops.errors import Refused
from tests.unit.core.actions.policies import accounts, devnet

POLICY = devnet()
V141 = SafeVersion.parse("1.4.1")


def _plans() -> list[Plan]:
    action_plans = [
        *plan_pause(POLICY, [], all_targets=True),
        *plan_pause(POLICY, ["router"], unpause=True),
        *plan_revoke(POLICY, "members", accounts(3)),
        *plan_withdraw(POLICY, "main", "dUSD", "12.5", "cold"),
        *plan_withdraw_all(POLICY, "main", "cold", {"dUSD": 10**6, "ETH": 10**18}),
    ]
    return [a.to_plan(POLICY, nonce=4, version=V141, created_at="now") for a in action_plans]


@pytest.mark.parametrize("plan", _plans(), ids=lambda p: p.action)
def test_every_action_rebuilds_to_the_same_transaction(plan: Plan) -> None:
    assert rebuild_tx(POLICY, plan) == plan.tx
    verify_against_rebuild(POLICY, plan, plan.tx)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"data": b"\x3f\x4b\xa8\x3a"}, "data"),
        ({"value": 1}, "value"),
        ({"operation": 0}, "operation"),
        ({"nonce": 5}, "nonce"),
        ({"gas_price": 1}, "gasPrice"),
        ({"refund_receiver": "0x976EA74026E726554dB657fA54763abd0C3a0aa9"}, "refundReceiver"),
    ],
)
def test_a_changed_stored_field_is_named(change: dict[str, object], field: str) -> None:
    plan = _plans()[0]
    with pytest.raises(Refused, match=f"differs from its local rebuild in {field}$"):
        verify_against_rebuild(POLICY, plan, replace(plan.tx, **change))  # type: ignore[arg-type]


def test_swapped_or_emptied_postconditions_are_refused() -> None:
    plan = _plans()[0]
    with pytest.raises(Refused, match="postconditions differ"):
        verify_against_rebuild(POLICY, replace(plan, postconditions=()), plan.tx)
    moved = tuple(replace(p, target=plan.tx.safe) for p in plan.postconditions)
    with pytest.raises(Refused, match="postconditions differ"):
        verify_against_rebuild(POLICY, replace(plan, postconditions=moved), plan.tx)


def test_a_sweep_that_skipped_an_empty_token_rebuilds() -> None:
    (action,) = plan_withdraw_all(POLICY, "main", "cold", {"dUSD": 10**6, "ETH": 0})
    plan = action.to_plan(POLICY, nonce=1, version=V141, created_at="now")
    verify_against_rebuild(POLICY, plan, plan.tx)


def test_a_hand_made_plan_without_arguments_is_refused_clearly() -> None:
    plan = _plans()[0]
    with pytest.raises(Refused, match="recorded arguments do not rebuild a pause"):
        verify_against_rebuild(POLICY, replace(plan, arguments={}), plan.tx)
