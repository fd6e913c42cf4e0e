"""What one emergency pause asks of its RPC, counted by a proxy: few HTTP requests, one chain id
per RPC, one read of the Safe; and the rehearsal fork's warm-up, which is only a cache."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from safeops.chain.access_list import rehearsal_prefetch
from safeops.chain.anvil import AnvilProcess
from safeops.chain.rpc import connect
from safeops.chain.safe_reader import read_safe
from safeops.core.actions import plan_pause
from safeops.core.decoding.selectors import encode_call
from safeops.core.hexes import word_hex
from safeops.core.policy import load_policy
from safeops.core.transactions.safe_tx import SafeVersion
from safeops.devnet.keystores import write_keystores
from safeops.devnet.policy_file import render_policy
from safeops.fork.node import open_fork
from safeops.fork.rehearsal import rehearse_on_fork
from safeops.fork.warm import warm_fork
from safeops.keys import keystore
from tests.helpers import Run, cli
from tests.rpc_proxy import Behaviour, Mode, RpcProxy, rpc_proxy

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
GET_OWNERS = "0x" + encode_call("getOwners()").hex()
PAUSED = "0x" + encode_call("paused()").hex()
# Counts, not timings: a pause needs about a dozen requests of its own (health check, Safe read,
# code of the targets, simulation, access lists, fresh pin, the views before, final
# simulation, fees, send, receipt, proof).
MAX_TOOL_REQUESTS = 14
MAX_FORK_REQUESTS = 70  # the fork's fetches: about 45, nearly all of them at once
PLACEHOLDER = "http://placeholder.invalid"


@pytest.fixture
def proxy(anvil: AnvilProcess) -> Iterator[RpcProxy]:
    with rpc_proxy(anvil.rpc_url) as running:
        yield running


@pytest.fixture
def second_proxy(anvil: AnvilProcess) -> Iterator[RpcProxy]:
    with rpc_proxy(anvil.rpc_url) as running:
        yield running


def _emergency_setup(
    tmp_path: Path, devnet: Deployment, urls: list[str], monkeypatch: pytest.MonkeyPatch
) -> Path:
    write_keystores(tmp_path / "keys")
    policy = tmp_path / "policy.toml"
    text = render_policy(devnet, PLACEHOLDER)
    policy.write_text(text.replace(json.dumps([PLACEHOLDER]), json.dumps(urls)))
    monkeypatch.chdir(tmp_path)
    return policy


def _pause(capsys: pytest.CaptureFixture[str], policy: Path) -> Run:
    args = ["--json", "--policy", str(policy), "emergency", "pause", "router"]
    run = cli(capsys, *args, "--signer", "oncall")
    assert run.code == 0, run.stderr
    assert run.json["done"] is True
    return run


def _tool_calls(behaviour: Behaviour, method: str, to: str, data: str | None = None) -> int:
    """How many `method` requests safeops sent about `to` (with `data`, for eth_call)."""

    def about(params: list[Any]) -> bool:
        first = params[0] if params else None
        if isinstance(first, dict):
            return first.get("to") == to and (data is None or first.get("data") == data)
        return first == to

    return sum(
        1 for who, m, params in behaviour.calls if who == "tool" and m == method and about(params)
    )


def _paused(w3: Web3, devnet: Deployment) -> bool:
    answer = w3.eth.call({"to": devnet.contracts["router"], "data": PAUSED})  # type: ignore[typeddict-item]
    return int.from_bytes(answer, "big") == 1


def test_one_emergency_pause_sends_few_requests_and_reads_the_safe_once(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    devnet: Deployment,
    proxy: RpcProxy,
    w3: Web3,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = _emergency_setup(tmp_path, devnet, [proxy.url], monkeypatch)

    _pause(capsys, policy)

    assert _paused(w3, devnet)
    behaviour = proxy.behaviour
    tool_posts = [methods for who, methods in behaviour.posts if who == "tool"]
    assert len(tool_posts) <= MAX_TOOL_REQUESTS, " ".join(f"{m[0]}x{len(m)}" for m in tool_posts)
    tool = behaviour.sent_by("tool")
    assert tool.count("eth_chainId") == 1  # the health check, nothing after
    assert tool_posts[0] == ["eth_chainId", "eth_getBlockByNumber"]  # which pins the run
    guardian = devnet.safes["guardian"]
    # One read of the Safe: plan, review, rehearse, propose and execute share it (the devnet
    # mines nothing in between, so execute's fresh block is the run's and its read too).
    assert _tool_calls(behaviour, "eth_getCode", guardian) == 1
    assert _tool_calls(behaviour, "eth_call", guardian, GET_OWNERS) == 1
    # The rehearsal's fork fetched what it executes from the origin through the proxy,
    # asked for all at once, and never asked for the chain id (it was given).
    fork = behaviour.sent_by("fork")
    assert 0 < len(fork) <= MAX_FORK_REQUESTS
    assert "eth_chainId" not in fork
    assert behaviour.methods.count("eth_chainId") == 1


def test_eth_chain_id_is_asked_once_per_rpc_per_run(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    devnet: Deployment,
    proxy: RpcProxy,
    second_proxy: RpcProxy,
    w3: Web3,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two RPCs, both Safes on them, a whole emergency (plan to proof): each is asked for its
    chain id once, by the health check, and both are read (the cross-check)."""
    policy = _emergency_setup(tmp_path, devnet, [proxy.url, second_proxy.url], monkeypatch)

    _pause(capsys, policy)

    for each in (proxy, second_proxy):
        assert each.behaviour.methods.count("eth_chainId") == 1
        assert _tool_calls(each.behaviour, "eth_getCode", devnet.safes["guardian"]) == 1


