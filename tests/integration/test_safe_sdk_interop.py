"""Interop with the Safe team's own SDK from npm (protocol-kit, api-kit), on the devnet and the
Service stand-in: same hashes and signatures, signatures and proposals passed both ways."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from safeops import __version__
from safeops.chain.anvil import AnvilProcess
from safeops.core.transactions.safe_tx import SafeTx, SafeVersion, safe_tx_hashes
from safeops.core.transactions.typed_data import safe_tx_typed_data
from safeops.devnet.deploy import DEV_KEYS
from safeops.devnet.keystores import write_keystores
from safeops.devnet.policy_file import render_policy
from tests.helpers import Run, cli
from tests.safe_sdk import (
    run_sdk,
    safes_of_each_version,
    sdk_account,
    sdk_request,
    sdk_transaction,
)
from tests.service_standin import SafeInfo, ServiceStandIn

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
TRANSACTIONS_PER_VERSION = 8
ZERO = "0x" + "00" * 20


def _random_tx(rng: random.Random, safe: str) -> SafeTx:
    from eth_utils import to_checksum_address

    def address() -> str:
        return to_checksum_address(rng.randbytes(20))

    def number() -> int:
        return rng.choice([0, 1, rng.randrange(2**32), rng.randrange(2**256)])

    return SafeTx(
        safe=safe,
        to=address(),
        value=number(),
        data=rng.randbytes(rng.choice([0, 4, 36, rng.randrange(300)])),
        operation=rng.randrange(2),
        safe_tx_gas=number(),
        base_gas=number(),
        gas_price=number(),
        gas_token=address() if rng.random() < 0.3 else ZERO,
        refund_receiver=address() if rng.random() < 0.3 else ZERO,
        nonce=rng.randrange(2**40),  # protocol-kit takes the nonce as a JavaScript number
    )


def test_protocol_kit_hashes_and_signs_as_safeops_for_every_version(
    anvil: AnvilProcess, devnet: Deployment, w3: Web3
) -> None:
    """Random transactions on Safes 1.1.1, 1.3.0, 1.4.1 and 1.5.0: protocol-kit's offline
    safeTxHash, the Safe's own (through protocol-kit) and safeops' are one; its EIP-712
    signature is byte for byte the one safeops signs from its typed data."""
    from eth_account import Account

    alice = Account.from_key(DEV_KEYS["alice"])
    made = safes_of_each_version(anvil.rpc_url, devnet, [alice.address])
    rng = random.Random("safeops interop")
    accounts, expected = [], []
    for version, (singleton, safe) in made.items():
        txs = [_random_tx(rng, safe) for _ in range(TRANSACTIONS_PER_VERSION)]
        accounts.append(
            {
                **sdk_account(safe, DEV_KEYS["alice"], singleton),
                "transactions": [sdk_transaction(t) for t in txs],
            }
        )
        for tx in txs:
            parsed = SafeVersion.parse(version)
            typed = safe_tx_typed_data(tx, 31337, parsed)
            signature = bytes(alice.sign_typed_data(full_message=typed).signature)
            ours = safe_tx_hashes(tx, 31337, parsed).safe_tx_hash.hex0x
            expected.append((version, ours, "0x" + signature.hex()))
    results = run_sdk(sdk_request("hashes", anvil.rpc_url, safes=accounts))["results"]
    seen = [(r["version"], r["offline"], r["signature"]) for r in results]
    assert seen == expected
    assert [r["onchain"] for r in results] == [r["offline"] for r in results]
    assert sorted({r["version"] for r in results}) == ["1.1.1", "1.3.0", "1.4.1", "1.5.0"]


# -- flows on the devnet's admin Safe (2-of-3: alice, bob, carol) --------------------------------


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_keystores(tmp_path / "keys")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def standin(anvil: AnvilProcess, devnet: Deployment) -> Iterator[ServiceStandIn]:
    """The Service stand-in, checking contract and approved-hash signatures on the devnet."""
    signers = devnet.signers
    with ServiceStandIn(rpc_url=anvil.rpc_url) as service:
        owners = [signers["alice"], signers["bob"], signers["carol"]]
        service.safes[devnet.safes["admin"]] = SafeInfo(owners, threshold=2, nonce=0)
        yield service


def _policy(workdir: Path, devnet: Deployment, anvil: AnvilProcess, service: str | None) -> Path:
    text = render_policy(devnet, anvil.rpc_url)
    if service is not None:
        guardian, admin = text.split("[safes.admin]")
        local = 'proposals = "local:proposals"'
        text = (
            guardian + "[safes.admin]" + admin.replace(local, f'proposals = "tx-service:{service}"')
        )
    path = workdir / "policy.toml"
    path.write_text(text)
    return path


def run(capsys: pytest.CaptureFixture[str], policy: Path, *args: str) -> Run:
    return cli(capsys, "--json", "--policy", str(policy), *args)


def _rehearsed_withdrawal(capsys: pytest.CaptureFixture[str], policy: Path) -> tuple[str, Any]:
    from safeops.core.plan import plan_from_json

    args = ("withdraw", "main", "--token", "dUSD", "--amount", "4", "--to", "cold")
    planned = run(capsys, policy, "plan", *args)
    assert planned.code == 0, planned.stderr
    rehearsed = run(capsys, policy, "rehearse", planned.json["plan"], "--signer", "alice")
    assert rehearsed.code == 0, rehearsed.stderr
    plan = plan_from_json(json.loads(Path(planned.json["plan"]).read_text()))
    return planned.json["plan"], plan


def test_a_protocol_kit_signature_is_accepted_by_sign(
    capsys: pytest.CaptureFixture[str],
    workdir: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    w3: Web3,
) -> None:
    policy = _policy(workdir, devnet, anvil, None)
    path, plan = _rehearsed_withdrawal(capsys, policy)
    assert run(capsys, policy, "propose", path, "--signer", "alice").code == 0
    admin = devnet.safes["admin"]
    account = {**sdk_account(admin, DEV_KEYS["bob"]), "transactions": [sdk_transaction(plan.tx)]}
    (signed,) = run_sdk(sdk_request("hashes", anvil.rpc_url, safes=[account]))["results"]
    assert signed["onchain"] == plan.safe_tx_hash.hex0x
    imported = run(
        capsys, policy, "sign", plan.safe_tx_hash.hex0x, "--signature", signed["signature"]
    )
    assert imported.code == 0, imported.stderr
    assert (imported.json["signed_by"], imported.json["confirmations"]) == (
        devnet.signers["bob"],
        2,
    )
    executed = run(capsys, policy, "execute", plan.safe_tx_hash.hex0x, "--signer", "alice")
    assert executed.code == 0, executed.stderr
    assert (executed.json["success"], executed.json["skipped_confirmations"]) == (True, [])


def test_a_nested_safe_signature_built_by_protocol_kit_is_accepted(
    capsys: pytest.CaptureFixture[str],
    workdir: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    w3: Web3,
) -> None:
    """A nested Safe owns the admin Safe; carol, its owner, signs through protocol-kit, which
    builds the contract signature (buildContractSignature, buildSignatureBytes). safeops checks
    it with the nested Safe's isValidSignature, and the admin Safe executes with it."""
    from safe_eth.eth import EthereumClient

    from safeops.devnet.deploy import create_safe
    from tests.chain_helpers import as_safe
    from tests.integration.test_mixed_signers import _admin

    admin, carol = devnet.safes["admin"], devnet.signers["carol"]
    nested = create_safe(EthereumClient(anvil.rpc_url), [carol], 1, salt=91)  # type: ignore[arg-type]
    as_safe(w3, admin, "addOwnerWithThreshold(address,uint256)", nested, 2)
    text = _admin(render_policy(devnet, anvil.rpc_url), ["alice", "bob", "carol", "nested"], 2)
    policy = workdir / "policy.toml"
    policy.write_text(text + f'\n[signers.nested]\naddress = "{nested}"\nroles = ["signer"]\n')
    path, plan = _rehearsed_withdrawal(capsys, policy)
    assert run(capsys, policy, "propose", path, "--signer", "alice").code == 0
    answer = run_sdk(
        sdk_request(
            "nested",
            anvil.rpc_url,
            transaction=sdk_transaction(plan.tx),
            parent=sdk_account(admin, DEV_KEYS["carol"]),
            child=sdk_account(nested, DEV_KEYS["carol"]),
        )
    )
    assert answer["safeTxHash"] == plan.safe_tx_hash.hex0x
    assert answer["signature"][2:66].lower() == "00" * 12 + nested[2:].lower()  # r: the Safe
    imported = run(
        capsys, policy, "sign", plan.safe_tx_hash.hex0x, "--signature", answer["signature"]
    )
    assert imported.code == 0, imported.stderr
    assert (imported.json["signed_by"], imported.json["confirmations"]) == (nested, 2)
    executed = run(capsys, policy, "execute", plan.safe_tx_hash.hex0x, "--signer", "alice")
    assert executed.code == 0, executed.stderr
    assert (executed.json["success"], executed.json["skipped_confirmations"]) == (True, [])


