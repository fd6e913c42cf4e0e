"""`safeops rehearse` on the devnet: real executions on a private fork, the origin untouched."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from safeops.chain.anvil import AnvilProcess, free_port
from safeops.core.actions import ActionPlan, plan_pause, plan_revoke, plan_withdraw
from safeops.core.decoding.selectors import encode_call
from safeops.core.plan import Plan, Postcondition
from safeops.core.policy import Policy, load_policy
from safeops.core.rehearsal import RehearsalRecord, check_fresh
from safeops.core.transactions.batch import Call
from safeops.core.transactions.safe_tx import Operation, SafeTx, SafeVersion
from safeops.devnet import contracts as c
from safeops.devnet.deploy import COLD_WALLET, deploy_artifact, member_address
from safeops.devnet.policy_file import render_policy
from safeops.errors import Refused
from safeops.workflows.plan_files import read_record, record_path
from tests.helpers import Run, cli, store_plan

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
V141 = SafeVersion.parse("1.4.1")
CREATED = "2026-11-21T05:00:00Z"
STRANGER = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"  # anvil account 7, in no policy


@pytest.fixture
def policy_file(tmp_path: Path, anvil: AnvilProcess, devnet: Deployment) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(render_policy(devnet, anvil.rpc_url))
    return path


def _policy(path: Path) -> Policy:
    return load_policy(path.read_bytes(), str(path), os.environ)


def _nonce(w3: Web3, safe: str) -> int:
    return int.from_bytes(w3.eth.call({"to": safe, "data": encode_call("nonce()")}), "big")


def _paused(w3: Web3, target: str) -> bool:
    return bool(int.from_bytes(w3.eth.call({"to": target, "data": encode_call("paused()")})))


def _to_plan(policy: Policy, action: ActionPlan, w3: Web3, offset: int = 0) -> Plan:
    nonce = _nonce(w3, action.safe_address(policy)) + offset
    return action.to_plan(policy, nonce=nonce, version=V141, created_at=CREATED)


def _write(tmp_path: Path, plan: Plan) -> Path:
    path = tmp_path / plan.file_name
    path.write_text(json.dumps(plan.to_json(), indent=2))
    return path


def load_fresh_record(
    plan_path: Path, plan: Plan, policy: Policy, block: int, now: int
) -> RehearsalRecord:
    record = read_record(record_path(plan_path))
    check_fresh(record, plan, policy, block, now)
    return record


def _rehearse(capsys: pytest.CaptureFixture[str], policy: Path, plan: Path, *extra: str) -> Run:
    return cli(capsys, "--json", "--policy", str(policy), "rehearse", str(plan), *extra)


def _send_as(w3: Web3, sender: str, to: str, data: bytes) -> None:
    """A call on the origin chain from `sender` (a Safe), impersonated: test set-up only."""
    w3.provider.make_request("anvil_impersonateAccount", [sender])  # type: ignore[arg-type]
    w3.provider.make_request("anvil_setBalance", [sender, hex(10**18)])  # type: ignore[arg-type]
    tx = w3.eth.send_transaction({"from": sender, "to": to, "data": data})  # type: ignore[typeddict-item]
    assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
    w3.provider.make_request("anvil_stopImpersonatingAccount", [sender])  # type: ignore[arg-type]


def _by_hand(policy: Policy, safe_name: str, tx: SafeTx, postconditions: tuple[Any, ...]) -> Plan:
    """A plan that bypasses `safeops plan`, as an attacker's file or a buggy tool would."""
    return Plan(
        action="pause",
        arguments={},
        safe_name=safe_name,
        chain_id=31337,
        safe_version=V141,
        tx=tx,
        calls=(Call(tx.to, tx.data, tx.value, "by hand"),),
        postconditions=postconditions,
        policy_digest=policy.digest,
        created_at=CREATED,
    )


def _failed(run: Run) -> dict[str, Any]:
    assert run.code == 1, run.stderr
    assert run.json["passed"] is False
    assert "the rehearsal failed" in run.stderr
    return run.json


