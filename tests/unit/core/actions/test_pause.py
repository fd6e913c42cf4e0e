"""Pause and unpause plans: targets to calls, one plan per Safe, checks as postconditions."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode

from safeops.core.actions import plan_pause
from safeops.core.decoding.selectors import encode_call
from safeops.core.plan import Postcondition
from safeops.errors import BadInput
from tests.unit.core.actions.policies import V141, devnet, production, restricted, tx_of

MULTISEND_CALL_ONLY_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"

PAUSE = encode_call("pause()")
UNPAUSE = encode_call("unpause()")


def test_pause_all_on_the_devnet_is_one_guardian_batch_in_policy_order() -> None:
    policy = devnet()
    (plan,) = plan_pause(policy, [], all_targets=True)
    router, lending, vault = (policy.targets[n].address for n in ("router", "lending", "vault"))
    assert (plan.action, plan.safe_name, plan.part, plan.notes) == ("pause", "guardian", (1, 1), ())
    assert plan.arguments == {"targets": ["router", "lending", "vault"], "all": True}
    assert [(c.to, c.data, c.value) for c in plan.calls] == [
        (router, PAUSE, 0),
        (lending, PAUSE, 0),
        (vault, PAUSE, 0),
    ]
    assert plan.calls[0].description == f"pause router ({router}): pause()"
    assert plan.postconditions[0] == Postcondition(
        "router.paused() == true", router, "paused()(bool)", (), True
    )
    assert [p.target for p in plan.postconditions] == [router, lending, vault]
    tx = tx_of(policy, plan)
    assert (tx.safe, tx.to, tx.operation) == (
        policy.safes["guardian"].address,
        MULTISEND_CALL_ONLY_141,
        1,
    )


def test_unpause_goes_to_the_admin_safe_and_expects_unpaused() -> None:
    policy = devnet()
    (plan,) = plan_pause(policy, ["router"], unpause=True)
    router = policy.targets["router"].address
    assert (plan.action, plan.safe_name) == ("unpause", "admin")
    assert [(c.to, c.data) for c in plan.calls] == [(router, UNPAUSE)]
    assert plan.postconditions == (
        Postcondition("router.paused() == false", router, "paused()(bool)", (), False),
    )
    tx = tx_of(policy, plan)
    # One call goes direct, not through a batch.
    assert (tx.safe, tx.to, tx.data, tx.operation) == (
        policy.safes["admin"].address,
        router,
        UNPAUSE,
        0,
    )


def test_the_order_given_does_not_change_the_transaction() -> None:
    policy = devnet()
    first = plan_pause(policy, ["vault", "router"])
    second = plan_pause(policy, ["router", "vault"])
    assert first == second
    assert first[0].arguments["targets"] == ["router", "vault"]


def test_a_target_named_twice_is_paused_once_with_a_note() -> None:
    (plan,) = plan_pause(devnet(), ["router", "lending", "router", "router"])
    assert len(plan.calls) == 2
    assert plan.notes == ("named more than once, acted on once: router",)


def test_targets_of_two_safes_give_one_plan_per_safe_in_policy_order() -> None:
    policy = restricted()  # bridge pauses through admin there, router through guardian
    plans = plan_pause(policy, ["bridge", "lending", "router"])
    assert [(p.safe_name, p.part) for p in plans] == [("guardian", (1, 2)), ("admin", (2, 2))]
    guardian, admin = plans
    assert guardian.arguments["targets"] == ["router", "lending"]
    assert admin.arguments["targets"] == ["bridge"]
    assert (
        guardian.notes
        == admin.notes
        == ("2 plans, one per Safe that may pause (guardian: router, lending; admin: bridge)",)
    )
    assert admin.postconditions == (
        Postcondition(
            "bridge.isPaused() == true",
            policy.targets["bridge"].address,
            "isPaused()(bool)",
            (),
            True,
        ),
    )


def test_a_pause_with_a_constant_argument_renders_it() -> None:
    policy = production()
    (plan,) = plan_pause(policy, ["lending"])
    lending = policy.targets["lending"].address
    (call,) = plan.calls
    assert call.data == encode_call("setPaused(bool)", True)
    assert call.data[4:] == encode(["bool"], [True])
    assert call.description == f"pause lending ({lending}): setPaused(true)"
    (unplan,) = plan_pause(policy, ["lending"], unpause=True)
    assert unplan.calls[0].data == encode_call("setPaused(bool)", False)


def test_unpause_all_skips_targets_without_unpause() -> None:
    (plan,) = plan_pause(production(), [], all_targets=True, unpause=True)
    assert plan.arguments["targets"] == ["router", "lending"]  # bridge has no unpause


@pytest.mark.parametrize(
    ("names", "all_targets", "unpause", "message"),
    [
        (["nope"], False, False, "unknown target 'nope' (known: router, lending, bridge)"),
        (["router", "nope"], False, False, "unknown target 'nope'"),
        (["bridge"], False, True, "target 'bridge' has no unpause in the policy"),
        (["router"], True, False, "name targets or use --all, not both (got router)"),
        ([], False, False, "name the targets to pause, or use --all"),
    ],
)
def test_bad_requests_are_bad_input(
    names: list[str], all_targets: bool, unpause: bool, message: str
) -> None:
    with pytest.raises(BadInput) as caught:
        plan_pause(production(), names, all_targets, unpause)
    assert caught.value.message.startswith(message)
    assert caught.value.exit_code == 2


def test_an_action_plan_becomes_a_plan_document() -> None:
    policy = devnet()
    (action,) = plan_pause(policy, [], all_targets=True)
    plan = action.to_plan(policy, nonce=4, version=V141, created_at="2025-01-01T00:00:00Z")
    document = plan.to_json()
    assert document["action"] == {"kind": "pause", "arguments": action.arguments}
    assert (document["nonce"], document["chainId"], document["safeName"]) == (4, 31337, "guardian")
    assert document["policyDigest"] == policy.digest
    assert [c["description"] for c in document["calls"]] == [c.description for c in action.calls]
    assert document["postconditions"][0]["expected"] is True
    assert document["warnings"] == []
