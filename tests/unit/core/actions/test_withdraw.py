"""Withdraw plans: recipients and tokens from the policy only, exact amounts within caps."""

from __future__ import annotations

import pytest

from safeops.core.actions import (
    ETH_BALANCE,
    PolicyViolation,
    balance_delta,
    is_balance_change,
    plan_withdraw,
    plan_withdraw_all,
)
from safeops.core.decoding.selectors import encode_call
from safeops.core.plan import Postcondition
from safeops.errors import BadInput, Refused
from tests.unit.core.actions.policies import RESCUE, devnet, production, restricted
from tests.unit.core.policy.sample import ZERO

WITHDRAW = "emergencyWithdraw(address,address,uint256)"


def test_an_erc20_withdrawal_within_the_cap() -> None:
    policy = devnet()
    vault, token = policy.vaults["main"].address, policy.tokens["dUSD"].address
    cold = policy.recipients["cold"].address
    (plan,) = plan_withdraw(policy, "main", "dUSD", "12.5", "cold")
    assert (plan.action, plan.safe_name, plan.part, plan.notes) == ("withdraw", "admin", (1, 1), ())
    assert plan.arguments == {
        "vault": "main",
        "token": "dUSD",
        "amount": "12.5",
        "units": "12500000",
        "recipient": "cold",
    }
    (call,) = plan.calls
    assert (call.to, call.value, call.data) == (
        vault,
        0,
        encode_call(WITHDRAW, token, cold, 12_500_000),
    )
    assert call.description == f"withdraw 12.5 dUSD from main ({vault}) to cold ({cold})"
    assert plan.postconditions == (
        Postcondition(
            "dUSD balance of recipients.cold +12.5 dUSD (+12500000 base units)",
            token,
            "balanceOf(address)(uint256)",
            (cold,),
            {"delta": "+12500000"},
        ),
        Postcondition(
            "dUSD balance of vaults.main -12.5 dUSD (-12500000 base units)",
            token,
            "balanceOf(address)(uint256)",
            (vault,),
            {"delta": "-12500000"},
        ),
    )
    assert [balance_delta(p) for p in plan.postconditions] == [12_500_000, -12_500_000]


def test_an_eth_withdrawal_checks_native_balances() -> None:
    policy = devnet()
    vault, cold = policy.vaults["main"].address, policy.recipients["cold"].address
    (plan,) = plan_withdraw(policy, "main", "ETH", "1.5", "cold")
    assert plan.calls[0].data == encode_call(WITHDRAW, ZERO, cold, 15 * 10**17)
    assert [(p.target, p.call, p.args, p.expected) for p in plan.postconditions] == [
        (cold, ETH_BALANCE, (), {"delta": "+1500000000000000000"}),
        (vault, ETH_BALANCE, (), {"delta": "-1500000000000000000"}),
    ]
    assert all(is_balance_change(p) for p in plan.postconditions)


def test_exactly_the_cap_passes_and_one_unit_more_is_refused() -> None:
    policy = production()
    (plan,) = plan_withdraw(policy, "treasury", "WETH", "2500.5", "recovery")
    assert plan.arguments["units"] == str(25005 * 10**17)
    with pytest.raises(PolicyViolation) as caught:
        plan_withdraw(policy, "treasury", "WETH", "2500.500000000000000001", "cold")
    (violation,) = caught.value.violations
    assert (violation.code, violation.path) == ("CAP_EXCEEDED", "amount")
    assert violation.message == (
        "2500.500000000000000001 WETH exceeds the cap of 2500.5 WETH per withdrawal "
        "(tokens.WETH.max_withdraw)"
    )
    assert caught.value.exit_code == 1
    assert str(caught.value) == f"CAP_EXCEEDED: {violation.message}"


def test_a_recipient_the_vault_does_not_allow_is_a_violation() -> None:
    with pytest.raises(PolicyViolation) as caught:
        plan_withdraw(restricted(), "treasury", "USDC", "1", "recovery")
    (violation,) = caught.value.violations
    assert (violation.code, violation.path) == ("RECIPIENT_NOT_ALLOWED", "recipient")
    assert violation.message == "vault treasury may not send to 'recovery' (allowed: cold)"