def test_api_kit_proposes_and_confirms_safeops_reviews_signs_and_executes(
    capsys: pytest.CaptureFixture[str],
    workdir: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    standin: ServiceStandIn,
    w3: Web3,
) -> None:
    """alice proposes with api-kit, carol confirms with it; safeops finds the proposal in the
    Service, reviews it against its own plan, bob signs with safeops and alice executes.

    api-kit's documented proposal signs with protocol-kit's signHash, which is eth_sign: the
    default policy does not count it, so alice's confirmation is named as skipped."""
    policy = _policy(workdir, devnet, anvil, standin.url)
    _, plan = _rehearsed_withdrawal(capsys, policy)
    admin = devnet.safes["admin"]
    answer = run_sdk(
        sdk_request(
            "propose",
            anvil.rpc_url,
            serviceUrl=standin.url,
            transaction=sdk_transaction(plan.tx),
            proposer=sdk_account(admin, DEV_KEYS["alice"]),
            confirmers=[sdk_account(admin, DEV_KEYS["carol"])],
            origin='{"name": "api-kit test"}',
        )
    )
    assert answer["safeTxHash"] == plan.safe_tx_hash.hex0x
    # What api-kit really sends, which the stand-in accepted as the Service would:
    (propose,) = [r for r in standin.requests if r.method == "POST" and "safes" in r.path]
    assert propose.path == f"/api/v2/safes/{admin}/multisig-transactions/"
    assert propose.headers["content-type"] == "application/json"
    assert propose.headers["accept"] == "application/json"
    assert sorted(propose.body) == sorted(
        [*sdk_transaction(plan.tx), "contractTransactionHash", "sender", "signature", "origin"]
    )
    assert (propose.body["value"], propose.body["nonce"]) == ("0", 0)  # strings and a number
    (confirm,) = [r for r in standin.requests if r.path.endswith("/confirmations/")]
    assert confirm.path == f"/api/v1/multisig-transactions/{plan.safe_tx_hash.hex0x}/confirmations/"

    reviewed = run(capsys, policy, "review", plan.safe_tx_hash.hex0x)
    assert reviewed.code == 0, reviewed.stderr
    assert (reviewed.json["safe_tx_hash"], reviewed.json["ok"]) == (plan.safe_tx_hash.hex0x, True)
    signed = run(capsys, policy, "sign", plan.safe_tx_hash.hex0x, "--signer", "bob")
    assert signed.code == 0, signed.stderr
    assert signed.json["confirmations"] == 2  # carol's and bob's; alice's is eth_sign
    executed = run(capsys, policy, "execute", plan.safe_tx_hash.hex0x, "--signer", "alice")
    assert executed.code == 0, executed.stderr
    assert executed.json["success"] is True
    assert executed.json["skipped_confirmations"] == [
        {
            "owner": devnet.signers["alice"],
            "reason": "eth_sign signature: the policy does not count them (signatures.eth_sign)",
        }
    ]


