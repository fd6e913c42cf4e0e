"""The pure half of fork rehearsal: storage diffs, postconditions, stacking, records."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from eth_abi.abi import encode
from eth_hash.auto import keccak

from safeops.core.actions import plan_pause, plan_withdraw
from safeops.core.decoding.selectors import encode_call
from safeops.core.plan import Plan, Postcondition
from safeops.core.policy import Policy, Settings
from safeops.core.rehearsal import (
    AccountDiff,
    ChangedAccount,
    Origin,
    RehearsalRecord,
    approved_hash_slot,
    build_record,
    changed_accounts,
    check_fresh,
    compare_safe_states,
    evaluate_balance,
    evaluate_safe_diff,
    evaluate_view,
    failure_reasons,
    mapping_slot,
    parse_state_diff,
    record_digest,
    record_from_json,
    slot_names,
    stack_order,
    view_calldata,
)
from safeops.core.safe_state import GUARD_SLOT, SafeState
from safeops.errors import BadInput, Refused
from tests.unit.core.actions.policies import V141, devnet

SAFE = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"
SINGLETON = "0x29fcB43b46531BcA003ddC8FCB67FFE91900C762"
ATTACKER = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"
OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
ROUTER = "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6"
TX_HASH = bytes.fromhex("ab" * 32)
NOW = 1_800_000_000
NAMES = slot_names([OWNER], [], [], TX_HASH)


def _word(value: int | str) -> str:
    number = int(value, 16) if isinstance(value, str) else value
    return "0x" + number.to_bytes(32, "big").hex()


def _safe_diff(**changes: tuple[int, int]) -> AccountDiff:
    """The Safe's diff with storage changes given as slot_<n>=(before, after)."""
    storage = {int(name.removeprefix("slot_")): change for name, change in changes.items()}
    return AccountDiff(SAFE, storage=storage)


def _bad(findings: list[Any]) -> list[str]:
    return [f.message for f in findings if not f.ok]


# ---------------------------------------------------------------------------------------------
# The tracer's diff, read with geth's conventions.


def test_parse_state_diff_reads_geth_diff_mode() -> None:
    trace = {
        "pre": {
            SAFE.lower(): {
                "balance": "0x0",
                "nonce": 1,
                "code": "0x6080",
                "storage": {_word(0): _word(SINGLETON), _word(5): _word(1)},
            },
            OWNER.lower(): {"balance": "0x10", "nonce": 3},
            ATTACKER.lower(): {"balance": "0x5", "code": "0x60"},
        },
        "post": {
            # slot 0 became zero (absent from post); slot 5 moved; slot 9 appeared.
            SAFE.lower(): {"storage": {_word(5): _word(2), _word(9): _word(7)}},
            OWNER.lower(): {"balance": "0x0", "nonce": 4},
        },
    }
    diffs = parse_state_diff(trace)
    assert diffs[SAFE] == AccountDiff(
        SAFE, storage={0: (int(SINGLETON, 16), 0), 5: (1, 2), 9: (0, 7)}
    )
    assert diffs[OWNER] == AccountDiff(OWNER, balance=(16, 0), nonce=(3, 4))
    assert diffs[ATTACKER].removed is True


def test_parse_state_diff_refuses_what_is_not_a_diff() -> None:
    with pytest.raises(ValueError, match="unreadable state diff"):
        parse_state_diff({"pre": {}})


# ---------------------------------------------------------------------------------------------
# The Safe's own account: only the nonce may change, by one.


def test_only_the_nonce_moving_by_one_passes() -> None:
    (finding,) = evaluate_safe_diff(_safe_diff(slot_5=(7, 8)), NAMES)
    assert finding.ok
    assert finding.what == "slot 5 (nonce)"
    assert (finding.before, finding.after) == ("7", "8")