def test_an_address_instead_of_a_recipient_name_is_refused() -> None:
    policy = devnet()
    cold = policy.recipients["cold"].address
    with pytest.raises(PolicyViolation) as caught:
        plan_withdraw(policy, "main", "dUSD", "1", cold)
    assert caught.value.violations[0].code == "RECIPIENT_NOT_ALLOWED"
    assert caught.value.hint == "That is recipient 'cold': give its name."
    stranger = "0x" + "12" * 20
    with pytest.raises(PolicyViolation, match=f"{stranger} is not one"):
        plan_withdraw(policy, "main", "dUSD", "1", stranger)


def test_a_look_alike_of_a_recipient_is_named_as_such() -> None:
    policy = devnet()
    cold = policy.recipients["cold"].address
    poisoned = cold[:6] + "1" * 32 + cold[-4:]
    with pytest.raises(PolicyViolation) as caught:
        plan_withdraw(policy, "main", "dUSD", "1", poisoned)
    assert caught.value.violations[0].code == "RECIPIENT_NOT_ALLOWED"
    assert caught.value.hint.startswith(f"It looks like recipient 'cold' {cold} but is another")


def test_a_token_the_vault_does_not_hold_is_a_violation() -> None:
    with pytest.raises(PolicyViolation) as caught:
        plan_withdraw(restricted(), "treasury", "WETH", "1", "cold")
    (violation,) = caught.value.violations
    assert (violation.code, violation.message) == (
        "TOKEN_NOT_ALLOWED",
        "vault treasury may not withdraw WETH (allowed: USDC)",
    )


@pytest.mark.parametrize(
    ("vault", "token", "amount", "recipient", "message"),
    [
        ("safe", "dUSD", "1", "cold", "unknown vault 'safe' (known: main)"),
        ("main", "USDT", "1", "cold", "unknown token 'USDT' (known: dUSD, ETH)"),
        ("main", "dUSD", "1", "hot", "unknown recipient 'hot' (known: cold)"),
        ("main", "dUSD", "1.0000001", "cold", "amount '1.0000001' has 7 fractional digits"),
        ("main", "dUSD", "0", "cold", "amount '0' is zero"),
        ("main", "dUSD", "0.000", "cold", "amount '0.000' is zero"),
        ("main", "dUSD", "-1", "cold", "amount '-1' must not be negative (dUSD)"),
        ("main", "dUSD", "1e3", "cold", "amount '1e3' is not a decimal number"),
        ("main", "dUSD", "", "cold", "amount '' is not a decimal number"),
    ],
)  # fmt: skip
def test_bad_names_and_amounts_are_bad_input(
    vault: str, token: str, amount: str, recipient: str, message: str
) -> None:
    with pytest.raises(BadInput) as caught:
        plan_withdraw(devnet(), vault, token, amount, recipient)
    assert caught.value.message.startswith(message)
    assert caught.value.exit_code == 2


def test_an_amount_above_the_balance_read_is_refused() -> None:
    policy = devnet()
    with pytest.raises(Refused, match=r"^vault main holds 2\.5 dUSD, less than 3$"):
        plan_withdraw(policy, "main", "dUSD", "3", "cold", balances={"dUSD": 2_500_000})
    (plan,) = plan_withdraw(policy, "main", "dUSD", "2.5", "cold", balances={"dUSD": 2_500_000})
    assert plan.arguments["units"] == "2500000"


def test_a_vault_without_token_placeholder_withdraws_its_one_token() -> None:
    policy = restricted()
    recovery = policy.recipients["recovery"].address
    (plan,) = plan_withdraw(policy, "rescue", "USDC", "7", "recovery")
    assert plan.calls[0].to == RESCUE
    assert plan.calls[0].data == encode_call("rescue(uint32,address)", 7_000_000, recovery)
    with pytest.raises(BadInput, match="does not fit the vault's amount type"):
        plan_withdraw(policy, "rescue", "USDC", "4295", "recovery")  # > 2**32 units


