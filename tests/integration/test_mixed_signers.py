"""Mixed signer teams on the real Safe 1.4.1: eth_sign, on-chain approvals, a nested Safe owner
(EIP-1271) and EIP-712 owners together. What execution may not use is named and skipped; what
it uses is verified by the Safe contract itself on anvil."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from safeops.chain.anvil import AnvilProcess
from safeops.core.transactions.safe_tx import SafeVersion, safe_tx_hashes
from safeops.devnet.deploy import DEV_KEYS
from safeops.devnet.keystores import write_keystores
from safeops.devnet.policy_file import render_policy
from tests.chain_helpers import as_safe
from tests.helpers import Run, cli

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
V141 = SafeVersion.parse("1.4.1")
# keccak256("SafeMessage(bytes message)"): what a Safe's fallback handler signs for EIP-1271
SAFE_MSG_TYPEHASH = bytes.fromhex(
    "60b3cbf8b4a223d68d641b3b6ddf9a298e7f33710cf3d3a9d1146b5a6150fbca"
)
STRANGER_KEY = "0x" + "42" * 32


def _policy(tmp_path: Path, text: str) -> Path:
    write_keystores(tmp_path / "keys")
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return path


def _admin(text: str, owners: list[str], threshold: int, extra: str = "") -> str:
    """The devnet policy with the admin Safe's expected owners and threshold changed."""
    old = 'threshold = 2, owners = ["alice", "bob", "carol"]'
    assert text.count(old) == 1
    text = text.replace(old, f"threshold = {threshold}, owners = {json.dumps(owners)}")
    marker = "[safes.admin]"
    head, _, tail = text.partition(marker)
    first_line, _, rest = tail.partition("\n")
    return head + marker + first_line + "\n" + extra + rest


def run(capsys: pytest.CaptureFixture[str], policy: Path, *args: str, json_out: bool = True) -> Run:
    return cli(capsys, *(["--json"] if json_out else []), "--policy", str(policy), *args)


def _proposed_withdrawal(capsys: pytest.CaptureFixture[str], policy: Path, signer: str) -> str:
    args = ("withdraw", "main", "--token", "dUSD", "--amount", "3", "--to", "cold")
    planned = run(capsys, policy, "plan", *args)
    assert planned.code == 0, planned.stderr
    path, safe_tx_hash = planned.json["plan"], planned.json["safe_tx_hash"]
    rehearsed = run(capsys, policy, "rehearse", path, "--signer", signer)
    assert rehearsed.code == 0, rehearsed.stderr
    proposed = run(capsys, policy, "propose", path, "--signer", signer)
    assert proposed.code == 0, proposed.stderr
    return str(safe_tx_hash)


def _store(policy: Path, safe_tx_hash: str, owner: str, signature: bytes) -> None:
    """Put a confirmation in the shared proposal folder, as another tool or person might."""
    stored = policy.parent / "proposals" / f"31337-{safe_tx_hash}.json"
    document = json.loads(stored.read_text())
    document["signatures"][owner] = "0x" + signature.hex()
    stored.write_text(json.dumps(document))


def _eth_sign(key: str, safe_tx_hash: str) -> bytes:
    from eth_account import Account
    from eth_account.messages import encode_defunct

    message = encode_defunct(primitive=bytes.fromhex(safe_tx_hash[2:]))
    raw = bytes(Account.from_key(key).sign_message(message).signature)
    return raw[:64] + bytes([raw[64] + 4])


def _approved_form(owner: str) -> bytes:
    return bytes(12) + bytes.fromhex(owner[2:]) + bytes(32) + b"\x01"


def _paid_to_cold(w3: Web3, devnet: Deployment) -> int:
    from safeops.core.decoding.selectors import encode_call
    from safeops.devnet.deploy import COLD_WALLET

    data = encode_call("balanceOf(address)", COLD_WALLET)
    return int.from_bytes(
        bytes(w3.eth.call({"to": devnet.contracts["token"], "data": data})), "big"
    )