def test_a_keystore_is_decrypted_once_per_run(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    w3: Web3,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The on-call signer proposes (signs the Safe transaction) and executes (signs the
    Ethereum transaction): one decryption of its keystore for both."""
    policy = _emergency_setup(tmp_path, devnet, [anvil.rpc_url], monkeypatch)
    decrypted: list[str] = []
    real = keystore.decrypt_v3

    def counting(keyfile: dict[str, object], password: str) -> bytes:
        decrypted.append(str(keyfile.get("address")))
        return real(keyfile, password)

    monkeypatch.setattr(keystore, "decrypt_v3", counting)

    run = _pause(capsys, policy)

    assert run.json["confirmations"] == 1
    assert run.json["success"] is True
    assert len(decrypted) == 1


def test_a_node_without_batches_is_asked_one_request_at_a_time(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    devnet: Deployment,
    proxy: RpcProxy,
    w3: Web3,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy.behaviour.mode = Mode.NO_BATCH
    policy = _emergency_setup(tmp_path, devnet, [proxy.url], monkeypatch)

    run = cli(capsys, "--json", "--policy", str(policy), "policy", "check")

    assert run.code == 0, run.stderr
    assert [s["live"]["threshold"] for s in run.json["safes"]] == [1, 2]
    singles = [methods for who, methods in proxy.behaviour.posts if len(methods) == 1]
    assert len(singles) >= 10  # the two Safe reads, request by request


# ---------------------------------------------------------------------------------------------
# The fork's warm-up: a list of what to fetch early, never a source of values.

ACCOUNT = "0x00000000000000000000000000000000000000A1"


def _storage(rpc_w3: Web3, slot: int, block: int | str) -> int:
    raw = rpc_w3.eth.get_storage_at(ACCOUNT, slot, block)  # type: ignore[arg-type]
    return int.from_bytes(raw, "big")


def test_a_slot_not_prefetched_is_read_by_the_fork_at_its_block(
    anvil: AnvilProcess, w3: Web3
) -> None:
    pinned = w3.eth.block_number
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    for slot in (1, 2):
        w3.provider.make_request("anvil_setStorageAt", [ACCOUNT, hex(slot), word_hex(7)])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    assert (_storage(w3, 1, pinned), _storage(w3, 1, "latest")) == (0, 7)  # history kept

    with open_fork(anvil.rpc_url, 31337, pinned, pinned=True) as fork:
        reads, _ = warm_fork(fork, {ACCOUNT.lower(): frozenset({1})})
        assert reads == 2  # the account and slot 1; slot 2 is not in the list
        for slot in (1, 2):
            value = fork.request("eth_getStorageAt", [ACCOUNT, hex(slot), "latest"])
            assert int(value, 16) == 0, slot  # the pinned block's value, not the latest


def test_a_rehearsal_proves_the_same_with_or_without_the_warm_up(
    anvil: AnvilProcess, devnet: Deployment, w3: Web3, tmp_path: Path
) -> None:
    policy_path = tmp_path / "policy.toml"
    policy_path.write_text(render_policy(devnet, anvil.rpc_url))
    policy = load_policy(policy_path.read_bytes(), str(policy_path), os.environ)
    (action,) = plan_pause(policy, ["router", "lending"])
    (rpc,) = connect([anvil.rpc_url])
    block = w3.eth.block_number
    state = read_safe(rpc, devnet.safes["guardian"], block)
    assert state is not None
    plan = action.to_plan(
        policy, nonce=state.nonce, version=SafeVersion.parse("1.4.1"), created_at="2026-01-01"
    )
    prefetch = rehearsal_prefetch(rpc, [(plan.tx, plan.safe_tx_hash)], state, block)
    assert devnet.contracts["router"].lower() in prefetch  # named by eth_createAccessList

    def rehearsed(warm: bool) -> object:
        (run,) = rehearse_on_fork(
            anvil.rpc_url,
            [plan],
            [],
            fork_block=block,
            pinned=True,
            prefetch=prefetch if warm else None,
        )
        assert run.passed
        proofs = run.proofs
        return (run.block, proofs.postconditions, proofs.storage_diff, proofs.events)

    assert rehearsed(warm=True) == rehearsed(warm=False)