# ---------------------------------------------------------------------------------------------
# Passing rehearsals: every postcondition shown and ok, the origin unchanged.


def test_pause_all_passes_leaves_the_origin_alone_and_records(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    policy_file: Path,
    w3: Web3,
    devnet: Deployment,
) -> None:
    policy = _policy(policy_file)
    (action,) = plan_pause(policy, [], all_targets=True)
    plan = _to_plan(policy, action, w3)
    plan_path = _write(tmp_path, plan)
    guardian, targets = devnet.safes["guardian"], [devnet.contracts[t] for t in policy.targets]
    block, nonce = w3.eth.block_number, _nonce(w3, guardian)

    started = time.monotonic()
    run = _rehearse(capsys, policy_file, plan_path)
    elapsed = time.monotonic() - started

    assert run.code == 0, run.stderr
    result = run.json
    assert result["passed"] is True
    assert result["reason"] is None
    assert result["safe_tx_hash"] == plan.safe_tx_hash.hex0x
    assert result["fork_block"] == block
    assert result["stacked"] == []
    assert result["stack_skipped"] is False
    assert [
        (p["check"], p["expected"], p["actual"], p["ok"]) for p in result["postconditions"]
    ] == [(f"{name}.paused() == true", True, True, True) for name in ("router", "lending", "vault")]
    assert result["storage_diff"] == [
        {
            "what": "slot 5 (nonce)",
            "before": str(nonce),
            "after": str(nonce + 1),
            "ok": True,
            "message": f"slot 5 (nonce) changed from {nonce} to {nonce + 1}, by one, as it must",
            "source": "trace",
        }
    ]
    assert result["changed_accounts"] == []  # gas is free on the fork: only real effects show
    names = [(e["address"], e["name"]) for e in result["events"]]
    assert [n for n in names if n[1] == "Paused"] == [(t, "Paused") for t in targets]
    assert names[-1] == (guardian, "ExecutionSuccess")
    assert names[0] == (guardian, "SafeMultiSigTransaction")  # the L2 singleton's log
    paused = next(e for e in result["events"] if e["name"] == "Paused")
    assert paused["args"] == [guardian]
    assert 50_000 < result["gas_used"] < 300_000
    assert result["execution"]["signers"] == [
        min((devnet.signers[n] for n in ("oncall", "alice", "bob")), key=lambda a: int(a, 16))
    ]
    assert elapsed < 5, f"a rehearsal took {elapsed:.2f} s"
    # The origin chain was never touched.
    assert w3.eth.block_number == block
    assert _nonce(w3, guardian) == nonce
    assert not any(_paused(w3, target) for target in targets)
    # The record: beside the plan, fresh, bound to this policy and recent blocks only.
    path = record_path(plan_path)
    assert result["record"]["path"] == str(path)
    record = load_fresh_record(plan_path, plan, policy, block, int(time.time()))
    assert record.digest == result["record"]["digest"]
    assert record.document["stacked"] == []
    with pytest.raises(Refused, match="51 blocks old"):
        load_fresh_record(plan_path, plan, policy, block + 51, int(time.time()))
    policy_file.write_text(policy_file.read_text() + "\n# edited\n")
    with pytest.raises(Refused, match="another policy"):
        load_fresh_record(plan_path, plan, _policy(policy_file), block, int(time.time()))


def test_revoking_fifty_members_passes(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    policy_file: Path,
    w3: Web3,
    devnet: Deployment,
) -> None:
    admin, allowlist = devnet.safes["admin"], devnet.contracts["allowlist"]
    extra = [member_address(1000 + i) for i in range(38)]
    for account in extra:
        _send_as(w3, admin, allowlist, encode_call("setAllowed(address,bool)", account, True))
    accounts = [*devnet.members, *extra]
    policy = _policy(policy_file)
    (action,) = plan_revoke(policy, "members", accounts)
    plan_path = _write(tmp_path, _to_plan(policy, action, w3))

    run = _rehearse(capsys, policy_file, plan_path)

    assert run.code == 0, run.stderr
    checks = run.json["postconditions"]
    assert len(checks) == 50
    assert all(p["expected"] is False and p["actual"] is False and p["ok"] for p in checks)
    assert checks[0]["check"] == f"members.isAllowed({accounts[0]}) == false"
    revoked = [e["args"] for e in run.json["events"] if e["name"] == "AllowedSet"]
    assert revoked == [[a, "False"] for a in accounts]
    admins = sorted(
        (devnet.signers[n] for n in ("alice", "bob", "carol")), key=lambda a: int(a, 16)
    )
    assert run.json["execution"]["signers"] == admins[:2]  # the real 2-of-3, not lowered
    assert [f["what"] for f in run.json["storage_diff"]] == ["slot 5 (nonce)"]