def test_a_nonce_jump_fails() -> None:
    assert _bad(evaluate_safe_diff(_safe_diff(slot_5=(7, 9)), NAMES)) == [
        "slot 5 (nonce) changed from 7 to 9, not by exactly one"
    ]


def test_the_singleton_slot_is_named_with_both_addresses() -> None:
    diff = _safe_diff(slot_0=(int(SINGLETON, 16), int(ATTACKER, 16)), slot_5=(0, 1))
    assert _bad(evaluate_safe_diff(diff, NAMES)) == [
        f"slot 0 (singleton) changed from {SINGLETON} to {ATTACKER}"
    ]


@pytest.mark.parametrize(
    ("slot", "before", "after", "message"),
    [
        (4, 2, 1, "slot 4 (threshold) changed from 2 to 1"),
        (3, 3, 4, "slot 3 (owner count) changed from 3 to 4"),
        (
            GUARD_SLOT,
            0,
            int(ATTACKER, 16),
            f"slot {hex(GUARD_SLOT)} (guard) changed from "
            f"0x0000000000000000000000000000000000000000 to {ATTACKER}",
        ),
        (
            mapping_slot("0x0000000000000000000000000000000000000001", 2),
            int(OWNER, 16),
            int(ATTACKER, 16),
            f"slot {hex(mapping_slot('0x' + '00' * 19 + '01', 2))} "
            f"(owners[0x0000000000000000000000000000000000000001]) changed from "
            f"{hex(int(OWNER, 16))} to {hex(int(ATTACKER, 16))}",
        ),
        (
            12345678,
            0,
            1,
            "slot 0xbc614e (unknown: a mapping entry or a stray write) changed from 0x0 to 0x1",
        ),
    ],
)
def test_any_other_slot_fails_and_is_named(
    slot: int, before: int, after: int, message: str
) -> None:
    diff = AccountDiff(SAFE, storage={slot: (before, after), 5: (0, 1)})
    assert _bad(evaluate_safe_diff(diff, NAMES)) == [message]


def test_a_pre_130_safe_may_clear_its_approvers_approvals() -> None:
    names = slot_names([OWNER], [], [OWNER], TX_HASH)
    slot = approved_hash_slot(OWNER, TX_HASH)
    inner = keccak(bytes(12) + bytes.fromhex(OWNER[2:]) + (8).to_bytes(32, "big"))
    assert slot == int.from_bytes(keccak(TX_HASH + inner), "big")
    cleared = AccountDiff(SAFE, storage={slot: (1, 0), 5: (0, 1)})
    assert _bad(evaluate_safe_diff(cleared, names)) == []
    set_again = AccountDiff(SAFE, storage={slot: (0, 1), 5: (0, 1)})
    assert len(_bad(evaluate_safe_diff(set_again, names))) == 1


def test_balance_code_and_account_nonce_of_the_safe() -> None:
    diff = AccountDiff(SAFE, balance=(10, 4), nonce=(1, 2), code_changed=True, storage={5: (0, 1)})
    assert _bad(evaluate_safe_diff(diff, NAMES)) == [
        "the Safe's code changed",
        "the Safe's account nonce changed from 1 to 2: it created a contract",
        "the Safe's balance changed by -6 wei (expected no change)",
    ]
    sent = evaluate_safe_diff(replace(diff, nonce=None, code_changed=False), NAMES, eth_sent=6)
    assert [(f.what, f.ok) for f in sent] == [("balance", True), ("slot 5 (nonce)", True)]
    short = evaluate_safe_diff(replace(diff, nonce=None, code_changed=False), NAMES, eth_sent=5)
    assert _bad(short) == ["the Safe's balance changed by -6 wei (expected -5 wei)"]
    unmoved = evaluate_safe_diff(_safe_diff(slot_5=(0, 1)), NAMES, eth_sent=5)
    assert _bad(unmoved) == [
        "the Safe's balance did not change, though the transaction sends 5 wei"
    ]


