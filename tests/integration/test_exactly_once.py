"""Exactly once, with faults injected from outside the process: kill -9 after the send with
automine off, a proxy answering 502 after forwarding the send or 429 once, a lagging
secondary, a read-only store, a full audit log, a concurrent run, a sync tool's copy.

Each asserts one transaction on chain, the store and the audit log reconciled, the exit code
and the message.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from safeops.audit.log import AuditLog
from safeops.chain.anvil import AnvilProcess
from safeops.chain.safe_reader import safe_read_calls
from safeops.core.sending import ABANDONED, RECORDED, SENDING
from safeops.devnet.policy_file import render_policy
from tests.helpers import Run, read_stored
from tests.integration import test_faults as faults
from tests.integration.test_faults import (
    KEYSTORES,
    SUBPROCESS_TIMEOUT_S,
    _finish,
    _start_paused,
    error_line,
    last_audit,
    read_only,
    rehearsed,
    run,
)
from tests.rpc_proxy import Mode, RpcProxy, rpc_proxy

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
PLACEHOLDER = "http://placeholder.invalid"
# The fault tests' fixtures, under their own names: the devnet's keystores, working folder and
# audit log in tmp_path; the devnet policy there; every key read, by source.
workdir = faults.workdir
policy = faults.policy
key_reads = faults.key_reads


@pytest.fixture
def proxy(anvil: AnvilProcess) -> Iterator[RpcProxy]:
    with rpc_proxy(anvil.rpc_url) as running:
        yield running


@pytest.fixture
def no_automine(w3: Web3) -> Iterator[Web3]:
    """anvil mines only when told (`evm_mine`): a sent transaction stays pending."""
    w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    try:
        yield w3
    finally:
        w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]


def _mine(w3: Web3) -> None:
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def _policy_on(workdir: Path, devnet: Deployment, urls: list[str]) -> Path:
    text = render_policy(devnet, PLACEHOLDER, KEYSTORES)
    path = workdir / "policy.toml"
    path.write_text(text.replace(json.dumps([PLACEHOLDER]), json.dumps(urls)))
    return path


def _sends_in_audit(workdir: Path) -> list[str]:
    entries = AuditLog(workdir / "audit.jsonl").entries()
    return [
        e["details"]["txHash"]
        for e in entries
        if (e["action"], e["outcome"]) == (SENDING, RECORDED)
    ]


def _sends_in_store(workdir: Path, safe_tx_hash: str) -> list[str]:
    stored = read_stored(workdir / "proposals", safe_tx_hash)
    assert stored is not None
    return [send.tx_hash for send in stored.sends]


def _safe_nonce(w3: Web3, devnet: Deployment) -> int:
    from safeops.core.decoding.selectors import encode_call

    raw = w3.eth.call({"to": devnet.safes["guardian"], "data": encode_call("nonce()")})  # type: ignore[typeddict-item]
    return int.from_bytes(bytes(raw), "big")


def _executor_nonce(w3: Web3, devnet: Deployment) -> int:
    """Every transaction oncall ever had mined: one more per execTransaction it sent."""
    return int(w3.eth.get_transaction_count(devnet.signers["oncall"]))  # type: ignore[arg-type]


def _proposed(capsys: pytest.CaptureFixture[str], policy: Path) -> str:
    path, safe_tx_hash = rehearsed(capsys, policy, "pause", "router")
    proposed = run(capsys, policy, "propose", str(path), "--signer", "oncall")
    assert proposed.code == 0, proposed.stderr
    return safe_tx_hash


def _until_line(process: subprocess.Popen[str], text: str) -> list[str]:
    """The process's stderr lines up to the one holding `text` (it keeps running)."""
    assert process.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + SUBPROCESS_TIMEOUT_S
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            pytest.fail(f"safeops ended before saying {text!r}: {''.join(lines)}")
        lines.append(line)
        if text in line:
            return lines
    pytest.fail(f"safeops did not say {text!r}")


def _safeops(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "safeops", *args],
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# -- 1. kill -9 after the send, the transaction unmined ------------------------------------------