def test_withdrawing_tokens_passes_with_exact_balance_changes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policy_file: Path, w3: Web3
) -> None:
    policy = _policy(policy_file)
    (action,) = plan_withdraw(policy, "main", "dUSD", "1250.5", "cold")
    plan_path = _write(tmp_path, _to_plan(policy, action, w3))

    run = _rehearse(capsys, policy_file, plan_path)

    assert run.code == 0, run.stderr
    checks = [(p["expected"], p["actual"]["delta"], p["ok"]) for p in run.json["postconditions"]]
    assert checks == [
        ({"delta": "+1250500000"}, "+1250500000", True),  # cold gains
        ({"delta": "-1250500000"}, "-1250500000", True),  # the vault loses
    ]
    names = [e["name"] for e in run.json["events"]]
    assert names == [
        "SafeMultiSigTransaction",
        "Transfer",
        "EmergencyWithdrawal",
        "ExecutionSuccess",
    ]
    assert run.json["changed_accounts"] == []  # ERC-20 balances live in the token's storage


def test_withdrawing_eth_lists_the_accounts_whose_balance_moved(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    policy_file: Path,
    w3: Web3,
    devnet: Deployment,
) -> None:
    policy = _policy(policy_file)
    (action,) = plan_withdraw(policy, "main", "ETH", "2", "cold")
    plan_path = _write(tmp_path, _to_plan(policy, action, w3))

    run = _rehearse(capsys, policy_file, plan_path)

    assert run.code == 0, run.stderr
    moved = {a["address"]: a["balance_delta"] for a in run.json["changed_accounts"]}
    assert moved == {devnet.contracts["vault"]: f"-{2 * 10**18}", COLD_WALLET: f"+{2 * 10**18}"}
    assert all(p["ok"] for p in run.json["postconditions"])


# ---------------------------------------------------------------------------------------------
# Failing rehearsals: exit 1, the report first, the reason named.


def test_a_reverting_target_fails_with_its_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policy_file: Path, w3: Web3
) -> None:
    policy = _policy(policy_file)
    (action,) = plan_pause(policy, ["router"], unpause=True)  # not paused: unpause() reverts
    plan_path = _write(tmp_path, _to_plan(policy, action, w3))

    result = _failed(_rehearse(capsys, policy_file, plan_path))

    router = policy.targets["router"].address
    assert result["execution"]["reverted"] is True
    assert result["execution"]["failures"] == [
        {"index": None, "to": router, "reason": "ExpectedPause()"}
    ]
    assert result["reason"].startswith("execTransaction reverted: GS013")
    assert f"the call to {router} reverted: ExpectedPause()" in result["reason"]
    assert record_path(plan_path).exists()  # a failed rehearsal is recorded too
    assert json.loads(record_path(plan_path).read_text())["passed"] is False


