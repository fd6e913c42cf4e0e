"""Every chain at once, each on its own: `emergency` on a three-chain devnet (real anvils, real
Safe contracts, one policy, one shared proposals folder). The first two chains have the same
Safe and contract addresses (as CREATE2 gives); the third has its Safe contracts at
non-canonical addresses, named in its Safes' `libraries`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from safeops.chain.anvil import AnvilProcess, start_anvil
from safeops.devnet.keystores import write_keystores
from safeops.devnet.policy_file import ChainBlock, chain_suffix, render_chains_policy
from tests.helpers import Run, cli, store_plan
from tests.rpc_proxy import MAX_DELAY_S, Mode, rpc_proxy

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
CHAIN_IDS = (4242, 4243, 4244)
PAUSED = "0x5c975abb"  # paused()(bool)
NONCE = "0xaffed0e0"  # nonce()(uint256)


@dataclass
class Chain:
    anvil: AnvilProcess
    w3: Web3
    deployment: Deployment
    suffix: str

    def call(self, to: str, data: str) -> int:
        return int.from_bytes(bytes(self.w3.eth.call({"to": to, "data": data})), "big")  # type: ignore[typeddict-item]

    def paused(self, target: str) -> bool:
        return self.call(self.deployment.contracts[target], PAUSED) == 1

    def nonce(self, safe: str) -> int:
        return self.call(self.deployment.safes[safe], NONCE)


@pytest.fixture(scope="module")
def chains() -> Iterator[list[Chain]]:
    """Three anvils with distinct chain ids, deployed like `devnet up --chains 3`."""
    from web3 import Web3

    from safeops.devnet.deploy import deploy_devnet

    started: list[Chain] = []
    try:
        for index, chain_id in enumerate(CHAIN_IDS, start=1):
            anvil = start_anvil(chain_id=chain_id)
            w3 = Web3(Web3.HTTPProvider(anvil.rpc_url, request_kwargs={"timeout": 30}))
            deployment = deploy_devnet(anvil.rpc_url, canonical=index < len(CHAIN_IDS))
            started.append(Chain(anvil, w3, deployment, chain_suffix(index)))
        yield started
    finally:
        for chain in started:
            chain.anvil.stop()


@pytest.fixture
def fresh(chains: list[Chain]) -> Iterator[list[Chain]]:
    """Every chain rolled back after the test."""
    snapshots = [c.w3.provider.make_request("evm_snapshot", [])["result"] for c in chains]  # type: ignore[arg-type]
    yield chains
    for chain, snapshot in zip(chains, snapshots, strict=True):
        assert chain.w3.provider.make_request("evm_revert", [snapshot])["result"]  # type: ignore[arg-type]


def write_policy(folder: Path, chains: list[Chain], rpc: dict[int, str] | None = None) -> Path:
    """The policy over the chains; `rpc` replaces a chain's URL (a dead or hung one)."""
    blocks = [
        ChainBlock(c.deployment, (rpc or {}).get(i, c.anvil.rpc_url), c.suffix)
        for i, c in enumerate(chains)
    ]
    path = folder / "policy.toml"
    path.write_text(render_chains_policy(blocks))
    return path


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_keystores(tmp_path / "keys")
    monkeypatch.chdir(tmp_path)  # plans land in tmp/.safeops, proposals in tmp/proposals
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], policy: Path, *args: str) -> Run:
    return cli(capsys, "--json", "--policy", str(policy), *args)


def by_safe(result: Run) -> dict[str, dict[str, object]]:
    return {entry["safe"]: entry for entry in result.json["outcomes"]}


def test_the_devnet_has_one_safe_address_on_two_chains(fresh: list[Chain]) -> None:
    one, two, three = (c.deployment for c in fresh)
    assert [d.chain_id for d in (one, two, three)] == list(CHAIN_IDS)
    assert one.safes == two.safes
    assert three.safes["guardian"] != one.safes["guardian"]
    assert three.libraries["multisend_call_only"] != one.contracts["multisend_call_only"]
    assert fresh[2].w3.eth.get_code(one.contracts["multisend_call_only"]) == b""


