"""Propose, sign, execute, queue, emergency and audit on the devnet, and every refusal the
issue lists: stale rehearsal, tampered proposals, bad signatures, stale nonces."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from safeops.chain.anvil import AnvilProcess
from safeops.core.plan import plan_from_json
from safeops.devnet.keystores import write_keystores
from safeops.devnet.policy_file import render_policy
from tests.helpers import Run, cli

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
EVE_KEY = "0x" + "42" * 32


@pytest.fixture
def policy(
    tmp_path: Path, anvil: AnvilProcess, devnet: Deployment, monkeypatch: pytest.MonkeyPatch
) -> Path:
    write_keystores(tmp_path / "keys")
    path = tmp_path / "policy.toml"
    path.write_text(render_policy(devnet, anvil.rpc_url))
    monkeypatch.chdir(tmp_path)  # plans and the audit log land in tmp/.safeops
    monkeypatch.setenv("SAFEOPS_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    return path


def run(capsys: pytest.CaptureFixture[str], policy: Path, *args: str) -> Run:
    return cli(capsys, "--json", "--policy", str(policy), *args)


def planned(capsys: pytest.CaptureFixture[str], policy: Path, *args: str) -> tuple[Path, str]:
    result = run(capsys, policy, "plan", *args)
    assert result.code == 0, result.stderr
    return Path(result.json["plan"]), result.json["safe_tx_hash"]


def rehearsed(capsys: pytest.CaptureFixture[str], policy: Path, *args: str) -> tuple[Path, str]:
    path, safe_tx_hash = planned(capsys, policy, *args)
    # Signed: only a record a policy signer vouched for counts in another process.
    result = run(capsys, policy, "rehearse", str(path), "--signer", "alice")
    assert result.code == 0, result.stderr
    return path, safe_tx_hash


def _balance(w3: Web3, token: str, holder: str) -> int:
    from safeops.core.decoding.selectors import encode_call

    raw = w3.eth.call({"to": token, "data": encode_call("balanceOf(address)", holder)})
    return int.from_bytes(bytes(raw), "big")


def test_admin_withdrawal_flow(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    from safeops.devnet.deploy import COLD_WALLET

    token, vault = devnet.contracts["token"], devnet.contracts["vault"]
    before = (_balance(w3, token, COLD_WALLET), _balance(w3, token, vault))
    path, h = rehearsed(
        capsys, policy, "withdraw", "main", "--token", "dUSD", "--amount", "1250.5", "--to", "cold"
    )
    proposed = run(capsys, policy, "propose", str(path), "--signer", "alice")
    assert proposed.code == 0, proposed.stderr
    assert (proposed.json["confirmations"], proposed.json["threshold"]) == (1, 2)
    again = run(capsys, policy, "propose", str(path), "--signer", "alice")
    assert again.json["already_proposed"] is True
    assert again.json["confirmations"] == 1
    early = run(capsys, policy, "execute", h, "--signer", "alice")
    assert early.code == 1
    assert "threshold is 2" in early.stderr
    signed = run(capsys, policy, "sign", h, "--signer", "bob")
    assert signed.code == 0, signed.stderr
    assert signed.json["confirmations"] == 2
    executed = run(capsys, policy, "execute", h, "--signer", "alice")
    assert executed.code == 0, executed.stderr
    assert executed.json["success"] is True
    assert all(c["ok"] for c in executed.json["postconditions"])
    units = 1_250_500_000
    assert (_balance(w3, token, COLD_WALLET), _balance(w3, token, vault)) == (
        before[0] + units,
        before[1] - units,
    )
    assert run(capsys, policy, "queue").json["pending"] == []
    assert run(capsys, policy, "audit", "verify").code == 0
    log = Path("audit.jsonl")
    log.write_text(log.read_text().replace('"alice"', '"mallory"', 1))
    assert run(capsys, policy, "audit", "verify").code == 1


def test_emergency_pause_all_in_one_command(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    result = run(capsys, policy, "emergency", "pause", "--all", "--signer", "oncall")
    assert result.code == 0, result.stderr
    assert result.json["done"] is True
    assert result.json["success"] is True
    paused = [
        w3.eth.call({"to": devnet.contracts[n], "data": "0x5c975abb"})[-1]
        for n in ("router", "lending", "vault")
    ]
    assert paused == [1, 1, 1]
    assert run(capsys, policy, "queue").json["pending"] == []


def test_emergency_unpause_one_command_per_signer(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    """2-of-3: the first signer proposes and signs (exit 1: not unpaused yet, and who must
    sign), the next runs the same command to sign, and the one who can execute finishes."""
    assert run(capsys, policy, "emergency", "pause", "router", "--signer", "oncall").code == 0
    command = ("emergency", "unpause", "router")
    result = run(capsys, policy, *command, "--signer", "alice")
    assert result.code == 1, result.stderr
    assert "waiting for 1 more signature(s) (bob, carol)" in result.stderr
    assert result.json["status"] == "waiting"
    assert result.json["tx_hash"] is None
    assert (result.json["confirmations"], result.json["threshold"]) == (1, 2)
    assert "bob" in result.json["missing_signers"]
    signed = run(capsys, policy, *command, "--signer", "bob")  # bob may sign, not execute
    assert signed.code == 1, signed.stderr
    assert (signed.json["confirmations"], signed.json["resumed"]) == (2, True)
    assert signed.json["waiting_for"] == {"signatures": 0, "executors": ["oncall", "alice"]}
    done = run(capsys, policy, *command, "--signer", "alice")
    assert done.code == 0, done.stderr
    assert (done.json["status"], done.json["safe_tx_hash"]) == ("done", result.json["safe_tx_hash"])
    router = devnet.contracts["router"]
    assert w3.eth.call({"to": router, "data": "0x5c975abb"})[-1] == 0  # paused() is false
    assert run(capsys, policy, "queue").json["pending"] == []


def test_propose_needs_a_fresh_rehearsal(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3
) -> None:
    path, _ = planned(capsys, policy, "pause", "router")
    missing = run(capsys, policy, "propose", str(path), "--signer", "oncall")
    assert missing.code == 1
    assert "no rehearsal" in missing.stderr
    assert run(capsys, policy, "rehearse", str(path), "--signer", "oncall").code == 0
    w3.provider.make_request("anvil_mine", [hex(60)])  # past the 50-block freshness limit
    stale = run(capsys, policy, "propose", str(path), "--signer", "oncall")
    assert stale.code == 1
    assert "the rehearsal is 60 blocks old" in stale.stderr


def _stored(policy: Path, safe_tx_hash: str) -> Path:
    return policy.parent / "proposals" / f"31337-{safe_tx_hash}.json"


@pytest.mark.parametrize(
    "change",
    [
        {"data": b"\x3f\x4b\xa8\x3a"},
        {"value": 1},
        {"operation": 1},
        {"nonce": 1},
        {"gas_price": 1},
        {"refund_receiver": "0x976EA74026E726554dB657fA54763abd0C3a0aa9"},
    ],
)
def test_sign_refuses_a_proposal_changed_after_proposal(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, change: dict[str, object]
) -> None:
    path, h = rehearsed(
        capsys, policy, "withdraw", "main", "--token", "dUSD", "--amount", "1", "--to", "cold"
    )
    assert run(capsys, policy, "propose", str(path), "--signer", "alice").code == 0
    stored = _stored(policy, h)
    document = json.loads(stored.read_text())
    plan = plan_from_json(document["plan"])
    # A careful attacker keeps the stored hashes consistent with the changed fields.
    document["plan"] = replace(plan, tx=replace(plan.tx, **change)).to_json()
    stored.write_text(json.dumps(document))
    result = run(capsys, policy, "sign", h, "--signer", "bob")
    assert result.code == 1
    assert "differs" in result.stderr or "hashes to" in result.stderr


def _add_signature(policy: Path, safe_tx_hash: str, key: str) -> None:
    from eth_account import Account

    stored = _stored(policy, safe_tx_hash)
    document = json.loads(stored.read_text())
    account = Account.from_key(key)
    signature = account.unsafe_sign_hash(bytes.fromhex(safe_tx_hash[2:])).signature
    document["signatures"][account.address] = "0x" + bytes(signature).hex()
    stored.write_text(json.dumps(document))


def test_execute_refuses_bad_signatures_and_stale_nonces(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    path, h = rehearsed(
        capsys, policy, "withdraw", "main", "--token", "dUSD", "--amount", "1", "--to", "cold"
    )
    assert run(capsys, policy, "propose", str(path), "--signer", "alice").code == 0
    stored = _stored(policy, h)
    clean = stored.read_text()
    _add_signature(policy, h, EVE_KEY)  # not an owner
    stranger = run(capsys, policy, "execute", h, "--signer", "alice")
    assert stranger.code == 1
    assert "not an owner now" in stranger.stderr
    stored.write_text(clean)
    document = json.loads(clean)
    (alice_signature,) = document["signatures"].values()
    document["signatures"]["0x" + "00" * 20] = alice_signature  # the same signature twice
    stored.write_text(json.dumps(document))
    duplicated = run(capsys, policy, "execute", h, "--signer", "alice")
    assert duplicated.code == 1
    assert "1 distinct owner signature(s), the threshold is 2" in duplicated.stderr
    stored.write_text(clean)
    assert run(capsys, policy, "sign", h, "--signer", "bob").code == 0
    w3.provider.make_request(  # someone executed another transaction at this nonce
        "anvil_setStorageAt", [devnet.safes["admin"], "0x5", "0x" + "00" * 31 + "01"]
    )
    stale = run(capsys, policy, "execute", h, "--signer", "alice")
    assert stale.code == 1
    assert "the Safe is at nonce 1" in stale.stderr


def test_offline_signing_round_trip(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, tmp_path: Path
) -> None:
    """A hardware wallet's flow: export the typed data, sign it elsewhere, import it."""
    from eth_account import Account

    from safeops.devnet.deploy import DEV_KEYS

    path, h = rehearsed(
        capsys, policy, "withdraw", "main", "--token", "dUSD", "--amount", "2", "--to", "cold"
    )
    assert run(capsys, policy, "propose", str(path), "--signer", "alice").code == 0
    exported = run(capsys, policy, "sign", h, "--export-typed-data", str(tmp_path / "td.json"))
    assert exported.code == 0, exported.stderr
    assert exported.json["confirmations"] == 1  # exporting signs nothing
    typed = json.loads((tmp_path / "td.json").read_text())
    stranger = Account.from_key(EVE_KEY).sign_typed_data(full_message=typed).signature
    refused = run(capsys, policy, "sign", h, "--signature", "0x" + bytes(stranger).hex())
    assert refused.code == 1
    assert "not an owner now" in refused.stderr
    bob = Account.from_key(DEV_KEYS["bob"]).sign_typed_data(full_message=typed).signature
    imported = run(capsys, policy, "sign", h, "--signature", "0x" + bytes(bob).hex())
    assert imported.code == 0, imported.stderr
    assert imported.json["confirmations"] == 2
    assert run(capsys, policy, "execute", h, "--signer", "alice").json["success"] is True