def test_a_safe_untouched_or_removed() -> None:
    assert _bad(evaluate_safe_diff(None, NAMES)) == [
        "slot 5 (nonce) did not change: the transaction did not execute"
    ]
    assert evaluate_safe_diff(None, NAMES, reverted=True) == []
    removed = AccountDiff(SAFE, removed=True)
    assert _bad(evaluate_safe_diff(removed, NAMES)) == ["the Safe's account was removed"]


def _state(**changes: Any) -> SafeState:
    state = SafeState(
        address=SAFE,
        block=10,
        version="1.4.1",
        owners=(OWNER,),
        threshold=1,
        nonce=3,
        singleton=SINGLETON,
        modules=(),
        guard="0x0000000000000000000000000000000000000000",
        fallback_handler="0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99",
        module_guard="0x0000000000000000000000000000000000000000",
    )
    return replace(state, **changes)


def test_reading_the_safe_again_cross_checks_the_tracer() -> None:
    before = _state()
    assert compare_safe_states(before, _state(block=11, nonce=4)) == []
    changed = _state(nonce=4, owners=(OWNER, ATTACKER), modules=(ATTACKER,))
    assert _bad(compare_safe_states(before, changed)) == [
        f"owners (getOwners) changed from [{OWNER}] to [{OWNER}, {ATTACKER}]",
        f"modules (getModulesPaginated) changed from [] to [{ATTACKER}]",
    ]
    assert _bad(compare_safe_states(before, None, "no answer")) == [
        "the Safe no longer answers as a Safe after the transaction (no answer)"
    ]
    assert _bad(compare_safe_states(before, _state(nonce=4), reverted=True)) == [
        "nonce() went from 3 to 4, not unchanged, as execTransaction reverted"
    ]
    assert all(f.source == "read" for f in compare_safe_states(before, None))


def test_changed_accounts_lists_balance_and_code_changes_only() -> None:
    diffs = {
        SAFE: AccountDiff(SAFE, storage={5: (0, 1)}),
        ROUTER: AccountDiff(ROUTER, balance=(5, 5), nonce=(1, 2)),
        OWNER: AccountDiff(OWNER, balance=(10, 7)),
        ATTACKER: AccountDiff(ATTACKER, code_changed=True),
    }
    assert changed_accounts(diffs) == [
        ChangedAccount(ATTACKER, None, None, True),
        ChangedAccount(OWNER, 10, 7, False),
    ]
    assert changed_accounts(diffs)[1].to_json()["balance_delta"] == "-3"


# ---------------------------------------------------------------------------------------------
# Postconditions.

PAUSED = Postcondition("router.paused() == true", ROUTER, "paused()(bool)", (), True)


def test_a_view_is_compared_with_its_expected_value() -> None:
    assert view_calldata(PAUSED) == encode_call("paused()")
    ok = evaluate_view(PAUSED, True, encode(["bool"], [True]))
    assert (ok.expected, ok.actual, ok.ok) == (True, True, True)
    wrong = evaluate_view(PAUSED, True, encode(["bool"], [False]))
    assert (wrong.actual, wrong.ok) == (False, False)
    reverted = evaluate_view(PAUSED, False, b"", "ExpectedPause()")
    assert (reverted.actual, reverted.ok) == ("reverted: ExpectedPause()", False)
    garbage = evaluate_view(PAUSED, True, b"")
    assert (garbage.actual, garbage.ok) == ("undecodable output 0x", False)


def test_true_is_not_one_and_addresses_compare_checksummed() -> None:
    number = replace(PAUSED, call="count()(uint256)", expected=1)
    assert evaluate_view(number, True, encode(["uint256"], [1])).ok
    assert not evaluate_view(replace(number, expected=True), True, encode(["uint256"], [1])).ok
    owner = replace(PAUSED, call="owner()(address)", expected=OWNER)
    result = evaluate_view(owner, True, encode(["address"], [OWNER.lower()]))
    assert (result.actual, result.ok) == (OWNER, True)


