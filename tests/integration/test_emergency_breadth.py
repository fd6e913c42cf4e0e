"""The playbook's three procedures as one command per signer on the devnet: pause (idempotent,
with the revert reason named), revoke and withdraw."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from safeops.chain.anvil import AnvilProcess
from safeops.devnet.keystores import write_keystores
from safeops.devnet.policy_file import render_policy
from tests.helpers import Run, cli

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration


@pytest.fixture
def policy(
    tmp_path: Path, anvil: AnvilProcess, devnet: Deployment, monkeypatch: pytest.MonkeyPatch
) -> Path:
    write_keystores(tmp_path / "keys")
    path = tmp_path / "policy.toml"
    path.write_text(render_policy(devnet, anvil.rpc_url))
    monkeypatch.chdir(tmp_path)
    return path


def run(capsys: pytest.CaptureFixture[str], policy: Path, *args: str) -> Run:
    return cli(capsys, "--json", "--policy", str(policy), *args)


def view(w3: Web3, to: str, signature: str, *args: object) -> int:
    from safeops.core.decoding.selectors import encode_call

    raw = w3.eth.call({"to": to, "data": encode_call(signature, *args)})  # type: ignore[typeddict-item]
    return int.from_bytes(bytes(raw), "big")


def test_pause_of_a_target_already_paused_reports_it_and_exits_0(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3
) -> None:
    assert run(capsys, policy, "emergency", "pause", "router", "--signer", "oncall").code == 0
    result = run(capsys, policy, "emergency", "pause", "router", "--signer", "oncall")
    assert result.code == 0, result.stderr
    assert (result.json["status"], result.json["already"]) == ("already_done", ["router"])
    assert result.json["safe_tx_hash"] is None  # nothing proposed
    assert run(capsys, policy, "queue").json["pending"] == []


def test_a_refusal_names_the_decoded_revert_reason(
    capsys: pytest.CaptureFixture[str], policy: Path, devnet: Deployment, w3: Web3
) -> None:
    """A target's pause reverts when it is paused by another route than its check sees;
    here: pause the router, then give it a check that does not see a paused router, so only
    the simulation can tell (EnforcedPause)."""
    assert run(capsys, policy, "emergency", "pause", "router", "--signer", "oncall").code == 0
    text = policy.read_text()
    start = text.index("[targets.router]")
    check = text.index("after_pause = true", start)
    policy.write_text(
        text[:check] + "after_pause = false" + text[check + len("after_pause = true") :]
    )
    result = run(capsys, policy, "emergency", "pause", "--all", "--signer", "oncall")
    assert result.code == 1
    line = next(x for x in result.stderr.splitlines() if x.startswith("error:"))
    assert "EnforcedPause" in line
    assert result.json["error"]["step"] == "review"


def test_revoke_one_command_per_signer_then_already_revoked(
    capsys: pytest.CaptureFixture[str], policy: Path, devnet: Deployment, w3: Web3
) -> None:
    members = devnet.members[:2]
    command = ("emergency", "revoke", "members", *members)
    first = run(capsys, policy, *command, "--signer", "alice")
    assert (first.code, first.json["status"], first.json["items"]) == (1, "waiting", members)
    assert run(capsys, policy, *command, "--signer", "bob").json["confirmations"] == 2
    done = run(capsys, policy, *command, "--signer", "alice")
    assert (done.code, done.json["status"]) == (0, "done"), done.stderr
    allowlist = devnet.contracts["allowlist"]
    assert [view(w3, allowlist, "isAllowed(address)", m) for m in members] == [0, 0]
    more = [*members, devnet.members[2]]
    again = run(capsys, policy, "emergency", "revoke", "members", *more, "--signer", "alice")
    assert (again.json["items"], again.json["already"]) == ([devnet.members[2]], members)


def test_withdraw_one_command_per_signer_and_never_twice_unasked(
    capsys: pytest.CaptureFixture[str], policy: Path, devnet: Deployment, w3: Web3
) -> None:
    from safeops.devnet.deploy import COLD_WALLET

    token = devnet.contracts["token"]
    before = view(w3, token, "balanceOf(address)", COLD_WALLET)
    command = ("emergency", "withdraw", "main", "--token", "dUSD", "--amount", "10", "--to", "cold")
    assert run(capsys, policy, *command, "--signer", "alice").json["status"] == "waiting"
    assert run(capsys, policy, *command, "--signer", "carol").json["confirmations"] == 2
    done = run(capsys, policy, *command, "--signer", "alice")
    assert (done.code, done.json["status"]) == (0, "done"), done.stderr
    assert view(w3, token, "balanceOf(address)", COLD_WALLET) == before + 10 * 10**6
    late = run(capsys, policy, *command, "--signer", "bob")
    assert late.code == 0, late.stderr
    assert (late.json["status"], late.json["executed_before"]) == (
        "already_done",
        done.json["tx_hash"],
    )
    assert view(w3, token, "balanceOf(address)", COLD_WALLET) == before + 10 * 10**6
    tranche = run(capsys, policy, *command, "--again", "--signer", "alice")
    assert (tranche.json["status"], tranche.json["nonce"]) == ("waiting", 1)