def test_an_execution_failure_event_fails_even_though_nothing_reverted(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    policy_file: Path,
    w3: Web3,
    devnet: Deployment,
) -> None:
    """With safeTxGas set the Safe swallows the inner revert: only the event tells the truth."""
    policy = _policy(policy_file)
    admin, router = devnet.safes["admin"], devnet.contracts["router"]
    tx = SafeTx(
        safe=admin,
        to=router,
        data=encode_call("unpause()"),
        safe_tx_gas=100_000,
        nonce=_nonce(w3, admin),
    )
    plan_path = _write(tmp_path, _by_hand(policy, "admin", tx, ()))

    result = _failed(_rehearse(capsys, policy_file, plan_path))

    assert (result["execution"]["reverted"], result["execution"]["outcome"]) == (
        False,
        "ExecutionFailure",
    )
    assert result["reasons"] == [
        "the Safe emitted ExecutionFailure: the call it made failed; "
        f"the call to {router} reverted: ExpectedPause()",
        # Built by hand, bypassing `plan`: it is not what any recorded intent rebuilds.
        "the plan is not what its intent rebuilds: the plan's recorded arguments do not "
        "rebuild a pause (KeyError: 'targets')",
    ]
    assert [f["ok"] for f in result["storage_diff"]] == [True]  # the nonce is used up


def test_a_batch_with_one_failing_item_names_the_item(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    policy_file: Path,
    w3: Web3,
    devnet: Deployment,
) -> None:
    lending = devnet.contracts["lending"]
    _send_as(w3, devnet.safes["guardian"], lending, encode_call("pause()"))
    policy = _policy(policy_file)
    (action,) = plan_pause(policy, [], all_targets=True)
    plan_path = _write(tmp_path, _to_plan(policy, action, w3))

    result = _failed(_rehearse(capsys, policy_file, plan_path))

    assert result["execution"]["failures"] == [
        {"index": 1, "to": lending, "reason": "EnforcedPause()"}
    ]
    assert "batch item #1 to" in result["reason"]


@pytest.mark.parametrize(
    ("signature", "args", "named"),
    [
        ("changeThreshold(uint256)", (1,), "slot 4 (threshold) changed from 2 to 1"),
        (
            "addOwnerWithThreshold(address,uint256)",
            (STRANGER, 2),
            "slot 3 (owner count) changed from 3 to 4",
        ),
    ],
)
def test_a_transaction_changing_the_safe_fails(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    policy_file: Path,
    w3: Web3,
    devnet: Deployment,
    signature: str,
    args: tuple[object, ...],
    named: str,
) -> None:
    policy = _policy(policy_file)
    admin = devnet.safes["admin"]
    tx = SafeTx(safe=admin, to=admin, data=encode_call(signature, *args), nonce=_nonce(w3, admin))
    plan_path = _write(tmp_path, _by_hand(policy, "admin", tx, ()))

    result = _failed(_rehearse(capsys, policy_file, plan_path))

    assert result["execution"]["success"] is True  # it executes: only the diff catches it
    bad = [f["message"] for f in result["storage_diff"] if not f["ok"]]
    assert named in bad
    assert any(f["source"] == "read" for f in result["storage_diff"] if not f["ok"])
    assert named in result["reasons"]


def test_a_bybit_style_delegatecall_is_caught_by_the_storage_diff(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    policy_file: Path,
    w3: Web3,
    devnet: Deployment,
) -> None:
    writer = deploy_artifact(w3, "SlotWriter")
    policy = _policy(policy_file)
    guardian = devnet.safes["guardian"]
    # Looks like a token transfer; as a DELEGATECALL it replaces the Safe's singleton.
    data = encode_call("transfer(address,uint256)", STRANGER, 10**6)
    tx = SafeTx(
        safe=guardian,
        to=writer,
        data=data,
        operation=Operation.DELEGATECALL,
        nonce=_nonce(w3, guardian),
    )
    plan_path = _write(tmp_path, _by_hand(policy, "guardian", tx, ()))

    result = _failed(_rehearse(capsys, policy_file, plan_path))

    singleton = next(f for f in result["storage_diff"] if f["what"] == "slot 0 (singleton)")
    assert singleton["message"] == f"slot 0 (singleton) changed from {c.SAFE_L2_141} to {STRANGER}"
    assert singleton["ok"] is False
    assert result["reason"].startswith("slot 0 (singleton) changed")
    assert _nonce(w3, guardian) == tx.nonce  # the origin's Safe is intact