def test_a_rehashed_plan_file_is_not_proposed_or_reviewed(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    """Security review H1: fields changed and hashes recomputed still differ from the intent."""
    path, _ = rehearsed(capsys, policy, "pause", "router")
    plan = plan_from_json(json.loads(path.read_text()))
    moved = replace(plan, tx=replace(plan.tx, to=devnet.contracts["lending"]))
    path.write_text(json.dumps(moved.to_json()))
    for command in (("review", str(path)), ("propose", str(path), "--signer", "oncall")):
        result = run(capsys, policy, *command)
        assert result.code == 1, command
        assert "differs from its local rebuild in to" in result.stderr


def test_propose_refuses_a_nonce_gap(
    capsys: pytest.CaptureFixture[str],
    policy: Path,
    w3: Web3,
    tmp_path: Path,
    devnet: Deployment,
) -> None:
    """Security review M2: nothing may be signed that waits on a nonce no one proposed."""
    from eth_utils import to_checksum_address

    from safeops.core.decoding.selectors import encode_call

    addresses = [to_checksum_address(f"0x{i:040x}") for i in range(1, 202)]
    # The second plan revokes the last account: it must be allowed, or revoking proves nothing.
    admin = devnet.safes["admin"]
    w3.provider.make_request("anvil_impersonateAccount", [admin])  # type: ignore[arg-type]
    w3.provider.make_request("anvil_setBalance", [admin, hex(10**18)])  # type: ignore[arg-type]
    allow = encode_call("setAllowed(address,bool)", addresses[-1], True)
    sent = w3.eth.send_transaction(
        {"from": admin, "to": devnet.contracts["allowlist"], "data": allow}  # type: ignore[typeddict-item]
    )
    assert w3.eth.wait_for_transaction_receipt(sent)["status"] == 1
    (tmp_path / "list.txt").write_text("\n".join(addresses))
    result = run(
        capsys, policy, "plan", "revoke", "members", "--from-file", str(tmp_path / "list.txt")
    )
    second = Path(result.json["plans"][1]["plan"])
    alone = run(capsys, policy, "rehearse", str(second), "--no-stack", "--signer", "alice")
    assert alone.code == 0, alone.stderr
    gap = run(capsys, policy, "propose", str(second), "--signer", "alice")
    assert gap.code == 1
    assert "nonce gap: no pending proposal holds nonce 0" in gap.stderr


def test_a_proposer_without_the_signer_role_does_not_sign(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3
) -> None:
    """Security review L1: roles are separate even when one person holds a key."""
    text = policy.read_text()
    start = text.index("[signers.alice]")
    roles_at = text.index("roles = ", start)
    end = text.index("\n", roles_at)
    policy.write_text(text[:roles_at] + 'roles = ["proposer", "executor"]' + text[end:])
    path, _ = rehearsed(
        capsys, policy, "withdraw", "main", "--token", "dUSD", "--amount", "1", "--to", "cold"
    )
    proposed = run(capsys, policy, "propose", str(path), "--signer", "alice")
    assert proposed.code == 0, proposed.stderr
    assert proposed.json["confirmations"] == 0


def test_execute_refuses_a_safe_that_drifted_since_signing(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    """Security review M1: signatures collected earlier must not carry a changed Safe."""
    from tests.chain_helpers import as_safe

    path, h = rehearsed(capsys, policy, "pause", "router")
    assert run(capsys, policy, "propose", str(path), "--signer", "oncall").code == 0
    as_safe(
        w3,
        devnet.safes["guardian"],
        "enableModule(address)",
        "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
    )
    result = run(capsys, policy, "execute", h, "--signer", "oncall")
    assert result.code == 1
    assert "drifted from the policy: unexpected module" in result.stderr


def test_a_retried_emergency_resumes_its_pending_proposal(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    """As after a run interrupted once proposed: no second proposal at the next nonce."""
    path, h = rehearsed(capsys, policy, "pause", "router")
    assert run(capsys, policy, "propose", str(path), "--signer", "oncall").code == 0
    result = run(capsys, policy, "emergency", "pause", "router", "--signer", "oncall")
    assert result.code == 0, result.stderr
    assert (result.json["safe_tx_hash"], result.json["nonce"]) == (h, 0)
    assert result.json["success"] is True
    assert run(capsys, policy, "queue").json["pending"] == []
