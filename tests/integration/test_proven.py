"""Issue 11 on the devnet: a hand-made rehearsal record, a relabelled Safe version and a
proposal written straight into the store are refused; a no-op never ends in "done"."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from safeops.chain.anvil import AnvilProcess
from safeops.core.decoding.selectors import encode_call
from safeops.core.plan import Plan, plan_from_json
from safeops.core.rehearsal import record_digest
from safeops.core.transactions.safe_tx import SafeVersion
from safeops.devnet.deploy import DEV_KEYS, TOKEN_DECIMALS
from safeops.devnet.keystores import write_keystores
from safeops.devnet.policy_file import render_policy
from safeops.workflows.plan_files import record_path
from tests.helpers import Run, cli, store_plan
from tests.unit.core.policy.sample import address

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
EVE_KEY = "0x" + "42" * 32
NO_CODE = address("issue 11: an account without code")


@pytest.fixture
def policy(
    tmp_path: Path, anvil: AnvilProcess, devnet: Deployment, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The devnet policy plus two targets that prove nothing when paused: one without code,
    one whose "pause" is a view (the token's decimals, which stays 6)."""
    write_keystores(tmp_path / "keys")
    path = tmp_path / "policy.toml"
    token = devnet.contracts["token"]
    path.write_text(
        render_policy(devnet, anvil.rpc_url)
        + f"""
[targets.ghost]
address = "{NO_CODE}"
pause = {{ safe = "guardian", call = "pause()" }}
check = {{ call = "paused()(bool)", after_pause = true }}

[targets.noop]
address = "{token}"
pause = {{ safe = "guardian", call = "decimals()" }}
check = {{ call = "decimals()(uint8)", after_pause = {TOKEN_DECIMALS} }}
"""
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAFEOPS_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    return path


def run(capsys: pytest.CaptureFixture[str], policy: Path, *args: str) -> Run:
    return cli(capsys, "--json", "--policy", str(policy), *args)


def planned(capsys: pytest.CaptureFixture[str], policy: Path, *args: str) -> tuple[Path, Plan]:
    result = run(capsys, policy, "plan", *args)
    assert result.code == 0, result.stderr
    path = Path(result.json["plan"])
    return path, plan_from_json(json.loads(path.read_text()))


def _nonce(w3: Web3, safe: str) -> int:
    return int.from_bytes(w3.eth.call({"to": safe, "data": encode_call("nonce()")}), "big")


def _owner_signature(key: str, plan: Plan) -> dict[str, str]:
    from eth_account import Account

    account = Account.from_key(key)
    signed = account.unsafe_sign_hash(plan.safe_tx_hash.raw).signature
    return {account.address: "0x" + bytes(signed).hex()}


# ---------------------------------------------------------------------------------------------
# No gate a local file can fake.


def test_a_hand_made_rehearsal_record_is_not_counted(
    capsys: pytest.CaptureFixture[str], policy: Path
) -> None:
    """The issue's reproduction: a record with `passed: true` beside the plan, its sha256
    recomputed; then the same with a signature field from a key outside the policy."""
    path, plan = planned(capsys, policy, "pause", "router")
    unsigned = run(capsys, policy, "rehearse", str(path))  # a real, passing, unsigned record
    assert unsigned.code == 0, unsigned.stderr
    assert unsigned.json["record"]["signed_by"] is None
    refused = run(capsys, policy, "propose", str(path), "--signer", "oncall")
    assert refused.code == 1
    assert "error: the rehearsal record is not signed" in refused.stderr
    assert "--signer NAME" in refused.stderr

    from eth_account import Account
    from eth_account.messages import encode_defunct

    forged = json.loads(record_path(path).read_text())
    forged["rehearsed_at"] += 1
    forged["digest"] = record_digest(forged)
    message = encode_defunct(text=f"safeops rehearsal record 0x{forged['digest']}")
    eve = Account.sign_message(message, EVE_KEY)
    forged["signature"] = {
        "signer": "oncall",
        "address": Account.from_key(DEV_KEYS["oncall"]).address,
        "signature": "0x" + bytes(eve.signature).hex(),
    }
    record_path(path).write_text(json.dumps(forged))
    again = run(capsys, policy, "propose", str(path), "--signer", "oncall")
    assert again.code == 1
    assert f"recovers to {Account.from_key(EVE_KEY).address}, not to signer oncall" in again.stderr
    assert not list((policy.parent / "proposals").glob("*.json"))
    assert plan.safe_tx_hash.hex0x not in run(capsys, policy, "queue").stdout


def test_a_signed_record_is_what_a_signer_signs_with_an_eip191_key(
    capsys: pytest.CaptureFixture[str], policy: Path
) -> None:
    """The record's signature is a plain EIP-191 message signature anyone can verify."""
    from eth_account import Account
    from eth_account.messages import encode_defunct

    path, _ = planned(capsys, policy, "pause", "router")
    signed = run(capsys, policy, "rehearse", str(path), "--signer", "oncall")
    assert signed.code == 0, signed.stderr
    record = json.loads(record_path(path).read_text())
    assert record["origin"]["block_number"] == record["fork_block"]
    assert record["origin"]["block_hash"] == signed.json["fork_block_hash"]
    message = encode_defunct(text=f"safeops rehearsal record 0x{record['digest']}")
    signature = bytes.fromhex(record["signature"]["signature"][2:])
    recovered = Account.recover_message(message, signature=signature)
    assert recovered == Account.from_key(DEV_KEYS["oncall"]).address
    assert run(capsys, policy, "propose", str(path), "--signer", "oncall").code == 0


# ---------------------------------------------------------------------------------------------
# Hashes from the chain.


def test_a_plan_relabelled_as_another_safe_version_is_refused(
    capsys: pytest.CaptureFixture[str], policy: Path
) -> None:
    """1.4.1 relabelled 1.1.1, hashes recomputed: no chain id in the domain."""
    path, plan = planned(capsys, policy, "pause", "router")
    relabelled = replace(plan, safe_version=SafeVersion.parse("1.1.1"))
    assert relabelled.safe_tx_hash != plan.safe_tx_hash
    path.write_text(json.dumps(relabelled.to_json()))
    message = "the Safe runs 1.4.1, the plan was hashed for 1.1.1"
    for step in (
        ("review", str(path)),
        ("rehearse", str(path), "--signer", "oncall"),
        ("propose", str(path), "--signer", "oncall"),
    ):
        result = run(capsys, policy, *step)
        assert result.code == 1, step
        assert f"error: {message}" in result.stderr, step
    store_plan(policy.parent / "proposals", relabelled, proposer="oncall")
    signed = run(capsys, policy, "sign", relabelled.safe_tx_hash.hex0x, "--signer", "alice")
    assert signed.code == 1
    assert message in signed.stderr


# ---------------------------------------------------------------------------------------------
# The store is input, not authority.


def test_a_proposal_written_into_the_store_is_not_signed(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    """Nonce 7 while the Safe is at 0, never rehearsed, "proposed by alice"."""
    _, plan = planned(
        capsys, policy, "withdraw", "main", "--token", "dUSD", "--amount", "1", "--to", "cold"
    )
    assert _nonce(w3, devnet.safes["admin"]) == 0
    injected = replace(plan, tx=plan.tx.with_nonce(7))
    store_plan(policy.parent / "proposals", injected, proposer="alice")
    result = run(capsys, policy, "sign", injected.safe_tx_hash.hex0x, "--signer", "bob")
    assert result.code == 1
    assert "nonce gap: no pending proposal holds nonce 0, 1, 2, 3, 4, 5, 6" in result.stderr


def test_a_store_proposal_by_someone_who_may_not_propose_is_not_executed(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    guardian = devnet.safes["guardian"]
    _, plan = planned(capsys, policy, "pause", "router")
    store_plan(
        policy.parent / "proposals",
        plan,
        _owner_signature(DEV_KEYS["oncall"], plan),  # enough for the 1-of-3 guardian
        proposer="bob",  # an owner, but not a proposer
    )
    result = run(capsys, policy, "execute", plan.safe_tx_hash.hex0x, "--signer", "oncall")
    assert result.code == 1
    assert "signer bob may not propose pause" in result.stderr
    assert _nonce(w3, guardian) == 0


# ---------------------------------------------------------------------------------------------
# A no-op never ends in "done".


@pytest.mark.parametrize(
    ("target", "why"),
    [
        # No code: the view answers nothing (a check for code, where it exists, stops it first).
        ("ghost", ("undecodable output 0x", "no code", "no contract at")),
        ("noop", ("it already returned 6 before the transaction",)),
    ],
)
def test_a_pause_that_changes_nothing_is_never_done(
    capsys: pytest.CaptureFixture[str],
    policy: Path,
    w3: Web3,
    devnet: Deployment,
    target: str,
    why: tuple[str, ...],
) -> None:
    guardian = devnet.safes["guardian"]
    path, plan = planned(capsys, policy, "pause", target)

    rehearsed = run(capsys, policy, "rehearse", str(path), "--signer", "oncall")
    assert rehearsed.code == 1
    assert rehearsed.json.get("passed") is not True
    assert any(reason in rehearsed.stderr for reason in why), rehearsed.stderr

    emergency = run(capsys, policy, "emergency", "pause", target, "--signer", "oncall")
    if target == "noop":
        # Its check holds before anything is sent: by the policy's own proof the target is
        # paused already, so the emergency reports that, sends nothing, and claims no "done".
        assert (emergency.code, emergency.json["status"]) == (0, "already_done")
        assert emergency.json["tx_hash"] is None
    else:
        assert emergency.code == 1
        assert emergency.json.get("done") is not True
        assert any(reason in emergency.stderr for reason in why), emergency.stderr

    # Even written into the store with a valid signature, execute proves nothing and stops.
    store_plan(
        policy.parent / "proposals",
        plan,
        _owner_signature(DEV_KEYS["oncall"], plan),
        proposer="oncall",
    )
    executed = run(capsys, policy, "execute", plan.safe_tx_hash.hex0x, "--signer", "oncall")
    assert executed.code == 1
    assert any(reason in executed.stderr for reason in why), executed.stderr
    assert _nonce(w3, guardian) == 0  # nothing was sent


def test_a_plans_description_is_shown_as_an_unverified_note(
    capsys: pytest.CaptureFixture[str], policy: Path
) -> None:
    """Calls' descriptions are free text outside the hash: never a statement about the call."""
    path, _ = planned(capsys, policy, "pause", "router")
    document = json.loads(path.read_text())
    document["calls"][0]["description"] = "harmless: refresh the price feed"
    path.write_text(json.dumps(document))
    result = cli(capsys, "--policy", str(policy), "rehearse", str(path), "--signer", "oncall")
    assert result.code == 0, result.stderr
    shown = " ".join(result.stdout.split())
    assert "unverified note from the plan file: harmless: refresh the price feed" in shown
    assert "per the plan" not in shown