def test_pause_all_goes_through_on_every_chain_but_the_hung_one(
    capsys: pytest.CaptureFixture[str], fresh: list[Chain], workdir: Path
) -> None:
    with rpc_proxy(fresh[1].anvil.rpc_url) as hung:
        hung.behaviour.mode, hung.behaviour.delay_s = Mode.DELAY, MAX_DELAY_S
        policy = write_policy(workdir, fresh, rpc={1: hung.url})
        result = run(capsys, policy, "emergency", "pause", "--all", "--signer", "oncall")
    assert result.code == 3, result.stderr
    outcomes = by_safe(result)
    assert [(n, o["status"]) for n, o in outcomes.items()] == [
        ("guardian", "done"),
        ("guardian_2", "failed"),
        ("guardian_3", "done"),
    ]
    error = outcomes["guardian_2"]["error"]
    assert isinstance(error, dict)
    assert error["exit_code"] == 3
    assert f"chain {CHAIN_IDS[1]}" in str(error["message"])
    assert "guardian_2 (chain 4243)" in result.stderr  # the dead chain named in the one line
    assert "PROXY-API-KEY" not in result.stdout + result.stderr
    for chain in (fresh[0], fresh[2]):  # proven paused, on the chains themselves
        assert all(chain.paused(t) for t in ("router", "lending", "vault"))
    assert not fresh[1].paused("router")
    for name in ("guardian", "guardian_3"):
        checks = outcomes[name]["postconditions"]
        assert isinstance(checks, list)
        assert [c["ok"] for c in checks] == [True] * 3


def test_an_already_paused_target_on_one_chain_does_not_stop_the_rest(
    capsys: pytest.CaptureFixture[str], fresh: list[Chain], workdir: Path
) -> None:
    policy = write_policy(workdir, fresh)
    assert run(capsys, policy, "emergency", "pause", "router_2", "--signer", "oncall").code == 0
    result = run(capsys, policy, "emergency", "pause", "--all", "--signer", "oncall")
    assert result.code == 0, result.stderr
    second = by_safe(result)["guardian_2"]
    assert (second["status"], second["items"], second["already"]) == (
        "done",
        ["lending_2", "vault_2"],
        ["router_2"],
    )
    assert all(c.paused(t) for c in fresh for t in ("router", "lending", "vault"))
    again = run(capsys, policy, "emergency", "pause", "--all", "--signer", "oncall")
    assert again.code == 0, again.stderr
    assert [o["status"] for o in again.json["outcomes"]] == ["already_done"] * 3
    assert [o["safe_tx_hash"] for o in again.json["outcomes"]] == [None] * 3


def test_one_safe_address_on_two_chains_one_shared_folder_each_signer_one_command(
    capsys: pytest.CaptureFixture[str], fresh: list[Chain], workdir: Path
) -> None:
    policy = write_policy(workdir, fresh)
    assert run(capsys, policy, "emergency", "pause", "--all", "--signer", "oncall").code == 0
    command = ("emergency", "unpause", "--all")
    first = run(capsys, policy, *command, "--signer", "alice")
    assert first.code == 1, first.stderr
    assert [o["status"] for o in first.json["outcomes"]] == ["waiting"] * 3
    hashes = {o["safe"]: o["safe_tx_hash"] for o in first.json["outcomes"]}
    stored = {p.name for p in (workdir / "proposals").glob("*.json")}  # guardians' too
    for chain_id, suffix in zip(CHAIN_IDS, ("", "_2", "_3"), strict=True):
        assert f"{chain_id}-{hashes[f'admin{suffix}']}.json" in stored
    second = run(capsys, policy, *command, "--signer", "bob")  # signs; may not execute
    assert [(o["confirmations"], o["resumed"]) for o in second.json["outcomes"]] == [(2, True)] * 3
    third = run(capsys, policy, *command, "--signer", "alice")
    assert third.code == 0, third.stderr
    assert [(o["status"], o["safe_tx_hash"]) for o in third.json["outcomes"]] == [
        ("done", hashes[name]) for name in ("admin", "admin_2", "admin_3")
    ]
    assert not any(c.paused(t) for c in fresh for t in ("router", "lending", "vault"))
    assert [c.nonce("admin") for c in fresh] == [1, 1, 1]