def test_killed_after_the_send_a_rerun_waits_for_it_and_sends_nothing(
    capsys: pytest.CaptureFixture[str],
    policy: Path,
    workdir: Path,
    devnet: Deployment,
    no_automine: Web3,
) -> None:
    w3 = no_automine
    safe_tx_hash = _proposed(capsys, policy)
    safe_nonce, executor_nonce = _safe_nonce(w3, devnet), _executor_nonce(w3, devnet)
    args = ["--policy", str(policy), "execute", safe_tx_hash, "--signer", "oncall"]
    process, _ = _start_paused(args, "execute:after-send", workdir)
    assert _finish(process, signal.SIGKILL).code == -signal.SIGKILL
    # The hash was recorded before the broadcast, in the audit log and in the store.
    (tx_hash,) = _sends_in_audit(workdir)
    assert _sends_in_store(workdir, safe_tx_hash) == [tx_hash]
    assert w3.eth.get_transaction(tx_hash)["blockNumber"] is None  # type: ignore[arg-type]
    assert _safe_nonce(w3, devnet) == safe_nonce

    rerun = _safeops(args, workdir)
    said = _until_line(rerun, "is pending: waiting for it")
    assert f"transaction {tx_hash} (sent earlier by {devnet.signers['oncall']})" in said[-1]
    _mine(w3)
    out, err = rerun.communicate(timeout=SUBPROCESS_TIMEOUT_S)
    assert rerun.returncode == 0, err
    assert f"already done: executed {safe_tx_hash} in {tx_hash}" in out
    assert (_safe_nonce(w3, devnet), _executor_nonce(w3, devnet)) == (
        safe_nonce + 1,
        executor_nonce + 1,  # one execTransaction, ever
    )
    assert _sends_in_audit(workdir) == [tx_hash]
    stored = read_stored(workdir / "proposals", safe_tx_hash)
    assert stored is not None
    assert stored.executed_tx == tx_hash
    entry = last_audit(workdir)
    assert (entry["action"], entry["outcome"], entry["details"]["tx_hash"]) == (
        "execute",
        "ok",
        tx_hash,
    )
    assert entry["details"]["already_done"] is True


def test_emergency_killed_after_the_send_is_already_done_once_mined(
    capsys: pytest.CaptureFixture[str],
    policy: Path,
    workdir: Path,
    devnet: Deployment,
    no_automine: Web3,
) -> None:
    w3 = no_automine
    executor_nonce = _executor_nonce(w3, devnet)
    args = ["--json", "--policy", str(policy), "emergency", "pause", "router", "--signer", "oncall"]
    process, _ = _start_paused(args, "execute:after-send", workdir)
    assert _finish(process, signal.SIGKILL).code == -signal.SIGKILL
    (tx_hash,) = _sends_in_audit(workdir)
    _mine(w3)
    again = run(capsys, policy, "emergency", "pause", "router", "--signer", "oncall")
    assert again.code == 0, again.stderr
    assert (again.json["done"], again.json["status"], again.json["executed_before"]) == (
        True,
        "already_done",
        tx_hash,
    )
    assert _executor_nonce(w3, devnet) == executor_nonce + 1
    assert _sends_in_audit(workdir) == [tx_hash]
    (filed,) = (workdir / "proposals").glob("*0x*.json")  # the killed run's proposal
    stored = read_stored(workdir / "proposals", filed.name.removesuffix(".json")[-66:])
    assert stored is not None
    assert stored.executed_tx == tx_hash