def test_a_queued_unpause_fails_the_stacked_rehearsal_not_the_lone_one(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    policy_file: Path,
    w3: Web3,
    devnet: Deployment,
) -> None:
    """The router is paused; a queued admin proposal unpauses it. The plan that follows pauses
    the rest and expects every target paused: alone it passes, stacked it must fail."""
    router = devnet.contracts["router"]
    _send_as(w3, devnet.safes["guardian"], router, encode_call("pause()"))
    policy = _policy(policy_file)
    (unpause,) = plan_pause(policy, ["router"], unpause=True)
    queued = _to_plan(policy, unpause, w3)
    store_plan(tmp_path / "proposals", queued)
    (rest,) = plan_pause(policy, ["lending", "vault"])
    still_paused = Postcondition("router.paused() == true", router, "paused()(bool)", (), True)
    both = replace(rest, safe_name="admin", postconditions=(still_paused, *rest.postconditions))
    plan_path = _write(tmp_path, _to_plan(policy, both, w3, offset=1))

    stacked = _failed(_rehearse(capsys, policy_file, plan_path))

    assert [(s["safe_tx_hash"], s["success"]) for s in stacked["stacked"]] == [
        (queued.safe_tx_hash.hex0x, True)
    ]
    assert stacked["stack_skipped"] is False
    assert [(p["check"], p["actual"], p["ok"]) for p in stacked["postconditions"]] == [
        ("router.paused() == true", False, False),
        ("lending.paused() == true", True, True),
        ("vault.paused() == true", True, True),
    ]
    assert stacked["reasons"][0] == (
        "postcondition router.paused() == true: expected true, got false"
    ), stacked["reasons"]
    record = json.loads(record_path(plan_path).read_text())
    assert record["stacked"] == [queued.safe_tx_hash.hex0x]

    alone = _rehearse(capsys, policy_file, plan_path, "--no-stack")

    # The plan is hand-made (an admin pause with an extra proof), so it can never pass as
    # "what its intent rebuilds". Alone, the router was paused before and stays paused: a
    # check that held before the transaction proves nothing, so it fails too.
    assert alone.code == 1
    assert [r.split(":")[0] for r in alone.json["reasons"]] == [
        "postcondition router.paused() == true",
        "the plan is not what its intent rebuilds",
    ]
    assert [p["ok"] for p in alone.json["postconditions"]] == [False, True, True]
    assert alone.json["postconditions"][0]["note"].startswith(
        "it already returned true before the transaction"
    )
    assert alone.json["stacked"] == []
    assert alone.json["stack_skipped"] is True
    assert alone.json["nonce_override"] == {"from": queued.tx.nonce, "to": queued.tx.nonce + 1}
    assert json.loads(record_path(plan_path).read_text())["stack_skipped"] is True


def test_a_queued_proposal_that_fails_fails_the_rehearsal_with_its_reason(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    policy_file: Path,
    w3: Web3,
    devnet: Deployment,
) -> None:
    policy = _policy(policy_file)
    (unpause,) = plan_pause(policy, ["router"], unpause=True)  # the router is not paused
    queued = _to_plan(policy, unpause, w3)
    store_plan(tmp_path / "proposals", queued)
    (revoke,) = plan_revoke(policy, "members", devnet.members[:1])
    plan_path = _write(tmp_path, _to_plan(policy, revoke, w3, offset=1))

    result = _failed(_rehearse(capsys, policy_file, plan_path))

    assert result["reason"].startswith(
        f"stacked proposal {queued.safe_tx_hash} (nonce {queued.tx.nonce}) failed: "
        "execTransaction reverted: GS013"
    )
    assert result["execution"] == {"success": False, "reason": None, "executed": False}
    assert (result["postconditions"], result["gas_used"]) == ([], None)


