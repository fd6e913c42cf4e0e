"""`safeops policy check` on the devnet: no drift, then each kind of drift, then lying RPCs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from safeops.chain.anvil import AnvilProcess, free_port
from safeops.devnet.deploy import deploy_artifact
from safeops.devnet.policy_file import render_policy
from tests.chain_helpers import as_safe
from tests.helpers import Run, cli

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
SENTINEL = "0x0000000000000000000000000000000000000001"
STRANGER = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"


@pytest.fixture
def policy_file(tmp_path: Path, anvil: AnvilProcess, devnet: Deployment) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(render_policy(devnet, anvil.rpc_url))
    return path


def _check(capsys: pytest.CaptureFixture[str], policy: Path) -> Run:
    return cli(capsys, "--json", "--policy", str(policy), "policy", "check")


def test_fresh_devnet_has_no_drift(
    capsys: pytest.CaptureFixture[str], policy_file: Path, w3: Web3
) -> None:
    run = _check(capsys, policy_file)
    assert run.code == 0, run.stderr
    assert run.json["ok"] is True
    assert run.json["drift"] == []
    assert [s["name"] for s in run.json["safes"]] == ["guardian", "admin"]
    assert run.json["safes"][1]["live"]["threshold"] == 2


def _drift(run: Run) -> list[tuple[str, str, str]]:
    return [(d["safe"], d["check"], d["message"]) for d in run.json["drift"]]


def test_threshold_change(
    capsys: pytest.CaptureFixture[str], policy_file: Path, w3: Web3, devnet: Deployment
) -> None:
    as_safe(w3, devnet.safes["admin"], "changeThreshold(uint256)", 1)
    run = _check(capsys, policy_file)
    assert run.code == 1
    assert _drift(run) == [("admin", "threshold", "the threshold changed")]
    assert "policy drift: 1 difference(s)" in run.stderr


def test_added_owner(
    capsys: pytest.CaptureFixture[str], policy_file: Path, w3: Web3, devnet: Deployment
) -> None:
    as_safe(w3, devnet.safes["guardian"], "addOwnerWithThreshold(address,uint256)", STRANGER, 1)
    run = _check(capsys, policy_file)
    assert run.code == 1
    assert _drift(run) == [("guardian", "owners", f"unexpected owner {STRANGER}")]


def test_enabled_module(
    capsys: pytest.CaptureFixture[str], policy_file: Path, w3: Web3, devnet: Deployment
) -> None:
    as_safe(w3, devnet.safes["admin"], "enableModule(address)", STRANGER)
    run = _check(capsys, policy_file)
    assert run.code == 1
    assert _drift(run) == [("admin", "modules", f"unexpected module {STRANGER}")]


def test_set_guard(
    capsys: pytest.CaptureFixture[str], policy_file: Path, w3: Web3, devnet: Deployment
) -> None:
    guard = deploy_artifact(w3, "TestGuard", False)
    as_safe(w3, devnet.safes["guardian"], "setGuard(address)", guard)
    run = _check(capsys, policy_file)
    assert run.code == 1
    assert _drift(run) == [("guardian", "guard", "the guard changed")]
    assert run.json["drift"][0]["actual"] == guard


def test_unreachable_rpc_is_exit_3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, devnet: Deployment
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(render_policy(devnet, f"http://127.0.0.1:{free_port()}"))
    run = _check(capsys, path)
    assert run.code == 3
    assert "failed on eth_chainId" in run.stderr


def test_wrong_chain_is_exit_3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, anvil: AnvilProcess, devnet: Deployment
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        render_policy(devnet, anvil.rpc_url).replace("chain_id = 31337", "chain_id = 5")
    )
    run = _check(capsys, path)
    assert run.code == 3
    assert "serves chain 31337, the policy says 5" in run.stderr
