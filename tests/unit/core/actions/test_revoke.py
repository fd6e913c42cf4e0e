"""Revoke plans: array and per-account templates, splitting, repeats and bad addresses."""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address

from safeops.core.actions import BASE_GAS, max_addresses, plan_revoke
from safeops.core.decoding.decode import decode_call
from safeops.core.decoding.selectors import encode_call
from safeops.core.plan import Postcondition
from safeops.errors import BadInput, InvalidAddress, Refused
from tests.unit.core.actions.policies import accounts, devnet, production, tx_of
from tests.unit.core.policy.sample import ZERO, bad_checksum

MULTISEND_CALL_ONLY_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"


def test_one_address_with_an_array_template_is_one_call() -> None:
    policy = devnet()
    members = policy.allowlists["members"].address
    (account,) = accounts(1)
    (plan,) = plan_revoke(policy, "members", [account])
    assert (plan.action, plan.safe_name, plan.part, plan.notes) == ("revoke", "admin", (1, 1), ())
    assert plan.arguments == {
        "list": "members",
        "addresses": [account],
        "count": 1,
        "total": 1,
    }
    (call,) = plan.calls
    assert (call.to, call.data) == (members, encode_call("revokeMany(address[])", [account]))
    assert call.description == f"revoke 1 accounts from members ({members})"
    assert plan.postconditions == (
        Postcondition(
            f"members.isAllowed({account}) == false",
            members,
            "isAllowed(address)(bool)",
            (account,),
            False,
        ),
    )


def test_fifty_addresses_with_an_array_template_are_one_call_in_order() -> None:
    addresses = accounts(50)
    (plan,) = plan_revoke(devnet(), "members", addresses)
    (call,) = plan.calls
    assert call.data == encode_call("revokeMany(address[])", addresses)
    assert [p.args for p in plan.postconditions] == [(a,) for a in addresses]


def test_a_thousand_addresses_split_by_max_batch_into_five_plans() -> None:
    addresses = accounts(1000)
    plans = plan_revoke(devnet(), "members", addresses)
    assert [p.part for p in plans] == [(i, 5) for i in range(1, 6)]
    assert [p.arguments["count"] for p in plans] == [200] * 5
    assert {p.arguments["total"] for p in plans} == {1000}
    assert [a for p in plans for a in p.arguments["addresses"]] == addresses  # type: ignore[union-attr]
    assert plans[0].notes == (
        "split into 5 plans of at most 200 addresses (max_batch of allowlists.members): "
        "propose and execute each",
    )
    assert all(len(p.calls) == 1 and len(p.postconditions) == 200 for p in plans)
    assert plans[4].calls[0].data == encode_call("revokeMany(address[])", addresses[800:])


def test_a_per_account_template_makes_one_call_per_address() -> None:
    policy = production()
    kyc = policy.allowlists["kyc"].address
    (one,) = plan_revoke(policy, "kyc", accounts(1))
    assert [c.data for c in one.calls] == [
        encode_call("setAllowed(address,bool)", accounts(1)[0], False)
    ]
    assert tx_of(policy, one).to == kyc  # a single call goes direct

    (fifty,) = plan_revoke(policy, "kyc", accounts(50))
    assert len(fifty.calls) == 50
    assert fifty.calls[1].description == f"revoke {accounts(50)[1]} from kyc ({kyc})"
    tx = tx_of(policy, fifty)
    assert (tx.to, tx.operation) == (MULTISEND_CALL_ONLY_141, 1)
    items = decode_call(tx.to, tx.value, tx.data, tx.operation).inner
    assert [(i.to, i.data) for i in items] == [(c.to, c.data) for c in fifty.calls]


def test_a_thousand_addresses_per_account_split_by_max_batch_of_fifty() -> None:
    plans = plan_revoke(production(), "kyc", accounts(1000))
    assert len(plans) == 20
    assert {len(p.calls) for p in plans} == {50}
    assert plans[-1].part == (20, 20)
    assert "at most 50 addresses (max_batch of allowlists.kyc)" in plans[0].notes[0]


def test_repeated_addresses_are_revoked_once_with_a_note() -> None:
    a, b = accounts(2)
    (plan,) = plan_revoke(devnet(), "members", [a, b, a, a])
    assert plan.arguments["addresses"] == [a, b]
    assert (plan.arguments["count"], plan.arguments["total"]) == (2, 2)
    assert plan.notes == ("2 repeated addresses removed",)
    (once,) = plan_revoke(devnet(), "members", [a, a])
    assert once.notes == ("1 repeated address removed",)


def test_every_bad_address_is_reported_at_once() -> None:
    good = accounts(1)[0]
    bad = [good, good.lower(), bad_checksum(good), ZERO, "0x1234", "alice"]
    with pytest.raises(InvalidAddress) as caught:
        plan_revoke(devnet(), "members", bad)
    message = caught.value.message
    assert message.startswith("5 of 6 addresses refused: address #2 ")
    assert "address #4 must not be the zero address" in message
    assert "address #5 is not a 20-byte hex address: '0x1234'" in message
    assert "more" not in message
    assert caught.value.exit_code == 2


def test_beyond_five_bad_addresses_the_rest_are_counted() -> None:
    with pytest.raises(InvalidAddress, match=r"^8 of 8 addresses refused: .*; and 3 more$"):
        plan_revoke(devnet(), "members", ["nope"] * 8)


def test_a_look_alike_of_a_policy_address_is_refused() -> None:
    policy = devnet()
    alice = policy.signers["alice"].address
    poisoned = to_checksum_address(alice[:6] + "1" * 32 + alice[-4:])
    with pytest.raises(Refused) as caught:
        plan_revoke(policy, "members", [*accounts(2), poisoned])
    assert caught.value.message.startswith(f"{poisoned} looks like signers.alice {alice}")
    assert "address poisoning" in caught.value.hint
    assert plan_revoke(policy, "members", [alice])  # the address itself is no look-alike


def test_no_address_and_an_unknown_list_are_bad_input() -> None:
    with pytest.raises(BadInput, match="no address to revoke"):
        plan_revoke(devnet(), "members", [])
    with pytest.raises(
        BadInput, match=r"^unknown allow-list 'admins' \(known: kyc, liquidators\)$"
    ):
        plan_revoke(production(), "admins", accounts(1))


def test_a_small_block_gas_limit_splits_by_gas_share() -> None:
    # A third of 3,000,000 is 1,000,000: (1,000,000 - 60,000) // 30,000 = 31 addresses a plan.
    plans = plan_revoke(devnet(), "members", accounts(50), 30_000, 3_000_000)
    assert [p.arguments["count"] for p in plans] == [31, 19]
    assert plans[0].notes == (
        "split into 2 plans of at most 31 addresses (estimated 60,000 + 30,000 gas per address "
        "must stay within a third of the block gas limit, 1,000,000): propose and execute each",
    )


def test_max_addresses_takes_the_tighter_limit() -> None:
    members = devnet().allowlists["members"]
    assert max_addresses(members, 30_000, 30_000_000) == (200, "max_batch of allowlists.members")
    assert max_addresses(members, 20_000, 6_000_000)[0] == (2_000_000 - BASE_GAS) // 20_000 == 97
    with pytest.raises(Refused, match="more than a third of the block gas limit 200,000"):
        max_addresses(members, 30_000, 200_000)
    with pytest.raises(BadInput, match="positive"):
        max_addresses(members, 0, 30_000_000)