def test_a_gap_in_the_queue_is_refused_but_the_plan_may_run_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policy_file: Path, w3: Web3
) -> None:
    policy = _policy(policy_file)
    (action,) = plan_pause(policy, ["router"])
    plan = _to_plan(policy, action, w3, offset=2)
    plan_path = _write(tmp_path, plan)
    run = _rehearse(capsys, policy_file, plan_path)
    assert run.code == 1
    nonce = plan.tx.nonce - 2
    assert f"the Safe's nonce on chain is {nonce}, the plan was built for {nonce + 2}" in run.stderr
    assert f"no pending proposal holds nonce {nonce}, {nonce + 1}" in run.stderr
    assert "--no-stack" in run.stderr
    alone = _rehearse(capsys, policy_file, plan_path, "--no-stack")
    assert alone.code == 0, alone.stderr
    assert alone.json["nonce_override"] == {"from": nonce, "to": nonce + 2}
    assert [(f["before"], f["after"]) for f in alone.json["storage_diff"]] == [
        (str(nonce + 2), str(nonce + 3))
    ]


def test_fork_block_pins_the_state_rehearsed(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    policy_file: Path,
    w3: Web3,
    devnet: Deployment,
) -> None:
    policy = _policy(policy_file)
    (action,) = plan_pause(policy, ["router"])
    plan_path = _write(tmp_path, _to_plan(policy, action, w3))
    before = w3.eth.block_number
    _send_as(w3, devnet.safes["admin"], devnet.contracts["router"], encode_call("pause()"))

    assert _rehearse(capsys, policy_file, plan_path).code == 1  # paused already: reverts
    pinned = _rehearse(capsys, policy_file, plan_path, "--fork-block", str(before))
    assert pinned.code == 0, pinned.stderr
    assert pinned.json["fork_block"] == before
    ahead = _rehearse(capsys, policy_file, plan_path, "--fork-block", str(before + 99))
    assert ahead.code == 2
    assert f"--fork-block {before + 99} is not mined yet" in ahead.json["error"]["message"]


# ---------------------------------------------------------------------------------------------
# Refusals and environment errors, and the fork's teardown.


def test_a_plan_from_another_policy_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policy_file: Path, w3: Web3
) -> None:
    policy = _policy(policy_file)
    (action,) = plan_pause(policy, ["router"])
    plan_path = _write(tmp_path, _to_plan(policy, action, w3))
    policy_file.write_text(policy_file.read_text().replace("max_batch = 200", "max_batch = 100"))
    run = _rehearse(capsys, policy_file, plan_path)
    assert run.code == 1
    assert run.json["error"]["message"] == "the plan was built from another policy"


def test_a_bad_plan_file_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policy_file: Path
) -> None:
    plan_path = tmp_path / "plan.json"
    plan_path.write_text("{not json")
    run = _rehearse(capsys, policy_file, plan_path)
    assert run.code == 2
    assert "is not JSON" in run.json["error"]["message"]


def test_an_unreachable_fork_url_is_exit_3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policy_file: Path, w3: Web3
) -> None:
    policy = _policy(policy_file)
    (action,) = plan_pause(policy, ["router"])
    plan_path = _write(tmp_path, _to_plan(policy, action, w3))
    url = f"http://user:secret@127.0.0.1:{free_port()}/key"
    run = _rehearse(capsys, policy_file, plan_path, "--fork-url", url)
    assert run.code == 3
    assert "failed on eth_chainId" in run.stderr
    assert "secret" not in run.stdout + run.stderr


def test_the_fork_is_torn_down_on_failure_and_on_ctrl_c(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    policy_file: Path,
    w3: Web3,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import safeops.fork.node as node
    import safeops.fork.rehearsal as rehearsal

    started: list[AnvilProcess] = []
    real_start = node.start_anvil

    def spy(**kwargs: Any) -> AnvilProcess:
        started.append(real_start(**kwargs))
        return started[-1]

    monkeypatch.setattr(node, "start_anvil", spy)
    policy = _policy(policy_file)
    (action,) = plan_pause(policy, ["router"], unpause=True)
    plan_path = _write(tmp_path, _to_plan(policy, action, w3))
    assert _rehearse(capsys, policy_file, plan_path).code == 1

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(rehearsal, "_run", interrupted)
    assert _rehearse(capsys, policy_file, plan_path).code == 130
    assert not record_path(plan_path).exists()  # an interrupted rehearsal voids the last record
    assert len(started) == 2
    assert all(process.process.poll() is not None for process in started)