def test_an_approval_the_service_lists_without_signature_counts_once_on_chain(
    capsys: pytest.CaptureFixture[str],
    workdir: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    standin: ServiceStandIn,
    w3: Web3,
) -> None:
    """bob approves the hash on chain; the Service (its indexer) lists that confirmation with a
    null signature. safeops reads approvedHashes at the pinned block and counts it."""
    policy = _policy(workdir, devnet, anvil, standin.url)
    _, plan = _rehearsed_withdrawal(capsys, policy)
    admin, bob = devnet.safes["admin"], devnet.signers["bob"]
    run_sdk(
        sdk_request(
            "propose",
            anvil.rpc_url,
            serviceUrl=standin.url,
            transaction=sdk_transaction(plan.tx),
            proposer=sdk_account(admin, DEV_KEYS["alice"]),
            proposerSigns="eip712",
        )
    )
    standin.approve_on_chain(plan.safe_tx_hash.hex0x, bob)
    early = run(capsys, policy, "execute", plan.safe_tx_hash.hex0x, "--signer", "alice")
    assert early.code == 1
    assert "no approveHash of this safeTxHash on chain" in early.stderr
    # The stand-in, like the Service, checks a posted v = 1 signature on chain (safe-eth-py).
    approval = {"signature": "0x" + "00" * 12 + bob[2:].lower() + "00" * 32 + "01"}
    path = f"{standin.url}/api/v1/multisig-transactions/{plan.safe_tx_hash.hex0x}/confirmations/"
    assert requests.post(path, json=approval, timeout=10).status_code == 400
    tx = {"from": bob, "to": admin, "data": "0xd4d9bdcd" + plan.safe_tx_hash.hex0x[2:]}
    w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(tx))  # type: ignore[arg-type]
    assert requests.post(path, json=approval, timeout=10).status_code == 201
    executed = run(capsys, policy, "execute", plan.safe_tx_hash.hex0x, "--signer", "alice")
    assert executed.code == 0, executed.stderr
    assert (executed.json["success"], executed.json["skipped_confirmations"]) == (True, [])


