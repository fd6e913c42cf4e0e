"""Policy evaluation: every built plan passes, and every kind of refusal is named."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import pytest
from eth_abi.abi import decode, encode

from safeops.core.actions import (
    ActionPlan,
    PolicyViolation,
    plan_pause,
    plan_revoke,
    plan_withdraw,
    plan_withdraw_all,
)
from safeops.core.decoding.decode import MULTISEND_SELECTOR, encode_multisend
from safeops.core.decoding.selectors import encode_call
from safeops.core.evaluate import Violation, evaluate
from safeops.core.policy import Policy
from safeops.core.transactions.safe_tx import SafeTx
from safeops.errors import BadInput
from tests.unit.core.actions.policies import (
    RESCUE,
    accounts,
    devnet,
    production,
    restricted,
    tx_of,
)
from tests.unit.core.policy.sample import ZERO, address

MSCO = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
WITHDRAW = "emergencyWithdraw(address,address,uint256)"
ATTACKER = address("attacker")
PAUSE = encode_call("pause()")
UNPAUSE = encode_call("unpause()")


def batch(safe: str, *items: tuple[str, bytes] | tuple[int, str, int, bytes]) -> SafeTx:
    """A MultiSendCallOnly batch; items are (to, data) calls or (operation, to, value, data)."""
    full = [item if len(item) == 4 else (0, item[0], 0, item[1]) for item in items]
    return SafeTx(safe, MSCO, data=encode_multisend(full), operation=1, nonce=7)


def codes(violations: Sequence[Violation]) -> list[tuple[str, str]]:
    return [(v.code, v.path) for v in violations]


BUILDS: dict[str, Callable[[], tuple[Policy, list[ActionPlan]]]] = {
    "devnet pause all": lambda: (devnet(), plan_pause(devnet(), [], all_targets=True)),
    "devnet unpause all": lambda: (devnet(), plan_pause(devnet(), [], True, unpause=True)),
    "devnet pause one": lambda: (devnet(), plan_pause(devnet(), ["vault"])),
    "two Safes": lambda: (restricted(), plan_pause(restricted(), ["router", "bridge"])),
    "production pause all": lambda: (production(), plan_pause(production(), [], True)),
    "production unpause": lambda: (production(), plan_pause(production(), [], True, True)),
    "revoke 1 array": lambda: (devnet(), plan_revoke(devnet(), "members", accounts(1))),
    "revoke 1000 array": lambda: (devnet(), plan_revoke(devnet(), "members", accounts(1000))),
    "revoke 1 per call": lambda: (production(), plan_revoke(production(), "kyc", accounts(1))),
    "revoke 1000 per call": lambda: (
        production(),
        plan_revoke(production(), "kyc", accounts(1000)),
    ),
    "withdraw dUSD": lambda: (devnet(), plan_withdraw(devnet(), "main", "dUSD", "5000000", "cold")),
    "withdraw ETH": lambda: (devnet(), plan_withdraw(devnet(), "main", "ETH", "0.5", "cold")),
    "withdraw WETH": lambda: (
        production(),
        plan_withdraw(production(), "treasury", "WETH", "2500.5", "recovery"),
    ),
    "withdraw fixed token": lambda: (
        restricted(),
        plan_withdraw(restricted(), "rescue", "USDC", "1", "recovery"),
    ),
    "sweep": lambda: (
        devnet(),
        plan_withdraw_all(
            devnet(), "main", "cold", {"dUSD": 10**13, "ETH": 10**21}, cap_to_limit=True
        ),
    ),
}


@pytest.mark.parametrize("name", list(BUILDS))
def test_every_built_plan_evaluates_clean(name: str) -> None:
    policy, plans = BUILDS[name]()
    proposer = "alice"  # the one signer who may propose everything in both policies
    for plan in plans:
        safe = policy.safes[plan.safe_name]
        tx = tx_of(policy, plan)
        assert evaluate(policy, plan.safe_name, tx, safe.chain_id, proposer, plan.action) == []


def test_a_bybit_shaped_delegatecall_is_refused() -> None:
    policy = production()
    guardian = policy.safes["guardian"].address
    # What Bybit's signers approved: a "transfer" that was a delegatecall to attacker code.
    data = encode_call("transfer(address,uint256)", ATTACKER, 0)
    tx = SafeTx(guardian, ATTACKER, data=data, operation=1, nonce=7)
    violations = evaluate(policy, "guardian", tx, 1)
    assert codes(violations) == [
        ("DELEGATECALL_NOT_ALLOWED", "call"),
        ("UNTRUSTED_DELEGATECALL", "call"),
    ]
    assert violations[0].message == (
        f"call: delegatecall to {ATTACKER} (not in the policy): code run by delegatecall acts as "
        f"the Safe; the only one allowed is a multiSend batch to MultiSendCallOnly {MSCO}"
    )


def test_a_full_multisend_batch_is_refused_even_with_allowed_calls() -> None:
    policy = devnet()
    guardian = policy.safes["guardian"].address
    full = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"  # the full MultiSend 1.4.1
    router = policy.targets["router"].address
    tx = replace(batch(guardian, (router, PAUSE)), to=full)
    violations = evaluate(policy, "guardian", tx, 31337)
    assert codes(violations) == [
        ("DELEGATECALL_NOT_ALLOWED", "call"),
        ("UNTRUSTED_DELEGATECALL", "call"),
    ]
    assert f"{full} (MultiSend 1.4.1)" in violations[0].message


def test_an_owner_change_hidden_in_a_batch_is_refused() -> None:
    policy = devnet()
    guardian = policy.safes["guardian"].address
    router = policy.targets["router"].address
    add_owner = encode_call("addOwnerWithThreshold(address,uint256)", ATTACKER, 1)
    violations = evaluate(
        policy, "guardian", batch(guardian, (router, PAUSE), (guardian, add_owner)), 31337
    )
    assert codes(violations) == [
        ("UNKNOWN_TARGET", "call.batch[1]"),
        ("OWNER_CHANGE", "call.batch[1]"),
        ("THRESHOLD_CHANGE", "call.batch[1]"),
    ]
    assert violations[0].message == (
        f"call.batch[1]: {guardian} (safes.guardian) is not a target, allow-list or vault of "
        "the policy"
    )


def test_a_nested_delegatecall_is_refused_even_to_multisend_call_only() -> None:
    policy = devnet()
    guardian = policy.safes["guardian"].address
    router = policy.targets["router"].address
    inner = encode_multisend([(0, router, 0, PAUSE)])
    violations = evaluate(policy, "guardian", batch(guardian, (1, MSCO, 0, inner)), 31337)
    assert codes(violations) == [("DELEGATECALL_NOT_ALLOWED", "call.batch[0]")]
    assert "inside a batch: batch items may only call" in violations[0].message


def test_a_call_to_an_address_outside_the_policy_is_refused() -> None:
    policy = production()
    admin = policy.safes["admin"].address
    usdc = policy.tokens["USDC"].address
    transfer = encode_call("transfer(address,uint256)", ATTACKER, 10**12)
    violations = evaluate(policy, "admin", SafeTx(admin, usdc, data=transfer), 1)
    assert violations == [
        Violation(
            "UNKNOWN_TARGET",
            f"call: {usdc} (tokens.USDC) is not a target, allow-list or vault of the policy",
            "call",
        )
    ]
    elsewhere = evaluate(policy, "admin", SafeTx(admin, ATTACKER, data=PAUSE), 1)
    assert elsewhere[0].message == (
        f"call: {ATTACKER} (not in the policy) is not a target, allow-list or vault of the policy"
    )


def test_a_function_no_template_produces_is_refused() -> None:
    policy = production()
    guardian, admin = policy.safes["guardian"].address, policy.safes["admin"].address
    router = policy.targets["router"].address
    set_paused = encode_call("setPaused(bool)", True)
    violations = evaluate(policy, "guardian", SafeTx(guardian, router, data=set_paused), 1)
    assert violations == [
        Violation(
            "UNKNOWN_FUNCTION",
            f"call: selector 0x{set_paused[:4].hex()} on {router} (targets.router) is none of "
            "the calls allowed there (pause pause(); unpause unpause())",
            "call",
        )
    ]
    # Right selector, wrong constant: a "revoke" that allows the account instead.
    kyc = policy.allowlists["kyc"].address
    grant = encode_call("setAllowed(address,bool)", ATTACKER, True)
    assert codes(evaluate(policy, "admin", SafeTx(admin, kyc, data=grant), 1)) == [
        ("UNKNOWN_FUNCTION", "call")
    ]
    # Right call with bytes hidden after it: refused, and pause() being a common function the
    # decoder knows, the hidden bytes are named as malformed calldata too.
    padded = SafeTx(guardian, router, data=PAUSE + bytes(32))
    assert codes(evaluate(policy, "guardian", padded, 1)) == [
        ("UNKNOWN_FUNCTION", "call"),
        ("MALFORMED_CALLDATA", "call"),
    ]


def test_an_unpause_in_a_guardian_batch_belongs_to_admin() -> None:
    policy = devnet()
    guardian = policy.safes["guardian"].address
    router = policy.targets["router"].address
    tx = batch(guardian, (router, PAUSE), (router, UNPAUSE))
    violations = evaluate(policy, "guardian", tx, 31337)
    assert violations == [
        Violation(
            "WRONG_SAFE",
            f"call.batch[1]: unpause of {router} (targets.router) belongs to Safe admin, "
            "not guardian",
            "call.batch[1]",
        )
    ]


def test_a_withdrawal_from_the_guardian_is_wrong_safe_even_where_it_may_pause() -> None:
    policy = devnet()  # the vault is a pausable target and a vault at one address
    guardian, vault = policy.safes["guardian"].address, policy.vaults["main"].address
    cold = policy.recipients["cold"].address
    data = encode_call(WITHDRAW, ZERO, cold, 1)
    assert codes(evaluate(policy, "guardian", SafeTx(guardian, vault, data=data), 31337)) == [
        ("WRONG_SAFE", "call")
    ]
    assert evaluate(policy, "guardian", SafeTx(guardian, vault, data=PAUSE), 31337) == []


def test_a_withdrawal_to_a_non_recipient_is_refused() -> None:
    policy = devnet()
    admin, vault = policy.safes["admin"].address, policy.vaults["main"].address
    token, cold = policy.tokens["dUSD"].address, policy.recipients["cold"].address
    data = encode_call(WITHDRAW, token, ATTACKER, 10**6)
    violations = evaluate(policy, "admin", SafeTx(admin, vault, data=data), 31337)
    assert violations == [
        Violation(
            "RECIPIENT_NOT_ALLOWED",
            f"call: withdraws from vaults.main to {ATTACKER} (not in the policy); "
            f"allowed recipients: cold ({cold})",
            "call",
        )
    ]


def test_a_withdrawal_of_a_token_the_vault_does_not_hold_is_refused() -> None:
    policy = restricted()
    admin, vault = policy.safes["admin"].address, policy.vaults["treasury"].address
    weth, cold = policy.tokens["WETH"].address, policy.recipients["cold"].address
    data = encode_call(WITHDRAW, weth, cold, 1)
    violations = evaluate(policy, "admin", SafeTx(admin, vault, data=data), 1)
    assert codes(violations) == [("TOKEN_NOT_ALLOWED", "call")]
    assert f"withdraws token {weth} (tokens.WETH) from vaults.treasury" in violations[0].message


def test_a_withdrawal_over_the_cap_is_refused_alone_or_in_parts() -> None:
    policy = devnet()
    admin, vault = policy.safes["admin"].address, policy.vaults["main"].address
    token, cold = policy.tokens["dUSD"].address, policy.recipients["cold"].address
    cap = 5_000_000 * 10**6
    over = SafeTx(admin, vault, data=encode_call(WITHDRAW, token, cold, cap + 1))
    assert evaluate(policy, "admin", over, 31337) == [
        Violation(
            "CAP_EXCEEDED",
            "call: withdraws 5000000.000001 dUSD, above the cap of 5000000 dUSD "
            "(tokens.dUSD.max_withdraw)",
            "call",
        )
    ]
    half = encode_call(WITHDRAW, token, cold, cap // 2 + 1)
    parts = evaluate(
        policy, "admin", batch(admin, (vault, half), (vault, half), (vault, half)), 31337
    )
    assert parts == [
        Violation(
            "CAP_EXCEEDED",
            "call.batch[1]: brings the dUSD withdrawn by this transaction to 5000000.000002 dUSD, "
            "above the cap of 5000000 dUSD (tokens.dUSD.max_withdraw)",
            "call.batch[1]",
        )
    ]


def test_a_fixed_token_vault_is_checked_against_its_one_token() -> None:
    policy = restricted()
    admin = policy.safes["admin"].address
    recovery, cold = policy.recipients["recovery"].address, policy.recipients["cold"].address
    ok = SafeTx(admin, RESCUE, data=encode_call("rescue(uint32,address)", 10**6, recovery))
    assert evaluate(policy, "admin", ok, 1) == []
    to_cold = SafeTx(admin, RESCUE, data=encode_call("rescue(uint32,address)", 1, cold))
    assert codes(evaluate(policy, "admin", to_cold, 1)) == [("RECIPIENT_NOT_ALLOWED", "call")]


def test_refund_fields_are_one_violation_naming_each() -> None:
    policy = devnet()
    (plan,) = plan_pause(policy, ["router"])
    tx = replace(
        tx_of(policy, plan), safe_tx_gas=50_000, base_gas=1, gas_price=2, refund_receiver=ATTACKER
    )
    assert evaluate(policy, "guardian", tx, 31337) == [
        Violation(
            "REFUND_FIELDS",
            "gas and refund fields must be zero: safeTxGas=50000, baseGas=1, gasPrice=2, "
            f"refundReceiver={ATTACKER}",
            "call",
        )
    ]


def test_eth_sent_with_a_call_is_refused() -> None:
    policy = devnet()
    guardian, router = policy.safes["guardian"].address, policy.targets["router"].address
    violations = evaluate(policy, "guardian", SafeTx(guardian, router, value=1, data=PAUSE), 31337)
    assert codes(violations) == [("VALUE_NOT_ALLOWED", "call")]
    assert violations[0].message.startswith(f"call: sends 1 wei to {router} (targets.router)")


def test_proposers_are_checked_for_every_action_performed() -> None:
    policy = production()
    (plan,) = plan_withdraw(policy, "treasury", "USDC", "1", "cold")
    tx = tx_of(policy, plan)
    assert evaluate(policy, "admin", tx, 1, "oncall", "withdraw") == [
        Violation("ROLE", "signer oncall may not propose withdraw (proposers: alice)", "proposer")
    ]
    alice = policy.signers["alice"].address
    assert evaluate(policy, "admin", tx, 1, alice, "withdraw") == []  # by address too
    assert evaluate(policy, "admin", tx, 1, ATTACKER) == [
        Violation("ROLE", f"proposer {ATTACKER} is not a signer of the policy", "proposer")
    ]
    # Without an action claimed, the actions found in the transaction are checked.
    assert codes(evaluate(policy, "admin", tx, 1, "oncall")) == [("ROLE", "proposer")]


def test_a_transaction_doing_more_than_its_plan_says_is_refused() -> None:
    policy = devnet()
    admin, router = policy.safes["admin"].address, policy.targets["router"].address
    vault, cold = policy.vaults["main"].address, policy.recipients["cold"].address
    tx = batch(admin, (router, UNPAUSE), (vault, encode_call(WITHDRAW, ZERO, cold, 1)))
    assert evaluate(policy, "admin", tx, 31337, None, "unpause") == [
        Violation(
            "ACTION_MISMATCH",
            "the plan says unpause, but the transaction also does withdraw",
            "action",
        )
    ]


def test_the_safe_and_the_chain_must_be_the_policy_ones() -> None:
    policy = devnet()
    (plan,) = plan_pause(policy, ["router"])
    tx = tx_of(policy, plan)
    admin = policy.safes["admin"].address
    violations = evaluate(policy, "guardian", replace(tx, safe=admin), 1)
    assert violations == [
        Violation(
            "SAFE_MISMATCH",
            f"the transaction is for Safe {admin} (safes.admin), not guardian "
            f"({policy.safes['guardian'].address})",
            "safe",
        ),
        Violation("CHAIN_MISMATCH", "chain 1 is not chain 31337 of Safe guardian", "chainId"),
    ]


def test_more_revocations_than_max_batch_are_refused() -> None:
    policy = production()
    admin, kyc = policy.safes["admin"].address, policy.allowlists["kyc"].address
    calls = [(kyc, encode_call("setAllowed(address,bool)", a, False)) for a in accounts(51)]
    assert evaluate(policy, "admin", batch(admin, *calls), 1) == [
        Violation(
            "MAX_BATCH_EXCEEDED",
            "revokes 51 accounts from allowlists.kyc, above its max_batch of 50: "
            "split it into several plans",
            "call",
        )
    ]


def test_an_empty_batch_and_a_broken_batch_are_refused() -> None:
    policy = devnet()
    guardian, router = policy.safes["guardian"].address, policy.targets["router"].address
    empty = batch(guardian)
    assert codes(evaluate(policy, "guardian", empty, 31337)) == [("NO_OPERATION", "call")]
    payload = encode_multisend([(0, router, 0, PAUSE), (0, router, 0, PAUSE)])[4:]
    (items,) = decode(["bytes"], payload)
    truncated = MULTISEND_SELECTOR + encode(["bytes"], [items[:-2]])
    tx = SafeTx(guardian, MSCO, data=truncated, operation=1)
    # The first item still decodes and is allowed; the broken rest is malformed calldata.
    assert codes(evaluate(policy, "guardian", tx, 31337)) == [("MALFORMED_CALLDATA", "call")]


def test_unknown_safe_and_action_names_are_bad_input() -> None:
    policy = devnet()
    tx = SafeTx(policy.safes["admin"].address, ATTACKER)
    with pytest.raises(BadInput, match=r"unknown Safe 'ops' \(known: guardian, admin\)"):
        evaluate(policy, "ops", tx, 31337)
    with pytest.raises(BadInput, match="unknown action 'drain'"):
        evaluate(policy, "admin", tx, 31337, action="drain")


def test_violations_raise_as_one_policy_violation() -> None:
    first = Violation("UNKNOWN_TARGET", "call: 0x… is not a target", "call")
    error = PolicyViolation([first, first, first])
    assert (error.message, error.exit_code) == (
        "UNKNOWN_TARGET: call: 0x… is not a target (and 2 more violations)",
        1,
    )
    assert error.violations == (first, first, first)
    assert first.to_json() == {"code": "UNKNOWN_TARGET", "message": first.message, "path": "call"}
    with pytest.raises(ValueError, match="at least one"):
        PolicyViolation([])
