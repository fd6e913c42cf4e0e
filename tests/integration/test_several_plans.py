"""`review A B C` and `rehearse A B C`: several plans in one process, in nonce order, each with
its own result (and, for a rehearsal, its own record), one fork for all of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from safeops.chain.anvil import AnvilProcess
from safeops.devnet.policy_file import render_policy
from safeops.workflows.plan_files import record_path
from tests.helpers import Run, cli

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration


@pytest.fixture
def policy_file(tmp_path: Path, anvil: AnvilProcess, devnet: Deployment) -> Path:
    """The devnet policy with batches of two members, so that five members make three plans."""
    path = tmp_path / "policy.toml"
    path.write_text(
        render_policy(devnet, anvil.rpc_url).replace("max_batch = 200", "max_batch = 2")
    )
    return path


def _cli(capsys: pytest.CaptureFixture[str], policy: Path, *args: str) -> Run:
    return cli(capsys, "--json", "--policy", str(policy), *args)


def _three_plans(
    capsys: pytest.CaptureFixture[str], policy: Path, devnet: Deployment
) -> list[dict[str, Any]]:
    planned = _cli(capsys, policy, "plan", "revoke", "members", *devnet.members[:5])
    assert planned.code == 0, planned.stderr
    plans: list[dict[str, Any]] = planned.json["plans"]
    assert [p["nonce"] for p in plans] == [plans[0]["nonce"] + i for i in range(3)]
    return plans


def test_review_several_plans_in_nonce_order(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    policy_file: Path,
    devnet: Deployment,
    w3: Web3,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    first, second, third = _three_plans(capsys, policy_file, devnet)

    run = _cli(capsys, policy_file, "review", third["plan"], first["plan"], second["plan"])

    assert run.code == 0, run.stderr
    reviewed = run.json["plans"]
    assert [r["safe_tx_hash"] for r in reviewed] == [
        p["safe_tx_hash"] for p in (first, second, third)
    ]
    assert [r["nonce"] for r in reviewed] == [first["nonce"], second["nonce"], third["nonce"]]
    assert all(r["ok"] and r["simulation"]["success"] for r in reviewed)
    # One read of the Safe for the three: every review saw the same block.
    assert len({r["simulation"]["block"] for r in reviewed}) == 1
    # The single-plan keys are the first plan's, as for `plan`; `ok` covers all of them.
    assert run.json["safe_tx_hash"] == first["safe_tx_hash"]
    assert run.json["ok"] is True


def test_rehearse_several_plans_stacks_them_on_one_fork(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    policy_file: Path,
    devnet: Deployment,
    w3: Web3,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    first, second, third = _three_plans(capsys, policy_file, devnet)
    block = w3.eth.block_number

    run = _cli(capsys, policy_file, "rehearse", second["plan"], third["plan"], first["plan"])

    assert run.code == 0, run.stderr
    rehearsed = run.json["plans"]
    hashes = [p["safe_tx_hash"] for p in (first, second, third)]
    assert [r["safe_tx_hash"] for r in rehearsed] == hashes
    assert all(r["passed"] for r in rehearsed)
    assert {r["fork_block"] for r in rehearsed} == {block}  # one fork, the run's block
    # Each ran at its own nonce after the ones before it: no nonce moved by hand.
    assert [r["nonce_override"] for r in rehearsed] == [None, None, None]
    assert [[f["after"] for f in r["storage_diff"]] for r in rehearsed] == [
        [str(first["nonce"] + 1)],
        [str(first["nonce"] + 2)],
        [str(first["nonce"] + 3)],
    ]
    assert [len(r["postconditions"]) for r in rehearsed] == [2, 2, 1]
    # One record per plan, naming what ran before it on the fork.
    for index, plan in enumerate((first, second, third)):
        record = json.loads(record_path(Path(plan["plan"])).read_text())
        assert record["passed"] is True
        assert record["stacked"] == hashes[:index]
    assert run.json["safe_tx_hash"] == hashes[0]
    assert run.json["passed"] is True
    assert w3.eth.block_number == block  # the origin is untouched


def test_a_gap_between_the_plans_refuses_the_run_and_records_none(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    policy_file: Path,
    devnet: Deployment,
    w3: Web3,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The third plan without the second can never execute: refused as for one plan, and no
    record is left for either (an earlier one for the first plan is removed)."""
    monkeypatch.chdir(tmp_path)
    first, _second, third = _three_plans(capsys, policy_file, devnet)
    assert _cli(capsys, policy_file, "rehearse", first["plan"]).code == 0
    assert record_path(Path(first["plan"])).exists()

    run = _cli(capsys, policy_file, "rehearse", first["plan"], third["plan"])

    assert run.code == 1
    assert f"no pending proposal holds nonce {first['nonce'] + 1}" in run.json["error"]["message"]
    assert not record_path(Path(first["plan"])).exists()
    assert not record_path(Path(third["plan"])).exists()