def test_one_eth_sign_and_one_missing_approval_do_not_block_two_eip712_owners(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    w3: Web3,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Four owners, threshold 2: alice and bob sign EIP-712, carol gave an eth_sign signature
    (the default policy does not count them), oncall's "approved hash" was never approved on
    chain. The two EIP-712 signatures execute; the other two are named as skipped."""
    monkeypatch.chdir(tmp_path)
    admin, signers = devnet.safes["admin"], devnet.signers
    as_safe(w3, admin, "addOwnerWithThreshold(address,uint256)", signers["oncall"], 2)
    text = _admin(render_policy(devnet, anvil.rpc_url), ["alice", "bob", "carol", "oncall"], 2)
    policy = _policy(tmp_path, text)
    safe_tx_hash = _proposed_withdrawal(capsys, policy, "alice")
    assert run(capsys, policy, "sign", safe_tx_hash, "--signer", "bob").code == 0
    _store(policy, safe_tx_hash, signers["carol"], _eth_sign(DEV_KEYS["carol"], safe_tx_hash))
    _store(policy, safe_tx_hash, signers["oncall"], _approved_form(signers["oncall"]))
    (pending,) = run(capsys, policy, "queue").json["pending"]
    assert (pending["confirmations"], pending["threshold"]) == (2, 2)
    assert {s["owner"] for s in pending["skipped"]} == {signers["carol"], signers["oncall"]}
    before = _paid_to_cold(w3, devnet)

    executed = run(capsys, policy, "execute", safe_tx_hash, "--signer", "alice")

    assert executed.code == 0, executed.stderr
    assert executed.json["success"] is True
    assert _paid_to_cold(w3, devnet) == before + 3 * 10**6
    block = w3.eth.block_number - 1
    assert sorted(executed.json["skipped_confirmations"], key=lambda s: s["owner"]) == sorted(
        [
            {
                "owner": signers["carol"],
                "reason": "eth_sign signature: the policy does not count them "
                "(signatures.eth_sign)",
            },
            {
                "owner": signers["oncall"],
                "reason": "approved hash: no approveHash of this safeTxHash on chain at block "
                f"{block}",
            },
        ],
        key=lambda s: s["owner"],
    )


def _nested_safe_signature(w3: Web3, nested: str, parent_tx_preimage: bytes) -> bytes:
    """The nested Safe's EIP-1271 signature of the parent's transaction: carol (its 1-of-1
    owner) signs the SafeMessage its fallback handler checks; r = nested, s = 65, v = 0."""
    from eth_abi.abi import encode
    from eth_account import Account
    from eth_hash.auto import keccak

    from safeops.core.transactions.safe_tx import domain_hash

    message = keccak(
        encode(["bytes32", "bytes32"], [SAFE_MSG_TYPEHASH, keccak(parent_tx_preimage)])
    )
    digest = keccak(b"\x19\x01" + domain_hash(nested, w3.eth.chain_id, V141) + message)
    inner = bytes(Account.from_key(DEV_KEYS["carol"]).unsafe_sign_hash(digest).signature)
    static = bytes(12) + bytes.fromhex(nested[2:]) + (65).to_bytes(32, "big") + b"\x00"
    return static + len(inner).to_bytes(32, "big") + inner


def test_approved_hash_nested_safe_and_eth_sign_execute_where_the_policy_allows(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    w3: Web3,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Threshold 3 met by three kinds the Safe verifies itself: oncall's approveHash on chain,
    a nested Safe's contract signature and carol's eth_sign (allowed by this policy). Each is
    imported with `sign --signature`; a stranger's entry is shown as not counted."""
    from eth_account import Account
    from safe_eth.eth import EthereumClient

    from safeops.core.plan import plan_from_json
    from safeops.devnet.deploy import create_safe

    monkeypatch.chdir(tmp_path)
    admin, signers = devnet.safes["admin"], devnet.signers
    nested = create_safe(EthereumClient(anvil.rpc_url), [signers["carol"]], 1, salt=77)  # type: ignore[arg-type]
    as_safe(w3, admin, "addOwnerWithThreshold(address,uint256)", signers["oncall"], 2)
    as_safe(w3, admin, "addOwnerWithThreshold(address,uint256)", nested, 3)
    keyless = f'[signers.vault_safe]\naddress = "{nested}"\nroles = ["signer"]\n\n'
    text = _admin(
        render_policy(devnet, anvil.rpc_url),
        ["alice", "bob", "carol", "oncall", "vault_safe"],
        3,
        extra="signatures = { eth_sign = true, approved_hash = true, contract = true }\n",
    )
    policy = _policy(tmp_path, text + "\n" + keyless)
    safe_tx_hash = _proposed_withdrawal(capsys, policy, "alice")
    stored = policy.parent / "proposals" / f"31337-{safe_tx_hash}.json"
    document = json.loads(stored.read_text())
    document["signatures"] = {}  # alice's own signature withdrawn: only the mixed kinds remain
    stored.write_text(json.dumps(document))
    plan = plan_from_json(document["plan"])
    hashes = safe_tx_hashes(plan.tx, plan.chain_id, V141)
    contract_signature = _nested_safe_signature(
        w3, nested, b"\x19\x01" + hashes.domain_hash + hashes.message_hash
    )
    w3.eth.send_transaction(  # oncall approves on chain, from its own (anvil-unlocked) account
        {"from": signers["oncall"], "to": admin, "data": "0xd4d9bdcd" + safe_tx_hash[2:]}  # type: ignore[typeddict-item]
    )
    forged = contract_signature[:-2] + bytes([contract_signature[-2] ^ 1]) + contract_signature[-1:]
    refused = run(capsys, policy, "sign", safe_tx_hash, "--signature", "0x" + forged.hex())
    assert refused.code == 1
    assert "contract signature: the owner's isValidSignature refused it at block" in refused.stderr
    for signature in (
        _approved_form(signers["oncall"]),
        contract_signature,
        _eth_sign(DEV_KEYS["carol"], safe_tx_hash),
    ):
        imported = run(capsys, policy, "sign", safe_tx_hash, "--signature", "0x" + signature.hex())
        assert imported.code == 0, imported.stderr
    assert imported.json["confirmations"] == 3
    stranger = Account.from_key(STRANGER_KEY)
    _store(
        policy,
        safe_tx_hash,
        stranger.address,
        bytes(stranger.unsafe_sign_hash(bytes.fromhex(safe_tx_hash[2:])).signature),
    )
    before = _paid_to_cold(w3, devnet)

    executed = run(capsys, policy, "execute", safe_tx_hash, "--signer", "alice", json_out=False)

    assert executed.code == 0, executed.stderr
    assert f"executed {safe_tx_hash}" in " ".join(executed.stdout.split())
    assert f"not counted {stranger.address}: not an owner now" in " ".join(executed.stdout.split())
    assert _paid_to_cold(w3, devnet) == before + 3 * 10**6
