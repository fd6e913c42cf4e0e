"""The hardware-wallet path, with Foundry's cast (npm @foundry-rs/cast, pinned) and a keystore in
place of the device: export the typed data, sign it with `cast wallet sign --data --from-file`,
import the signature. A Ledger or Trezor runs the same command with --ledger or --trezor."""

from __future__ import annotations

import json
import platform
import subprocess
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
ROOT = Path(__file__).resolve().parents[2]
PLATFORMS = {("Linux", "x86_64"): "linux-amd64", ("Linux", "aarch64"): "linux-arm64"}


def _cast() -> Path:
    suffix = PLATFORMS.get((platform.system(), platform.machine()))
    path = ROOT / "node_modules" / "@foundry-rs" / f"cast-{suffix}" / "bin" / "cast"
    if suffix is None or not path.is_file():
        pytest.fail(f"cast not found at {path}: run `npm install` (./scripts/test does)")
    return path


def run(capsys: pytest.CaptureFixture[str], policy: Path, *args: str) -> Run:
    return cli(capsys, "--json", "--policy", str(policy), *args)


def test_export_sign_with_cast_and_import(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    w3: Web3,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from eth_account.messages import encode_typed_data

    monkeypatch.chdir(tmp_path)
    write_keystores(tmp_path / "keys")
    policy = tmp_path / "policy.toml"
    policy.write_text(render_policy(devnet, anvil.rpc_url))
    args = ("withdraw", "main", "--token", "dUSD", "--amount", "5", "--to", "cold")
    planned = run(capsys, policy, "plan", *args)
    path, safe_tx_hash = planned.json["plan"], planned.json["safe_tx_hash"]
    assert run(capsys, policy, "rehearse", path).code == 0
    assert run(capsys, policy, "propose", path, "--signer", "alice").code == 0

    exported = run(capsys, policy, "sign", safe_tx_hash, "--export-typed-data", "td.json")
    assert exported.code == 0, exported.stderr
    # What the device shows for EIP-712: the domain hash and the message hash, which safeops
    # prints too (`sign`, `plan`, `tx hash`): the signer compares them before approving.
    typed = json.loads((tmp_path / "td.json").read_text())
    shown = encode_typed_data(full_message=typed)
    assert exported.json["domain_hash"] == "0x" + shown.header.hex()
    assert exported.json["message_hash"] == "0x" + shown.body.hex()

    signed = subprocess.run(
        [
            str(_cast()),
            "wallet",
            "sign",
            "--data",
            "--from-file",
            "td.json",
            "--keystore",
            "keys/bob.json",
            "--password-file",
            "keys/password",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    signature = signed.stdout.strip()
    assert signature.startswith("0x")
    assert len(signature) == 132
    assert int(signature[-2:], 16) in (27, 28)
    # Ledger-style: the bare recovery id as v (0/1). safeops makes it 27/28, as the Safe wants.
    device = signature[:-2] + f"{int(signature[-2:], 16) - 27:02x}"
    imported = run(capsys, policy, "sign", safe_tx_hash, "--signature", device)
    assert imported.code == 0, imported.stderr
    assert (imported.json["signed_by"], imported.json["confirmations"]) == (
        devnet.signers["bob"],
        2,
    )
    stored = json.loads((tmp_path / "proposals" / f"{safe_tx_hash}.json").read_text())
    assert stored["signatures"][devnet.signers["bob"]] == signature.lower()
    executed = run(capsys, policy, "execute", safe_tx_hash, "--signer", "alice")
    assert executed.code == 0, executed.stderr
    assert executed.json["success"] is True
