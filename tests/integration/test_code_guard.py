"""No call into an empty account: every step refuses a target or library without (the right)
code, a policy library elsewhere passes with the official code, and `policy check` lists them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from safeops.chain.anvil import AnvilProcess
from safeops.devnet import contracts as c
from safeops.devnet.keystores import write_keystores
from safeops.devnet.policy_file import render_policy
from tests.helpers import Run, cli
from tests.rpc_proxy import rpc_proxy

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
MULTISEND = c.MULTISEND_CALL_ONLY_141
ELSEWHERE = "0x00000000000000000000000000000000005aFE01"
PAUSED = "0x5c975abb"


def set_code(w3: Web3, address: str, code: str) -> None:
    w3.provider.make_request("anvil_setCode", [address, code])  # type: ignore[arg-type]


def code_of(w3: Web3, address: str) -> str:
    return "0x" + bytes(w3.eth.get_code(address)).hex()  # type: ignore[arg-type]


def write_policy(path: Path, devnet: Deployment, rpc_url: str, libraries: str = "") -> Path:
    text = render_policy(devnet, rpc_url)
    if libraries:
        line = f'address = "{devnet.safes["guardian"]}"\n'
        assert text.count(line) == 1
        text = text.replace(line, line + f"libraries = {libraries}\n")
    path.write_text(text)
    return path


@pytest.fixture
def policy(
    tmp_path: Path, anvil: AnvilProcess, devnet: Deployment, monkeypatch: pytest.MonkeyPatch
) -> Path:
    write_keystores(tmp_path / "keys")
    monkeypatch.chdir(tmp_path)  # plans and proposals land in tmp/.safeops
    return write_policy(tmp_path / "policy.toml", devnet, anvil.rpc_url)


def run(capsys: pytest.CaptureFixture[str], policy: Path, *args: str) -> Run:
    return cli(capsys, "--json", "--policy", str(policy), *args)


def planned(capsys: pytest.CaptureFixture[str], policy: Path, *args: str) -> str:
    result = run(capsys, policy, "plan", *args)
    assert result.code == 0, result.stderr
    return str(result.json["plan"])


def paused(w3: Web3, devnet: Deployment) -> list[int]:
    return [
        w3.eth.call({"to": devnet.contracts[n], "data": PAUSED})[-1]  # type: ignore[typeddict-item]
        for n in ("router", "lending", "vault")
    ]


def refused(result: Run, *fragments: str) -> None:
    assert result.code == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_no_multisend_call_only_on_chain_refuses_every_step(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    plan = planned(capsys, policy, "pause", "--all")
    set_code(w3, MULTISEND, "0x")
    no_library = f"no library at {MULTISEND} (MultiSendCallOnly 1.4.1)"
    refused(run(capsys, policy, "review", plan), no_library)
    rehearsal = run(capsys, policy, "rehearse", plan)
    refused(rehearsal, no_library)
    assert not list(Path(plan).parent.glob("*.rehearsal.json"))
    nonce = w3.eth.call({"to": devnet.safes["guardian"], "data": "0xaffed0e0"})  # type: ignore[typeddict-item]
    emergency = run(capsys, policy, "emergency", "pause", "--all", "--signer", "oncall")
    refused(emergency, no_library)
    assert paused(w3, devnet) == [0, 0, 0]
    assert w3.eth.call({"to": devnet.safes["guardian"], "data": "0xaffed0e0"}) == nonce  # type: ignore[typeddict-item]


def test_propose_and_execute_refuse_a_library_gone_since_the_rehearsal(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3
) -> None:
    plan = planned(capsys, policy, "pause", "--all")
    assert run(capsys, policy, "rehearse", plan, "--signer", "alice").code == 0
    original = code_of(w3, MULTISEND)
    set_code(w3, MULTISEND, "0x")
    proposal = run(capsys, policy, "propose", plan, "--signer", "oncall")
    refused(proposal, f"no library at {MULTISEND}")
    set_code(w3, MULTISEND, original)
    proposed = run(capsys, policy, "propose", plan, "--signer", "oncall")
    assert proposed.code == 0, proposed.stderr
    set_code(w3, MULTISEND, "0x")
    executed = run(capsys, policy, "execute", proposed.json["safe_tx_hash"], "--signer", "oncall")
    refused(executed, f"no library at {MULTISEND}")


def test_a_target_without_code_is_refused_by_name(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    router = devnet.contracts["router"]
    plan = planned(capsys, policy, "pause", "router")
    set_code(w3, router, "0x")
    refused(run(capsys, policy, "review", plan), f"no contract at {router} (target router)")
    refused(run(capsys, policy, "rehearse", plan), f"no contract at {router} (target router)")


def test_sign_refuses_when_a_token_lost_its_code(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    plan = planned(
        capsys, policy, "withdraw", "main", "--token", "dUSD", "--amount", "1", "--to", "cold"
    )
    assert run(capsys, policy, "rehearse", plan, "--signer", "alice").code == 0
    proposed = run(capsys, policy, "propose", plan, "--signer", "alice")
    assert proposed.code == 0, proposed.stderr
    token = devnet.contracts["token"]
    set_code(w3, token, "0x")
    signed = run(capsys, policy, "sign", proposed.json["safe_tx_hash"], "--signer", "bob")
    refused(signed, f"no contract at {token} (token dUSD)")


def test_a_vault_without_code_is_refused(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    vault = devnet.contracts["vault"]
    plan = planned(
        capsys, policy, "withdraw", "main", "--token", "dUSD", "--amount", "1", "--to", "cold"
    )
    set_code(w3, vault, "0x")
    # The demo vault is also a pausable target: the policy names it by its first section.
    refused(run(capsys, policy, "review", plan), f"no contract at {vault} (target vault)")


def test_a_policy_library_elsewhere_with_the_official_code_is_used_and_passes(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anvil: AnvilProcess,
    w3: Web3,
    devnet: Deployment,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_keystores(tmp_path / "keys")
    monkeypatch.chdir(tmp_path)
    own = write_policy(
        tmp_path / "own.toml",
        devnet,
        anvil.rpc_url,
        f'{{ multisend_call_only = "{ELSEWHERE}" }}',
    )
    set_code(w3, ELSEWHERE, code_of(w3, MULTISEND))
    set_code(w3, MULTISEND, "0x")  # this chain has no canonical deployment
    result = run(capsys, own, "plan", "pause", "--all")
    assert result.code == 0, result.stderr
    assert result.json["warnings"] == []
    review = run(capsys, own, "review", result.json["plan"])
    assert review.code == 0, review.stderr
    assert review.json["simulation"]["success"] is True
    emergency = run(capsys, own, "emergency", "pause", "--all", "--signer", "oncall")
    assert emergency.code == 0, emergency.stderr
    assert emergency.json["success"] is True
    assert paused(w3, devnet) == [1, 1, 1]


def test_a_policy_library_with_other_code_is_refused(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anvil: AnvilProcess,
    w3: Web3,
    devnet: Deployment,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    own = write_policy(
        tmp_path / "own.toml",
        devnet,
        anvil.rpc_url,
        f'{{ multisend_call_only = "{ELSEWHERE}" }}',
    )
    set_code(w3, ELSEWHERE, code_of(w3, devnet.contracts["allowlist"]))
    plan = planned(capsys, own, "pause", "--all")
    expected = (
        f"library {ELSEWHERE} (MultiSendCallOnly at libraries.multisend_call_only of Safe "
        "guardian) does not have the code of an official MultiSendCallOnly deployment"
    )
    refused(run(capsys, own, "review", plan), expected)
    refused(run(capsys, own, "rehearse", plan), expected)
    check = run(capsys, own, "policy", "check")
    refused(check, expected)
    assert check.json["ok"] is False
    assert [(p["safe"], p["address"]) for p in check.json["code"]] == [("guardian", ELSEWHERE)]


def test_policy_check_lists_every_policy_contract_without_code(
    capsys: pytest.CaptureFixture[str], policy: Path, w3: Web3, devnet: Deployment
) -> None:
    clean = run(capsys, policy, "policy", "check")
    assert clean.code == 0, clean.stderr
    assert (clean.json["ok"], clean.json["code"]) == (True, [])
    for address in (devnet.contracts["allowlist"], devnet.contracts["token"], MULTISEND):
        set_code(w3, address, "0x")
    result = run(capsys, policy, "policy", "check")
    refused(result, "4 policy contract(s) without the expected code")
    assert result.json["ok"] is False
    assert result.json["drift"] == []
    found = [(p["safe"], p["address"], p["what"]) for p in result.json["code"]]
    assert found == [
        ("guardian", MULTISEND, "MultiSendCallOnly 1.4.1"),
        ("admin", devnet.contracts["allowlist"], "allow-list members"),
        ("admin", devnet.contracts["token"], "token dUSD"),
        ("admin", MULTISEND, "MultiSendCallOnly 1.4.1"),
    ]
    assert all(p["message"].startswith("no ") for p in result.json["code"])
    assert {s["name"]: s["ok"] for s in result.json["safes"]} == {"guardian": False, "admin": False}


def test_an_rpc_hiding_a_library_s_code_stops_the_flow(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anvil: AnvilProcess,
    w3: Web3,
    devnet: Deployment,
) -> None:
    """The code is cross-checked like the Safe's state: one RPC that shows none is named."""

    def hide(method: str, params: list[Any], result: Any) -> Any:
        return (
            "0x" if method == "eth_getCode" and params[0].lower() == MULTISEND.lower() else result
        )

    with rpc_proxy(anvil.rpc_url) as proxy:
        proxy.behaviour.falsify = hide
        text = render_policy(devnet, anvil.rpc_url).replace(
            json.dumps([anvil.rpc_url]), json.dumps([anvil.rpc_url, proxy.url])
        )
        (tmp_path / "two.toml").write_text(text)
        result = run(capsys, tmp_path / "two.toml", "policy", "check")
    assert result.code == 3, result.stderr
    assert result.json["error"]["type"] == "RpcDisagreement"
    assert result.json["error"]["message"] == (
        f"RPCs {anvil.rpc_url} and {proxy.label} disagree on the code at {MULTISEND} at block "
        f"{w3.eth.block_number}"
    )