def test_a_proposal_pending_on_one_chain_never_affects_another(
    capsys: pytest.CaptureFixture[str], fresh: list[Chain], workdir: Path
) -> None:
    policy = write_policy(workdir, fresh)
    assert (
        run(capsys, policy, "emergency", "pause", "router", "router_2", "--signer", "oncall").code
        == 0
    )
    pending = run(capsys, policy, "emergency", "unpause", "router", "--signer", "alice")
    assert by_safe(pending)["admin"]["status"] == "waiting"
    planned = run(capsys, policy, "plan", "unpause", "router_2")
    assert (planned.json["chain_id"], planned.json["nonce"]) == (CHAIN_IDS[1], 0)
    other = run(capsys, policy, "emergency", "unpause", "router_2", "--signer", "alice")
    entry = by_safe(other)["admin_2"]
    assert (entry["resumed"], entry["nonce"], entry["chain_id"]) == (False, 0, CHAIN_IDS[1])
    assert entry["safe_tx_hash"] != by_safe(pending)["admin"]["safe_tx_hash"]
    queue = run(capsys, policy, "queue").json["pending"]
    assert sorted((row["safe"], row["chain_id"], row["nonce"]) for row in queue) == [
        ("admin", CHAIN_IDS[0], 0),
        ("admin_2", CHAIN_IDS[1], 0),
    ]
    assert fresh[0].paused("router")  # nothing executed anywhere: 1 of 2 signatures each
    assert fresh[1].paused("router")  # router_2 is the router of the second chain


def test_a_hostile_queued_proposal_is_flagged_and_rejected(
    capsys: pytest.CaptureFixture[str], fresh: list[Chain], workdir: Path
) -> None:
    """A transaction the policy would refuse (a DELEGATECALL into the token, as Bybit's was)
    sits in the shared folder for admin_3: queue flags it, reject burns its nonce."""
    from dataclasses import replace

    from safeops.core.plan import plan_from_json
    from safeops.core.transactions.safe_tx import Operation

    policy = write_policy(workdir, fresh)
    planned = run(capsys, policy, "plan", "unpause", "router_3")
    plan = plan_from_json(__import__("json").loads(Path(planned.json["plan"]).read_text()))
    token = fresh[2].deployment.contracts["token"]
    hostile = replace(plan, tx=replace(plan.tx, to=token, operation=Operation.DELEGATECALL))
    store_plan(workdir / "proposals", hostile, proposer="mallory")
    flagged = run(capsys, policy, "queue").json["pending"]
    assert [(r["safe"], r["refused"]) for r in flagged] == [("admin_3", True)]
    assert any(r.startswith("DELEGATECALL_NOT_ALLOWED") for r in flagged[0]["refusals"])
    target = hostile.safe_tx_hash.hex0x
    rejected = run(capsys, policy, "reject", target, "--signer", "alice")
    assert rejected.code == 0, rejected.stderr
    rejection = rejected.json["safe_tx_hash"]
    assert (rejected.json["nonce"], rejected.json["rejects"]) == (0, [target])
    assert (rejected.json["confirmations"], rejected.json["threshold"]) == (1, 2)
    assert run(capsys, policy, "sign", rejection, "--signer", "bob").code == 0
    executed = run(capsys, policy, "execute", rejection, "--signer", "alice")
    assert executed.code == 0, executed.stderr
    assert [c["ok"] for c in executed.json["postconditions"]] == [True]
    assert fresh[2].nonce("admin") == 1  # nonce 0 used up: the hostile one can never run
    assert run(capsys, policy, "queue").json["pending"] == []
