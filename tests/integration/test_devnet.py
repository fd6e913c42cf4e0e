"""`safeops devnet up|status|down` against a real anvil, checked on chain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from safeops.devnet.manager import process_alive
from tests.helpers import Run, cli_process

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def devnet_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One devnet for the module, always taken down."""
    folder = tmp_path_factory.mktemp("devnet")
    up = cli_process("--json", "devnet", "up", "--dir", str(folder))
    assert up.code == 0, up.stderr
    yield folder
    cli_process("devnet", "down", "--dir", str(folder))


@pytest.fixture(scope="module")
def up_result(devnet_dir: Path) -> Run:
    return cli_process("--json", "devnet", "status", "--dir", str(devnet_dir))


def test_up_reports_the_contract_keys(up_result: Run) -> None:
    state = up_result.json
    for key in ("rpc_url", "chain_id", "policy", "safes", "contracts"):
        assert key in state
    assert state["running"] is True
    assert state["chain_id"] == 31337
    assert state["rpc_url"].startswith("http://127.0.0.1:")
    assert set(state["safes"]) == {"guardian", "admin"}
    assert state["contracts"]["multisend_call_only"] == "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"


def test_safes_have_separate_powers_on_chain(up_result: Run) -> None:
    from safe_eth.eth.contracts import get_safe_V1_4_1_contract
    from web3 import Web3

    state = up_result.json
    w3 = Web3(Web3.HTTPProvider(state["rpc_url"]))
    signers = state["signers"]
    guardian = get_safe_V1_4_1_contract(w3, state["safes"]["guardian"])
    admin = get_safe_V1_4_1_contract(w3, state["safes"]["admin"])
    assert guardian.functions.getThreshold().call() == 1
    assert guardian.functions.getOwners().call() == [signers[n] for n in ("oncall", "alice", "bob")]
    assert admin.functions.getThreshold().call() == 2
    assert admin.functions.getOwners().call() == [signers[n] for n in ("alice", "bob", "carol")]
    assert guardian.functions.VERSION().call() == "1.4.1"
    # The guardian may pause but not unpause; the admin may do both.
    service_abi = [
        {
            "type": "function",
            "name": "hasRole",
            "stateMutability": "view",
            "inputs": [{"type": "bytes32", "name": "r"}, {"type": "address", "name": "a"}],
            "outputs": [{"type": "bool", "name": ""}],
        },
    ]
    router = w3.eth.contract(address=state["contracts"]["router"], abi=service_abi)
    pauser, unpauser = Web3.keccak(text="PAUSER_ROLE"), Web3.keccak(text="UNPAUSER_ROLE")
    assert router.functions.hasRole(pauser, guardian.address).call()
    assert not router.functions.hasRole(unpauser, guardian.address).call()
    assert router.functions.hasRole(unpauser, admin.address).call()
    assert w3.eth.get_balance(state["contracts"]["vault"]) == 25 * 10**18


def test_policy_and_keystores_are_written(up_result: Run, devnet_dir: Path) -> None:
    import tomllib

    policy = tomllib.loads(Path(up_result.json["policy"]).read_text())
    assert policy["safes"]["guardian"]["expect"]["threshold"] == 1
    assert policy["signers"]["oncall"]["address"] == up_result.json["signers"]["oncall"]
    keys = devnet_dir / "keys"
    assert oct(keys.stat().st_mode & 0o777) == "0o700"
    for name in ("oncall", "alice", "bob", "carol", "password"):
        path = keys / (name if name == "password" else f"{name}.json")
        assert oct(path.stat().st_mode & 0o777) == "0o600", path


def test_keystores_hold_the_policy_addresses(up_result: Run, devnet_dir: Path) -> None:
    from eth_account import Account

    password = (devnet_dir / "keys" / "password").read_text().strip()
    for name, address in up_result.json["signers"].items():
        keystore = (devnet_dir / "keys" / f"{name}.json").read_text()
        assert Account.from_key(Account.decrypt(keystore, password)).address == address