def test_ctrl_c_between_the_record_and_the_broadcast_takes_the_record_back(
    capsys: pytest.CaptureFixture[str],
    policy: Path,
    workdir: Path,
    devnet: Deployment,
    w3: Web3,
) -> None:
    safe_tx_hash = _proposed(capsys, policy)
    executor_nonce = _executor_nonce(w3, devnet)
    args = ["--json", "--policy", str(policy), "execute", safe_tx_hash, "--signer", "oncall"]
    process, paused = _start_paused(args, "execute:before-broadcast", workdir)
    assert _sends_in_audit(workdir) == [paused["tx_hash"]]  # recorded before the broadcast
    assert _sends_in_store(workdir, safe_tx_hash) == [paused["tx_hash"]]
    result = _finish(process, signal.SIGINT)
    assert result.code == 130
    assert error_line(result) == "error: interrupted (Ctrl-C) before sending: nothing was sent"
    assert _sends_in_store(workdir, safe_tx_hash) == []
    entries = AuditLog(workdir / "audit.jsonl").entries()
    abandoned = [e for e in entries if (e["action"], e["outcome"]) == (SENDING, ABANDONED)]
    assert [e["details"]["txHash"] for e in abandoned] == [paused["tx_hash"]]
    assert _executor_nonce(w3, devnet) == executor_nonce
    again = run(capsys, policy, "execute", safe_tx_hash, "--signer", "oncall")  # no --resend
    assert (again.code, again.json["already_done"]) == (0, False), again.stderr
    assert _executor_nonce(w3, devnet) == executor_nonce + 1


# -- 2. a send answered HTTP 502 by a proxy that forwarded it -----------------------------------


def test_a_502_on_a_send_the_node_took_reports_the_hash_and_success(
    capsys: pytest.CaptureFixture[str],
    workdir: Path,
    devnet: Deployment,
    proxy: RpcProxy,
    w3: Web3,
) -> None:
    policy = _policy_on(workdir, devnet, [proxy.url])
    safe_tx_hash = _proposed(capsys, policy)
    executor_nonce = _executor_nonce(w3, devnet)
    proxy.behaviour.mode, proxy.behaviour.only = Mode.STATUS, frozenset({"eth_sendRawTransaction"})
    proxy.behaviour.status, proxy.behaviour.status_times = 502, 1
    result = run(capsys, policy, "execute", safe_tx_hash, "--signer", "oncall")
    assert proxy.behaviour.statuses == [("eth_sendRawTransaction", 502)]
    assert result.code == 0, result.stderr
    assert (result.json["success"], result.json["already_done"]) == (True, False)
    tx_hash = result.json["tx_hash"]
    assert _sends_in_audit(workdir) == [tx_hash]
    assert w3.eth.get_transaction_receipt(tx_hash)["status"] == 1  # type: ignore[arg-type]
    assert _executor_nonce(w3, devnet) == executor_nonce + 1
    assert proxy.behaviour.methods.count("eth_sendRawTransaction") == 1  # never re-posted


# -- 3. a secondary RPC one or two blocks behind ------------------------------------------------


def test_a_secondary_two_blocks_behind_does_not_stop_an_emergency(
    capsys: pytest.CaptureFixture[str],
    workdir: Path,
    devnet: Deployment,
    anvil: AnvilProcess,
    proxy: RpcProxy,
    w3: Web3,
) -> None:
    def two_behind(method: str, params: list[Any], result: Any) -> Any:
        """An honest node two blocks behind: its latest block is the head's grandparent."""
        if method == "eth_getBlockByNumber" and params[0] == "latest":
            lagging = hex(int(result["number"], 16) - 2)
            return w3.provider.make_request(method, [lagging, False])["result"]  # type: ignore[arg-type]
        if method == "eth_blockNumber":
            return hex(int(result, 16) - 2)
        return result

    for _ in range(3):
        _mine(w3)
    proxy.behaviour.falsify = two_behind
    policy = _policy_on(workdir, devnet, [anvil.rpc_url, proxy.url])
    result = run(capsys, policy, "emergency", "pause", "--all", "--signer", "oncall")
    assert result.code == 0, result.stderr
    assert result.json["done"] is True
    assert "rpc_warnings" not in result.json
    record = json.loads(Path(result.json["plan"].replace(".json", ".rehearsal.json")).read_text())
    assert record["fork_block"] <= w3.eth.block_number - 2  # forked where both RPCs were


# -- 4. one 429 --------------------------------------------------------------------------------