def test_view_arguments_are_encoded_and_checked() -> None:
    allowed = Postcondition("x", ROUTER, "isAllowed(address)(bool)", (OWNER,), False)
    assert view_calldata(allowed) == encode_call("isAllowed(address)", OWNER)
    with pytest.raises(BadInput, match="'not an address' is not an EIP-55 checksummed address"):
        view_calldata(replace(allowed, args=("not an address",)))
    with pytest.raises(BadInput, match="one-output view"):
        view_calldata(replace(allowed, call="isAllowed(address)"))


def test_a_balance_change_compares_deltas() -> None:
    policy = devnet()
    (action,) = plan_withdraw(policy, "main", "dUSD", "12.5", "cold")
    gain, loss = action.postconditions
    assert evaluate_balance(gain, 100, 100 + 12_500_000).ok
    result = evaluate_balance(loss, 100_000_000, 100_000_000 - 12_000_000)
    assert result.actual == {"delta": "-12000000", "before": "100000000", "after": "88000000"}
    assert result.expected == {"delta": "-12500000"}
    assert not result.ok


# ---------------------------------------------------------------------------------------------
# Stacking.


def test_stack_order_runs_each_lower_nonce_once_in_order() -> None:
    pending = [(5, "0xb"), (3, "0xa"), (4, "0xc"), (6, "0xlater"), (2, "0xold")]
    assert stack_order(3, 6, pending) == ["0xa", "0xc", "0xb"]
    assert stack_order(3, 3, pending) == []


def test_stack_order_refuses_a_stale_plan_a_conflict_and_a_gap() -> None:
    with pytest.raises(Refused, match="the Safe's nonce on chain is 4, the plan was built for 3"):
        stack_order(4, 3, [])
    with pytest.raises(Refused, match="2 pending proposals share nonce 3") as conflict:
        stack_order(3, 4, [(3, "0xa"), (3, "0xb")])
    assert "--no-stack" in conflict.value.hint
    with pytest.raises(Refused, match="no pending proposal holds nonce 4, 6"):
        stack_order(3, 7, [(3, "0xa"), (5, "0xb")])


# ---------------------------------------------------------------------------------------------
# The record and its freshness.


def _plan(policy: Policy) -> Plan:
    (action,) = plan_pause(policy, ["router"])
    return action.to_plan(policy, nonce=4, version=V141, created_at="2026-11-21T05:00:00Z")


def _results(ok: bool = True) -> dict[str, Any]:
    return {
        "stacked": [],
        "nonce_override": None,
        "execution": {"success": ok, "reason": None if ok else "execTransaction reverted: GS013"},
        "postconditions": [
            {"check": "router.paused() == true", "expected": True, "actual": ok, "ok": ok}
        ],
        "storage_diff": [{"what": "slot 5 (nonce)", "ok": True, "message": "moved"}],
        "changed_accounts": [],
        "events": [],
    }


def _record(plan: Plan, ok: bool = True, fork_block: int = 100) -> RehearsalRecord:
    return build_record(
        plan,
        origin=Origin(plan.chain_id, fork_block, "0x" + "bb" * 32),
        fork_block=fork_block,
        fork_block_timestamp=NOW - 60,
        rehearsed_at=NOW,
        stacked=[],
        stack_skipped=False,
        passed=ok,
        results=_results(ok),
    )