def test_a_safeops_proposal_reads_back_unchanged_in_api_kit(
    capsys: pytest.CaptureFixture[str],
    workdir: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    standin: ServiceStandIn,
    w3: Web3,
) -> None:
    policy = _policy(workdir, devnet, anvil, standin.url)
    path, plan = _rehearsed_withdrawal(capsys, policy)
    assert run(capsys, policy, "propose", path, "--signer", "alice").code == 0
    assert run(capsys, policy, "sign", plan.safe_tx_hash.hex0x, "--signer", "bob").code == 0
    stored = standin.transactions[plan.safe_tx_hash.hex0x].confirmations
    answer = run_sdk(
        sdk_request(
            "get",
            anvil.rpc_url,
            serviceUrl=standin.url,
            safeTxHash=plan.safe_tx_hash.hex0x,
            safe=devnet.safes["admin"],
        )
    )
    read = answer["transaction"]
    expected = sdk_transaction(plan.tx)
    assert {key: read[key] for key in expected} == expected
    assert (read["safe"], read["safeTxHash"]) == (devnet.safes["admin"], plan.safe_tx_hash.hex0x)
    assert {(c["owner"], c["signature"]) for c in read["confirmations"]} == {
        (owner, c.signature) for owner, c in stored.items()
    }
    assert {c["owner"] for c in read["confirmations"]} == {
        devnet.signers["alice"],
        devnet.signers["bob"],
    }
    assert json.loads(read["origin"]) == {"name": f"safeops {__version__}"}
    assert answer["pending"] == [plan.safe_tx_hash.hex0x]