def test_second_up_reports_the_running_devnet(devnet_dir: Path, up_result: Run) -> None:
    again = cli_process("--json", "devnet", "up", "--dir", str(devnet_dir))
    assert again.code == 0
    assert again.json["started"] is False
    assert again.json["pid"] == up_result.json["pid"]


def test_examples_hash_like_the_contract(up_result: Run) -> None:
    examples = up_result.json["examples"]
    pause = cli_process(
        "--json",
        "tx",
        "hash",
        "--file",
        examples["pause-all"],
        "--chain-id",
        "31337",
        "--safe-version",
        "1.4.1",
    )
    assert pause.code == 0, pause.stderr
    assert pause.json["hash_matches"] is True
    assert pause.json["warnings"] == []
    assert [c["to"] for c in pause.json["decoded"]["inner"]] == [
        up_result.json["contracts"][n] for n in ("router", "lending", "vault")
    ]
    bybit = cli_process(
        "--json",
        "tx",
        "hash",
        "--file",
        examples["bybit-shaped"],
        "--chain-id",
        "31337",
        "--safe-version",
        "1.4.1",
    )
    assert bybit.code == 0
    assert [w["code"] for w in bybit.json["warnings"]] == ["UNTRUSTED_DELEGATECALL"]


def test_down_stops_anvil_and_status_says_so(tmp_path: Path) -> None:
    up = cli_process("--json", "devnet", "up", "--dir", str(tmp_path))
    assert up.code == 0, up.stderr
    pid = up.json["pid"]
    down = cli_process("--json", "devnet", "down", "--dir", str(tmp_path))
    assert down.json == {"stopped": True, "pid": pid, "warnings": []}
    assert not process_alive(pid)
    status = cli_process("--json", "devnet", "status", "--dir", str(tmp_path))
    assert status.json == {"running": False}
    assert not (tmp_path / "keys").exists()
    assert cli_process("--json", "devnet", "down", "--dir", str(tmp_path)).json["stopped"] is False


def test_up_without_anvil_is_an_environment_error(tmp_path: Path) -> None:
    result = cli_process(
        "devnet",
        "up",
        "--dir",
        str(tmp_path),
        env={"SAFEOPS_ANVIL": str(tmp_path / "missing-anvil")},
    )
    assert result.code == 3
    assert "npm install" in result.stderr
    assert "Traceback" not in result.stderr


def test_up_with_several_chains_spans_them_in_one_policy_and_down_stops_them_all(
    tmp_path: Path,
) -> None:
    up = cli_process("--json", "devnet", "up", "--dir", str(tmp_path), "--chains", "2")
    try:
        assert up.code == 0, up.stderr
        chains = up.json["chains"]
        assert [(c["chain_id"], c["suffix"], c["canonical"]) for c in chains] == [
            (31337, "", True),
            (31338, "_2", False),
        ]
        assert len({c["rpc_url"] for c in chains}) == 2
        policy = up.json["policy"]
        valid = cli_process("--json", "--policy", policy, "policy", "validate")
        assert valid.code == 0, valid.stderr
        checked = cli_process("--json", "--policy", policy, "policy", "check")
        assert checked.code == 0, checked.stderr
        text = Path(policy).read_text()
        assert text.count("libraries = { multisend_call_only = ") == 2  # guardian_2, admin_2
        assert "[safes.guardian_2]" in text
        assert "[targets.router_2]" in text
        again = cli_process("--json", "devnet", "up", "--dir", str(tmp_path), "--chains", "3")
        assert again.code == 2
        assert "devnet down" in again.stderr
    finally:
        down = cli_process("--json", "devnet", "down", "--dir", str(tmp_path))
    assert down.json["stopped"] is True
    assert not any(process_alive(c["pid"]) for c in up.json["chains"])