def test_a_sweep_withdraws_every_token_with_a_balance() -> None:
    policy = devnet()
    cold = policy.recipients["cold"].address
    token = policy.tokens["dUSD"].address
    balances = {"dUSD": 2_500_000 * 10**6, "ETH": 25 * 10**18}
    (plan,) = plan_withdraw_all(policy, "main", "cold", balances)
    assert [c.data for c in plan.calls] == [
        encode_call(WITHDRAW, token, cold, 2_500_000 * 10**6),
        encode_call(WITHDRAW, ZERO, cold, 25 * 10**18),
    ]
    assert plan.arguments == {
        "vault": "main",
        "all_tokens": True,
        "tokens": [
            {"token": "dUSD", "amount": "2500000", "units": "2500000000000"},
            {"token": "ETH", "amount": "25", "units": "25000000000000000000"},
        ],
        "recipient": "cold",
    }
    assert [balance_delta(p) for p in plan.postconditions] == [
        2_500_000 * 10**6,
        -2_500_000 * 10**6,
        25 * 10**18,
        -25 * 10**18,
    ]
    assert plan.notes == ()


def test_a_sweep_skips_empty_balances_and_refuses_when_all_are_empty() -> None:
    policy = devnet()
    (plan,) = plan_withdraw_all(policy, "main", "cold", {"dUSD": 0, "ETH": 10**18})
    assert len(plan.calls) == 1
    assert plan.notes == ("nothing to withdraw of dUSD",)
    with pytest.raises(Refused, match="nothing to withdraw: vault main holds none of its tokens"):
        plan_withdraw_all(policy, "main", "cold", {"dUSD": 0, "ETH": 0})


def test_a_sweep_above_a_cap_is_refused_unless_capped_to_the_limit() -> None:
    policy = devnet()
    balances = {"dUSD": 7_000_000 * 10**6, "ETH": 101 * 10**18}
    with pytest.raises(PolicyViolation) as caught:
        plan_withdraw_all(policy, "main", "cold", balances)
    assert [(v.code, v.path) for v in caught.value.violations] == [
        ("CAP_EXCEEDED", "balances.dUSD"),
        ("CAP_EXCEEDED", "balances.ETH"),
    ]
    assert caught.value.violations[1].message == (
        "101 ETH exceeds the cap of 100 ETH per withdrawal (tokens.ETH.max_withdraw)"
    )
    (plan,) = plan_withdraw_all(policy, "main", "cold", balances, cap_to_limit=True)
    assert plan.arguments["tokens"] == [
        {"token": "dUSD", "amount": "5000000", "units": "5000000000000"},
        {"token": "ETH", "amount": "100", "units": "100000000000000000000"},
    ]
    assert plan.notes == (
        "dUSD capped at 5000000 dUSD: 2000000 dUSD stays in the vault",
        "ETH capped at 100 ETH: 1 ETH stays in the vault",
    )


@pytest.mark.parametrize(
    ("balances", "message"),
    [
        ({"dUSD": 1}, r"missing \['ETH'\]"),
        ({"dUSD": 1, "ETH": 1, "WBTC": 1}, r"unknown \['WBTC'\]"),
        ({"dUSD": -1, "ETH": 1}, "balance of dUSD must be a non-negative integer, got -1"),
        ({"dUSD": True, "ETH": 1}, "balance of dUSD must be a non-negative integer"),
    ],
)
def test_sweep_balances_must_cover_exactly_the_vault_tokens(
    balances: dict[str, int], message: str
) -> None:
    with pytest.raises(BadInput, match=message):
        plan_withdraw_all(devnet(), "main", "cold", balances)


def test_a_sweep_to_a_recipient_the_vault_does_not_allow_is_a_violation() -> None:
    with pytest.raises(PolicyViolation, match="RECIPIENT_NOT_ALLOWED"):
        plan_withdraw_all(restricted(), "treasury", "recovery", {"USDC": 1})
