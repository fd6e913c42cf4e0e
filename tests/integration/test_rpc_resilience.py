"""Several RPCs per Safe through a proxy in front of anvil: a dead, dropping or slow primary
falls over with a warning; RPCs that lie about the chain, its head or the Safe stop the flow."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from safeops.chain.anvil import AnvilProcess, free_port
from safeops.chain.rpc import HEALTH_TIMEOUT_S
from safeops.core.decoding.selectors import encode_call
from safeops.devnet.keystores import write_keystores
from safeops.devnet.policy_file import render_policy
from tests.helpers import Run, cli
from tests.rpc_proxy import Mode, RpcProxy, rpc_proxy

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
PLACEHOLDER = "http://placeholder.invalid"
STRANGER = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"
NONCE = encode_call("nonce()").hex()
GET_OWNERS = encode_call("getOwners()").hex()
HEALTH_CHECK = ["eth_chainId", "eth_getBlockByNumber"]  # one batch, the run's only eth_chainId


@pytest.fixture
def proxy(anvil: AnvilProcess) -> Iterator[RpcProxy]:
    with rpc_proxy(anvil.rpc_url) as running:
        yield running


@pytest.fixture
def dead() -> str:
    """Nothing listens there: connection refused. The path plays an API key."""
    return f"http://127.0.0.1:{free_port()}/v2/DEAD-API-KEY"


def write_policy(folder: Path, devnet: Deployment, urls: list[str]) -> Path:
    path = folder / "policy.toml"
    text = render_policy(devnet, PLACEHOLDER)
    path.write_text(text.replace(json.dumps([PLACEHOLDER]), json.dumps(urls)))
    return path


def check(capsys: pytest.CaptureFixture[str], policy: Path) -> Run:
    return cli(capsys, "--json", "--policy", str(policy), "policy", "check")


def label(url: str) -> str:
    """How safeops shows a URL: scheme, host and port; the path (the API key) hidden."""
    return url.split("/v2/")[0] + "/…" if "/v2/" in url else url


def no_secret(run: Run) -> None:
    for key in ("DEAD-API-KEY", "PROXY-API-KEY"):
        assert key not in run.stdout + run.stderr


def _call_data(params: list[Any]) -> str:
    call = params[0] if params and isinstance(params[0], dict) else {}
    return str(call.get("data") or call.get("input") or "")


# ---------------------------------------------------------------------------------------------
# Failover: the command succeeds and says what it skipped.


def test_dead_primary_falls_over_with_a_warning(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    dead: str,
    w3: Web3,
) -> None:
    run = check(capsys, write_policy(tmp_path, devnet, [dead, anvil.rpc_url]))
    assert run.code == 0, run.stderr
    assert run.json["ok"] is True
    assert run.json["rpc_warnings"] == [
        f"primary RPC {label(dead)} failed on eth_chainId (connection failed): "
        f"falling over to {anvil.rpc_url}",
        f"only {anvil.rpc_url} answers of the 2 RPCs of chain 31337: its reads are not "
        "cross-checked",
    ]
    assert f"warning: primary RPC {label(dead)} failed on eth_chainId" in run.stderr
    no_secret(run)


def test_a_primary_that_drops_connections_falls_over(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    proxy: RpcProxy,
    w3: Web3,
) -> None:
    proxy.behaviour.mode = Mode.DROP
    run = check(capsys, write_policy(tmp_path, devnet, [proxy.url, anvil.rpc_url]))
    assert run.code == 0, run.stderr
    assert run.json["rpc_warnings"][0] == (
        f"primary RPC {proxy.label} failed on eth_chainId (connection failed): "
        f"falling over to {anvil.rpc_url}"
    )
    # One health check (chain id and head in one batch), then skipped for the rest of the run.
    assert proxy.behaviour.methods == HEALTH_CHECK
    no_secret(run)


def test_slow_primary_costs_one_health_timeout(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    proxy: RpcProxy,
    w3: Web3,
) -> None:
    proxy.behaviour.mode, proxy.behaviour.delay_s = Mode.DELAY, HEALTH_TIMEOUT_S + 1
    started = time.monotonic()
    run = check(capsys, write_policy(tmp_path, devnet, [proxy.url, anvil.rpc_url]))
    elapsed = time.monotonic() - started
    assert run.code == 0, run.stderr
    assert run.json["rpc_warnings"][0] == (
        f"primary RPC {proxy.label} failed on eth_chainId (no answer within 3 s): "
        f"falling over to {anvil.rpc_url}"
    )
    # Once, without retries, for both Safes of the chain: one timeout, not one per read.
    assert proxy.behaviour.methods == HEALTH_CHECK
    assert HEALTH_TIMEOUT_S <= elapsed < HEALTH_TIMEOUT_S + 2.5


def test_an_rpc_that_fails_mid_read_is_dropped(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    proxy: RpcProxy,
    w3: Web3,
) -> None:
    """Healthy at first, then its eth_calls die: the other RPC finishes the read, said so."""
    proxy.behaviour.mode, proxy.behaviour.only = Mode.DROP, frozenset({"eth_call"})
    run = check(capsys, write_policy(tmp_path, devnet, [proxy.url, anvil.rpc_url]))
    assert run.code == 0, run.stderr
    assert run.json["rpc_warnings"] == [
        f"RPC {proxy.label} failed on the Safe's state (connection failed): dropped, continuing "
        f"with {anvil.rpc_url}",
        f"only {anvil.rpc_url} answers of the 2 RPCs of chain 31337: its reads are not "
        "cross-checked",
    ]
    assert [s["live"]["threshold"] for s in run.json["safes"]] == [1, 2]


def test_a_node_a_few_blocks_behind_is_tolerated_and_reads_are_pinned_to_it(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    proxy: RpcProxy,
    w3: Web3,
) -> None:
    head = w3.eth.block_number

    def two_behind(method: str, params: list[Any], result: Any) -> Any:
        if method == "eth_getBlockByNumber" and params[0] == "latest":
            return w3.provider.make_request(method, [hex(head - 2), False])["result"]  # type: ignore[arg-type]
        return result

    proxy.behaviour.falsify = two_behind
    run = check(capsys, write_policy(tmp_path, devnet, [anvil.rpc_url, proxy.url]))
    assert run.code == 0, run.stderr
    assert [s["block"] for s in run.json["safes"]] == [head - 2, head - 2]
    assert "rpc_warnings" not in run.json


def test_every_rpc_down_is_exit_3_naming_each_redacted(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    devnet: Deployment,
    proxy: RpcProxy,
    dead: str,
) -> None:
    proxy.behaviour.mode = Mode.DROP
    run = check(capsys, write_policy(tmp_path, devnet, [dead, proxy.url]))
    assert run.code == 3
    assert run.json["error"]["type"] == "RpcUnavailable"
    assert run.json["error"]["message"] == (
        f"no RPC answers for chain 31337: RPC {label(dead)} failed on eth_chainId "
        f"(connection failed); RPC {proxy.label} failed on eth_chainId (connection failed)"
    )
    no_secret(run)


# ---------------------------------------------------------------------------------------------
# Lies: the flow stops with exit 3 and names the RPC and the field.


@pytest.mark.parametrize("liar_first", [True, False], ids=["primary", "secondary"])
def test_an_rpc_on_another_chain_stops_the_flow(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    proxy: RpcProxy,
    liar_first: bool,
) -> None:
    proxy.behaviour.falsify = lambda method, _, result: "0x1" if method == "eth_chainId" else result
    urls = [proxy.url, anvil.rpc_url] if liar_first else [anvil.rpc_url, proxy.url]
    run = check(capsys, write_policy(tmp_path, devnet, urls))
    assert run.code == 3
    assert run.json["error"]["type"] == "ChainMismatch"
    assert run.json["error"]["message"] == (
        f"RPC {proxy.label} serves chain 1, the policy says 31337"
    )


def _lie_about_nonce(method: str, params: list[Any], result: Any) -> Any:
    if method == "eth_call" and _call_data(params).removeprefix("0x") == NONCE:
        return "0x" + (int(result, 16) + 1).to_bytes(32, "big").hex()
    return result


def _lie_about_owners(method: str, params: list[Any], result: Any) -> Any:
    from eth_abi.abi import decode, encode

    if method == "eth_call" and _call_data(params).removeprefix("0x") == GET_OWNERS:
        (owners,) = decode(["address[]"], bytes.fromhex(result[2:]))
        return "0x" + encode(["address[]"], [[*owners[:-1], STRANGER]]).hex()
    return result


@pytest.mark.parametrize("liar_first", [True, False], ids=["primary", "secondary"])
@pytest.mark.parametrize("field", ["nonce", "owners"])
def test_an_rpc_lying_about_the_safe_stops_the_flow_naming_the_field(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    proxy: RpcProxy,
    w3: Web3,
    field: str,
    liar_first: bool,
) -> None:
    guardian = devnet.safes["guardian"]
    proxy.behaviour.falsify = _lie_about_nonce if field == "nonce" else _lie_about_owners
    urls = [proxy.url, anvil.rpc_url] if liar_first else [anvil.rpc_url, proxy.url]
    run = check(capsys, write_policy(tmp_path, devnet, urls))
    assert run.code == 3
    assert run.json["error"]["type"] == "RpcDisagreement"
    if field == "nonce":
        nonce = int.from_bytes(w3.eth.call({"to": guardian, "data": "0x" + NONCE}), "big")
        truth, lie = str(nonce), str(nonce + 1)
    else:
        truth, lie = devnet.signers["bob"], STRANGER  # the guardian's last owner, replaced
    first, second = (proxy.label, anvil.rpc_url) if liar_first else (anvil.rpc_url, proxy.label)
    said = f"{lie} vs {truth}" if liar_first else f"{truth} vs {lie}"
    assert run.json["error"]["message"] == (
        f"RPCs {first} and {second} disagree on Safe {guardian} at block "
        f"{w3.eth.block_number}: {field} ({said})"
    )
    assert f"error: RPCs {first} and {second} disagree" in run.stderr
    no_secret(run)


def test_a_node_far_behind_stops_the_flow(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    proxy: RpcProxy,
    w3: Web3,
) -> None:
    head = w3.eth.get_block("latest")

    def stuck(method: str, params: list[Any], result: Any) -> Any:
        if method == "eth_getBlockByNumber" and params[0] == "latest":
            return {**result, "number": hex(head["number"] - 10), "timestamp": hex(0)}
        return result

    proxy.behaviour.falsify = stuck
    run = check(capsys, write_policy(tmp_path, devnet, [anvil.rpc_url, proxy.url]))
    assert run.code == 3
    assert run.json["error"]["type"] == "RpcDisagreement"
    assert run.json["error"]["message"] == (
        f"RPC {proxy.label} is 10 blocks ({head['timestamp']} s) behind {anvil.rpc_url}: head "
        f"{head['number'] - 10} vs {head['number']}, more than the 4 blocks and 30 s tolerated"
    )


def test_same_height_another_hash_stops_the_flow(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    proxy: RpcProxy,
    w3: Web3,
) -> None:
    """Another fork of the chain with the same chain id, the Safe unchanged on it."""
    forged = "0x" + "ab" * 32
    proxy.behaviour.falsify = lambda method, params, result: (
        {**result, "hash": forged} if method == "eth_getBlockByNumber" else result
    )
    run = check(capsys, write_policy(tmp_path, devnet, [anvil.rpc_url, proxy.url]))
    assert run.code == 3
    real = w3.eth.get_block("latest")
    assert run.json["error"]["message"] == (
        f"RPCs {anvil.rpc_url} and {proxy.label} disagree on block {real['number']}: "
        f"hash 0x{bytes(real['hash']).hex()} vs {forged}"
    )


# ---------------------------------------------------------------------------------------------
# The whole path, plan to execute, with a dead primary: every step falls over and says so.


def test_plan_review_rehearse_propose_execute_through_a_dead_primary(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    dead: str,
    w3: Web3,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_keystores(tmp_path / "keys")
    policy = write_policy(tmp_path, devnet, [dead, anvil.rpc_url])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAFEOPS_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    fallover = (
        f"primary RPC {label(dead)} failed on eth_chainId (connection failed): "
        f"falling over to {anvil.rpc_url}"
    )

    def step(*args: str) -> Run:
        run = cli(capsys, "--json", "--policy", str(policy), *args)
        assert run.code == 0, run.stderr
        assert run.json["rpc_warnings"][0] == fallover, args
        assert f"warning: {fallover}" in run.stderr
        no_secret(run)
        return run

    planned = step("plan", "pause", "router")
    plan, safe_tx_hash = planned.json["plan"], planned.json["safe_tx_hash"]
    assert step("review", plan).json["simulation"]["success"] is True
    assert step("rehearse", plan, "--signer", "oncall").json["passed"] is True
    assert step("propose", plan, "--signer", "oncall").json["confirmations"] == 1
    executed = step("execute", safe_tx_hash, "--signer", "oncall")
    assert executed.json["success"] is True
    assert w3.eth.call({"to": devnet.contracts["router"], "data": "0x5c975abb"})[-1] == 1
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert fallover in audit[-1]["details"]["rpc_warnings"]