def test_one_429_is_retried_and_the_emergency_goes_on(
    capsys: pytest.CaptureFixture[str],
    workdir: Path,
    devnet: Deployment,
    proxy: RpcProxy,
    w3: Web3,
) -> None:
    policy = _policy_on(workdir, devnet, [proxy.url])
    proxy.behaviour.mode, proxy.behaviour.only = Mode.STATUS, frozenset({"eth_call"})
    proxy.behaviour.status, proxy.behaviour.forward_first = 429, False
    proxy.behaviour.retry_after = "0"
    result = run(capsys, policy, "emergency", "pause", "--all", "--signer", "oncall")
    assert result.code == 0, result.stderr
    assert result.json["done"] is True
    # One POST answered 429 and retried: the first with an eth_call, the Safe's read (one batch).
    batch = [method for method, _ in safe_read_calls(devnet.safes["guardian"], 0)]
    assert proxy.behaviour.statuses == [(method, 429) for method in batch]
    assert result.json["rpc_warnings"] == [
        f"RPC {proxy.label} answered HTTP 429: retried with backoff"
    ]


# -- 5. the store read-only between propose and execute ----------------------------------------


def test_a_store_turned_read_only_before_execute_sends_nothing(
    capsys: pytest.CaptureFixture[str],
    policy: Path,
    workdir: Path,
    devnet: Deployment,
    w3: Web3,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    safe_tx_hash = _proposed(capsys, policy)
    before = (_safe_nonce(w3, devnet), _executor_nonce(w3, devnet))
    with read_only(workdir / "proposals", monkeypatch):
        refused = run(capsys, policy, "execute", safe_tx_hash, "--signer", "oncall")
    assert refused.code == 3
    assert error_line(refused) == (
        f"error: cannot write to the proposal store {workdir / 'proposals'}: Permission denied"
    )
    assert (_safe_nonce(w3, devnet), _executor_nonce(w3, devnet)) == before
    assert _sends_in_audit(workdir) == []
    again = run(capsys, policy, "execute", safe_tx_hash, "--signer", "oncall")
    assert (again.code, again.json["success"]) == (0, True), again.stderr
    assert _sends_in_audit(workdir) == [again.json["tx_hash"]]


# -- 6. an unwritable audit log -----------------------------------------------------------------


def test_a_full_audit_log_stops_execute_before_anything(
    capsys: pytest.CaptureFixture[str],
    policy: Path,
    workdir: Path,
    devnet: Deployment,
    w3: Web3,
) -> None:
    """The disk is full for the audit log: RLIMIT_FSIZE at its current size, set from outside
    (any write past it fails with EFBIG, as ENOSPC would)."""
    safe_tx_hash = _proposed(capsys, policy)
    log = workdir / "audit.jsonl"
    size = log.stat().st_size
    before = (_safe_nonce(w3, devnet), _executor_nonce(w3, devnet), log.read_bytes())

    def full() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    args = ["--json", "--policy", str(policy), "execute", safe_tx_hash, "--signer", "oncall"]
    completed = subprocess.run(
        [sys.executable, "-m", "safeops", *args],
        cwd=workdir,
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
        preexec_fn=full,
        check=False,
    )
    result = Run(completed.returncode, completed.stdout, completed.stderr)
    assert result.code == 3
    assert error_line(result) == f"error: cannot write the audit log {log}: File too large"
    assert json.loads(result.stdout)["error"]["type"] == "AuditUnavailable"
    assert (_safe_nonce(w3, devnet), _executor_nonce(w3, devnet), log.read_bytes()) == before
    assert _sends_in_store(workdir, safe_tx_hash) == []


def test_an_unwritable_audit_log_reads_no_key(
    capsys: pytest.CaptureFixture[str],
    policy: Path,
    workdir: Path,
    devnet: Deployment,
    w3: Web3,
    monkeypatch: pytest.MonkeyPatch,
    key_reads: list[str],
) -> None:
    blocker = workdir / "audit-is-a-file"
    blocker.write_text("")
    monkeypatch.setenv("SAFEOPS_AUDIT_LOG", str(blocker / "audit.jsonl"))
    before = _executor_nonce(w3, devnet)
    result = run(capsys, policy, "emergency", "pause", "--all", "--signer", "oncall")
    assert result.code == 3
    assert error_line(result).startswith(f"error: cannot write the audit log {blocker}")
    assert key_reads == []
    assert _executor_nonce(w3, devnet) == before
    assert not (workdir / "proposals").exists()


# -- two concurrent emergency runs --------------------------------------------------------------


def test_the_loser_of_two_concurrent_emergency_pauses_reports_the_winners_transaction(
    capsys: pytest.CaptureFixture[str],
    policy: Path,
    workdir: Path,
    devnet: Deployment,
    w3: Web3,
) -> None:
    executor_nonce = _executor_nonce(w3, devnet)
    args = ["--json", "--policy", str(policy), "emergency", "pause", "--all", "--signer", "oncall"]
    winner, _ = _start_paused(args, "execute:after-send", workdir)  # sent, mined, not marked
    try:
        loser = run(capsys, policy, "emergency", "pause", "--all", "--signer", "oncall")
    finally:
        won = _finish(winner, signal.SIGINT)
    assert loser.code == 0, loser.stderr
    (tx_hash,) = _sends_in_audit(workdir)
    assert (loser.json["done"], loser.json["status"], loser.json["executed_before"]) == (
        True,
        "already_done",
        tx_hash,
    )
    assert won.code == 130
    assert tx_hash in error_line(won)
    assert _executor_nonce(w3, devnet) == executor_nonce + 1


# -- an unreadable file in the proposal folder --------------------------------------------------


def test_a_conflicted_copy_in_the_proposal_folder_does_not_stop_an_emergency(
    capsys: pytest.CaptureFixture[str], policy: Path, workdir: Path
) -> None:
    store = workdir / "proposals"
    store.mkdir()
    conflicted = store / f"0x{'ab' * 32} (conflicted copy).json"
    conflicted.write_text('{"proposal": 1, "plan": {')
    broken = store / f"0x{'cd' * 32}.json"
    broken.write_text("not json")
    for command in (["queue"], ["plan", "pause", "lending"]):
        listed = run(capsys, policy, *command)
        assert listed.code == 0, listed.stderr
        assert len(listed.json["store_warnings"]) == 2
    result = run(capsys, policy, "emergency", "pause", "router", "--signer", "oncall")
    assert result.code == 0, result.stderr
    assert result.json["done"] is True
    warnings = result.json["store_warnings"]
    assert f"skipped {conflicted}: not a proposal file name (a sync tool's copy?)" in warnings
    assert any(w.startswith(f"skipped unreadable proposal file {broken}: ") for w in warnings)


# -- the audit log: every refusal has its entry; key entries are signed -------------------------


def test_refusals_are_audited_and_signed_entries_verify(
    capsys: pytest.CaptureFixture[str], policy: Path, workdir: Path
) -> None:
    over = run(
        capsys, policy, "plan", "withdraw", "main", "--token", "dUSD", "--amount", "10000000000",
        "--to", "cold",
    )  # fmt: skip
    assert over.code == 1
    refused = last_audit(workdir)
    assert (refused["action"], refused["outcome"]) == ("plan withdraw", "exit 1")
    assert refused["details"]["error"] == over.json["error"]["message"]
    assert refused["details"]["error"].startswith("CAP_EXCEEDED: 10000000000 dUSD exceeds")
    planned = run(capsys, policy, "plan", "pause", "router")
    path = Path(planned.json["plan"])
    tampered = json.loads(path.read_text())
    tampered["nonce"] += 1
    path.write_text(json.dumps(tampered))
    reviewed = run(capsys, policy, "review", str(path))
    assert reviewed.code != 0
    entry = last_audit(workdir)
    assert (entry["action"], entry["outcome"]) == ("review", f"exit {reviewed.code}")
    assert entry["details"]["error"] == reviewed.json["error"]["message"]
    _proposed(capsys, policy)
    proposed = last_audit(workdir)
    assert (proposed["action"], proposed["outcome"]) == ("propose", "ok")
    assert [s["address"] for s in proposed["signatures"]] == proposed["signed_by"]
    verified = run(capsys, policy, "audit", "verify")
    assert (verified.code, verified.json["ok"]) == (0, True), verified.stderr
