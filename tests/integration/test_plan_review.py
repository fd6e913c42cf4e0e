"""`safeops plan` and `safeops review` on the devnet, including what they must refuse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from safeops.chain.anvil import AnvilProcess
from safeops.core.plan import plan_from_json
from safeops.devnet.deploy import deploy_artifact
from safeops.devnet.policy_file import render_policy
from tests.chain_helpers import as_safe
from tests.helpers import Run, cli, store_plan

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
STRANGER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


@pytest.fixture
def policy(tmp_path: Path, anvil: AnvilProcess, devnet: Deployment) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(render_policy(devnet, anvil.rpc_url))
    return path


def run(capsys: pytest.CaptureFixture[str], policy: Path, *args: str) -> Run:
    return cli(capsys, "--json", "--policy", str(policy), *args)


def plan(capsys: pytest.CaptureFixture[str], policy: Path, *args: str) -> Run:
    out = str(policy.parent / "plans")
    return run(capsys, policy, "plan", *args, "--out-dir", out)


def test_pause_all_then_review_passes(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    planned = plan(capsys, policy, "pause", "--all")
    assert planned.code == 0, planned.stderr
    assert planned.json["safe"] == "guardian"
    assert planned.json["nonce"] == 0
    assert planned.json["violations"] == []
    assert len(planned.json["calls"]) == 3
    reviewed = run(capsys, policy, "review", planned.json["plan"])
    assert reviewed.code == 0, reviewed.stderr
    document = reviewed.json
    assert document["safe_tx_hash"] == planned.json["safe_tx_hash"]
    assert document["simulation"]["success"] is True
    assert document["guard_simulation"] is None
    assert document["violations"] == []
    assert [c["to"] for c in document["calls"]] == [
        devnet.contracts[n] for n in ("router", "lending", "vault")
    ]
    assert sum(e.startswith("Paused(") for e in document["simulation"]["events"]) == 3


@pytest.mark.parametrize("field", ["data", "to", "value", "operation"])
def test_a_hand_edited_plan_is_refused(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, field: str
) -> None:
    planned = plan(capsys, policy, "pause", "router")
    path = Path(planned.json["plan"])
    document = json.loads(path.read_text())
    document[field] = {"data": "0x3f4ba83a", "to": STRANGER, "value": "1", "operation": 1}[field]
    path.write_text(json.dumps(document))
    reviewed = run(capsys, policy, "review", str(path))
    assert reviewed.code == 1
    assert "differs from the computed" in reviewed.stderr


def test_withdraw_refusals(capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3) -> None:
    ok = plan(
        capsys, policy, "withdraw", "main", "--token", "dUSD", "--amount", "1250.5", "--to", "cold"
    )
    assert ok.code == 0, ok.stderr
    assert ok.json["safe"] == "admin"
    over_cap = plan(
        capsys,
        policy,
        "withdraw",
        "main",
        "--token",
        "dUSD",
        "--amount",
        "5000000.000001",
        "--to",
        "cold",
    )
    assert over_cap.code == 1
    assert "CAP" in over_cap.stderr.splitlines()[0].upper()
    to_address = plan(
        capsys, policy, "withdraw", "main", "--token", "dUSD", "--amount", "1", "--to", STRANGER
    )
    assert to_address.code == 1
    unknown = plan(
        capsys, policy, "withdraw", "main", "--token", "WBTC", "--amount", "1", "--to", "cold"
    )
    assert unknown.code == 2
    assert "WBTC" in unknown.stderr


def test_review_fails_on_a_reverting_call_and_names_it(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3
) -> None:
    planned = plan(capsys, policy, "unpause", "router")  # not paused: ExpectedPause()
    assert planned.code == 0, planned.stderr
    reviewed = run(capsys, policy, "review", planned.json["plan"])
    assert reviewed.code == 1
    simulation = reviewed.json["simulation"]
    assert simulation["success"] is False
    assert simulation["failures"][0]["reason"] == "ExpectedPause()"
    assert "simulation failed" in reviewed.stderr


def test_review_simulates_again_with_the_safes_guard(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    planned = plan(capsys, policy, "pause", "router")
    guard = deploy_artifact(w3, "TestGuard", True)  # refuses every transaction
    as_safe(w3, devnet.safes["guardian"], "setGuard(address)", guard)
    reviewed = run(capsys, policy, "review", planned.json["plan"])
    assert reviewed.code == 1
    assert reviewed.json["simulation"]["success"] is True
    assert reviewed.json["guard_simulation"]["success"] is False
    assert reviewed.json["drift"][0]["check"] == "guard"


def test_review_refuses_a_plan_from_another_policy(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3
) -> None:
    planned = plan(capsys, policy, "pause", "router")
    policy.write_text(policy.read_text() + "\n# reviewed again\n")
    reviewed = run(capsys, policy, "review", planned.json["plan"])
    assert reviewed.code == 1
    assert "another policy" in reviewed.stderr


def test_review_other_inputs(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, tmp_path: Path
) -> None:
    planned = plan(capsys, policy, "pause", "--all", "--tx-builder", str(tmp_path / "tb.json"))
    builder = run(capsys, policy, "review", "--tx-builder", str(tmp_path / "tb.json"))
    assert builder.code == 0, builder.stderr
    assert builder.json["source"] == "tx-builder"
    assert builder.json["safe_tx_hash"] == planned.json["safe_tx_hash"]
    saved = plan_from_json(json.loads(Path(planned.json["plan"]).read_text()))
    store_plan(policy.parent / "proposals", saved)
    stored = run(capsys, policy, "review", saved.safe_tx_hash.hex0x)
    assert stored.code == 0, stored.stderr
    assert stored.json["source"] == "store"


def test_nonce_rules(capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3) -> None:
    first = plan(capsys, policy, "pause", "router")
    saved = plan_from_json(json.loads(Path(first.json["plan"]).read_text()))
    store_plan(policy.parent / "proposals", saved)
    nxt = plan(capsys, policy, "pause", "lending")
    assert nxt.json["nonce"] == 1  # after the pending proposal
    taken = plan(capsys, policy, "pause", "lending", "--nonce", "0")
    assert taken.code == 1
    assert "taken by pending proposal" in taken.stderr
    assert plan(capsys, policy, "pause", "lending", "--nonce", "0", "--replace").code == 0
    gap = plan(capsys, policy, "pause", "lending", "--nonce", "5")
    assert gap.code == 2
    assert "gap" in gap.stderr


def test_revoke_splits_by_max_batch(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, tmp_path: Path
) -> None:
    from eth_utils import to_checksum_address

    addresses = [to_checksum_address(f"0x{i:040x}") for i in range(1, 451)]
    (tmp_path / "list.txt").write_text("# to revoke\n" + "\n".join(addresses) + "\n")
    planned = plan(capsys, policy, "revoke", "members", "--from-file", str(tmp_path / "list.txt"))
    assert planned.code == 0, planned.stderr
    assert [p["part"] for p in planned.json["plans"]] == [[1, 3], [2, 3], [3, 3]]
    assert [p["nonce"] for p in planned.json["plans"]] == [0, 1, 2]
    assert "max_batch" in planned.json["notes"][0]
    for entry in planned.json["plans"]:  # the queued ones simulate at their own nonce
        reviewed = run(capsys, policy, "review", entry["plan"])
        assert reviewed.code == 0, reviewed.stderr
        assert reviewed.json["simulation"]["success"] is True


def test_review_refuses_a_spent_nonce(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    planned = plan(capsys, policy, "pause", "router")
    # Someone else executed a transaction at nonce 0 meanwhile.
    w3.provider.make_request(
        "anvil_setStorageAt", [devnet.safes["guardian"], "0x5", "0x" + "00" * 31 + "01"]
    )
    reviewed = run(capsys, policy, "review", planned.json["plan"])
    assert reviewed.code == 1
    assert "nonce 0 is already spent (the Safe is at 1)" in reviewed.stderr


def test_sweep_withdraws_every_token_the_vault_holds(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3
) -> None:
    planned = plan(capsys, policy, "withdraw", "main", "--all-tokens", "--to", "cold")
    assert planned.code == 0, planned.stderr
    assert len(planned.json["calls"]) == 2  # dUSD and ETH, one batch
    assert planned.json["postconditions"] == 4  # each: recipient up, vault down
    reviewed = run(capsys, policy, "review", planned.json["plan"])
    assert reviewed.code == 0, reviewed.stderr
    assert (
        sum(e.startswith("EmergencyWithdrawal(") for e in reviewed.json["simulation"]["events"])
        == 2
    )


def test_a_builder_batch_in_abi_form_reviews_as_safe_cli_decodes_it(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    """A batch as the Transaction Builder exports it (ABI form: data null, contractMethod and
    contractInputsValues; one custom-hex entry) for the admin Safe: it reviews clean, and its
    calls are exactly those safe-cli's own decoder makes of the file (recorded beside it)."""
    fixtures = Path(__file__).parents[1] / "fixtures" / "tx_builder"
    reviewed = run(capsys, policy, "review", "--tx-builder", str(fixtures / "admin-abi-form.json"))
    assert reviewed.code == 0, reviewed.stderr
    assert (reviewed.json["source"], reviewed.json["safe"], reviewed.json["ok"]) == (
        "tx-builder",
        "admin",
        True,
    )
    expected = json.loads((fixtures / "admin-abi-form.safe-cli.json").read_text())["calls"]
    calls = [{k: c[k] for k in ("to", "value", "data")} for c in reviewed.json["calls"]]
    assert calls == expected
    # revokeMany(address[]), then emergencyWithdraw(address,address,uint256) twice
    assert [c["selector"] for c in reviewed.json["calls"]] == [
        "0x5fcd0fd3",
        "0xe63ea408",
        "0xe63ea408",
    ]
    assert reviewed.json["violations"] == []
    assert reviewed.json["simulation"]["success"] is True