def test_a_record_binds_the_transaction_and_verifies_its_digest() -> None:
    policy = devnet()
    plan = _plan(policy)
    record = _record(plan)
    document = record.to_json()
    assert document["passed"] is True
    assert document["safe_tx_hash"] == plan.safe_tx_hash.hex0x
    assert document["policy_digest"] == policy.digest
    assert document["chain_id"] == 31337
    assert (document["fork_block"], document["fork_block_timestamp"]) == (100, NOW - 60)
    assert record.digest == record_digest(document)
    again = record_from_json(json.loads(json.dumps(document)))
    check_fresh(again, plan, policy, current_block=150, now=NOW + 1800)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"current_block": 151}, r"the rehearsal is 51 blocks old \(limit 50"),
        ({"now": NOW + 1801}, r"the rehearsal is 1801 s old \(limit 1800 s"),
        ({"current_block": 95}, r"the chain is at block 95, behind the fork \(100\) by more"),
    ],
)
def test_an_old_record_is_stale(change: dict[str, int], message: str) -> None:
    policy = devnet()
    plan = _plan(policy)
    when = {"current_block": 120, "now": NOW + 10, **change}
    with pytest.raises(Refused, match=message) as refused:
        check_fresh(_record(plan), plan, policy, **when)
    assert refused.value.hint == "Run `safeops rehearse PLAN --signer NAME` and read its report."


def test_a_fork_within_the_rpc_lag_ahead_of_the_pin_is_fresh() -> None:
    """Rehearsed at a pin of 100, proposed when a lagging RPC pins 96: honest lag (4 blocks)."""
    policy = devnet()
    plan = _plan(policy)
    check_fresh(_record(plan), plan, policy, current_block=96, now=NOW + 10)


def test_the_policys_limits_apply() -> None:
    policy = replace(devnet(), settings=Settings(rehearsal_max_age_blocks=5))
    plan = _plan(policy)
    with pytest.raises(Refused, match=r"6 blocks old \(limit 5"):
        check_fresh(_record(plan), plan, policy, current_block=106, now=NOW)


def test_another_policy_plan_or_a_failed_rehearsal_is_refused() -> None:
    policy = devnet()
    plan = _plan(policy)
    changed = replace(policy, digest="00" * 32)
    with pytest.raises(Refused, match="another policy"):
        check_fresh(_record(plan), plan, changed, current_block=100, now=NOW)
    other = replace(plan, tx=plan.tx.with_nonce(5))
    with pytest.raises(Refused, match=f"was of {plan.safe_tx_hash}, not of {other.safe_tx_hash}"):
        check_fresh(_record(plan), other, policy, current_block=100, now=NOW)
    with pytest.raises(Refused, match="failed: execTransaction reverted: GS013"):
        check_fresh(_record(plan, ok=False), plan, policy, current_block=100, now=NOW)


def test_an_edited_record_does_not_verify() -> None:
    policy = devnet()
    plan = _plan(policy)
    flipped = _record(plan, ok=False).to_json()
    flipped["passed"] = True
    with pytest.raises(Refused, match="digest does not match"):
        check_fresh(RehearsalRecord(flipped), plan, policy, current_block=100, now=NOW)
    flipped["digest"] = record_digest(flipped)  # even with a recomputed digest
    with pytest.raises(Refused, match="verdict contradicts its results"):
        check_fresh(RehearsalRecord(flipped), plan, policy, current_block=100, now=NOW)


def test_record_from_json_refuses_what_is_not_a_record() -> None:
    with pytest.raises(BadInput, match="not a safeops rehearsal record"):
        record_from_json({"format": 1})
    with pytest.raises(BadInput, match="lacks digest"):
        record_from_json(
            {k: v for k, v in _record(_plan(devnet())).to_json().items() if k != "digest"}
        )


def test_failure_reasons_put_the_most_fundamental_first() -> None:
    results = _results(ok=False)
    results["stacked"] = [
        {"safe_tx_hash": "0xq", "nonce": 3, "success": False, "reason": "GS013"},
    ]
    results["storage_diff"].append({"ok": False, "message": "slot 4 (threshold) changed"})
    assert failure_reasons(results) == [
        "stacked proposal 0xq (nonce 3) failed: GS013",
        "execTransaction reverted: GS013",
        "postcondition router.paused() == true: expected true, got false",
        "slot 4 (threshold) changed",
    ]
    assert failure_reasons(_results()) == []
