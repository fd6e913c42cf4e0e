"""Injected faults on the devnet: exit code, one clear line, nothing lost or half-done."""

# Vault sealed, stopped mid-run, token expired or revoked; keyring locked; proposal store
# read-only or its writer killed between write and rename; Transaction Service 500, 429 and a
# tampered copy; a fork that cannot start; Ctrl-C and SIGTERM during rehearse and execute.
# Where a re-run makes sense, it completes.

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hvac
import hvac.exceptions
import keyring
import pytest

from safeops.audit.log import AuditLog
from safeops.chain.anvil import AnvilProcess, free_port
from safeops.core.decoding.selectors import encode_call
from safeops.devnet.deploy import DEV_KEYS
from safeops.devnet.keystores import write_keystores
from safeops.devnet.policy_file import ROLES, render_policy
from safeops.interrupts import PAUSE_AT_ENV, PAUSE_FILE_ENV
from safeops.proposals.local import LOCK_FILE, STALE_TEMP_S
from safeops.workflows.plan_files import record_path
from tests.helpers import Run, cli, read_stored, store_plan
from tests.integration.gnome_keyring import KeyringSession
from tests.integration.openbao import ROOT_TOKEN, OpenBao, root_client, start_openbao
from tests.service_standin import SafeInfo, ServiceStandIn

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
KEYSTORES = {
    name: f'{{ keystore = "keys/{name}.json", password_file = "keys/password" }}' for name in ROLES
}
SUBPROCESS_TIMEOUT_S = 60.0


# -- set-up ------------------------------------------------------------------------------------


@pytest.fixture
def workdir(tmp_path: Path, w3: Web3, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The devnet's keystores, the working folder and the audit log, all in tmp_path; `w3`
    rolls the chain back afterwards, whatever a subprocess did to it."""
    write_keystores(tmp_path / "keys")
    monkeypatch.chdir(tmp_path)  # plans land in tmp/.safeops/plans
    monkeypatch.setenv("SAFEOPS_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    for name in ("VAULT_ADDR", "VAULT_TOKEN", "VAULT_ROLE_ID", "VAULT_SECRET_ID"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _policy(
    folder: Path,
    devnet: Deployment,
    anvil: AnvilProcess,
    keys: dict[str, str] | None = None,
    admin_proposals: str | None = None,
) -> Path:
    text = render_policy(devnet, anvil.rpc_url, {**KEYSTORES, **(keys or {})})
    if admin_proposals is not None:
        guardian, admin = text.split("[safes.admin]")
        local = 'proposals = "local:proposals"'
        text = guardian + "[safes.admin]" + admin.replace(local, f'proposals = "{admin_proposals}"')
    path = folder / "policy.toml"
    path.write_text(text)
    return path


@pytest.fixture
def policy(workdir: Path, devnet: Deployment, anvil: AnvilProcess) -> Path:
    return _policy(workdir, devnet, anvil)


def run(capsys: pytest.CaptureFixture[str], policy: Path, *args: str) -> Run:
    return cli(capsys, "--json", "--policy", str(policy), *args)


def rehearsed(
    capsys: pytest.CaptureFixture[str], policy: Path, *args: str, signer: str = "alice"
) -> tuple[Path, str]:
    planned = run(capsys, policy, "plan", *args)
    assert planned.code == 0, planned.stderr
    path = Path(planned.json["plan"])
    # Signed: only a record a policy signer vouched for counts for `propose`.
    result = run(capsys, policy, "rehearse", str(path), "--signer", signer)
    assert result.code == 0, result.stderr
    return path, planned.json["safe_tx_hash"]


def error_line(result: Run) -> str:
    """The run's one error line: exactly one, and no traceback anywhere."""
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def last_audit(folder: Path) -> dict[str, Any]:
    entries = AuditLog(folder / "audit.jsonl").entries()
    assert entries, "no audit entry was written"
    return entries[-1]


@pytest.fixture
def key_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every key read, by the source it came from: proves that no signer ever falls back to
    another source (each devnet signer also has a keystore in keys/)."""
    from safeops.keys import keystore, os_keyring, vault

    reads: list[str] = []
    for module in (keystore, os_keyring, vault):
        real = module.read_key

        def spy(*args: Any, real: Any = real) -> Any:
            spec = next(arg for arg in args if hasattr(arg, "describe"))
            reads.append(spec.describe())
            return real(*args)

        monkeypatch.setattr(module, "read_key", spy)
    return reads


def _keystore_reads(reads: list[str]) -> list[str]:
    return sorted(
        Path(read.split(":", 1)[1]).stem for read in reads if read.startswith("keystore:")
    )


# -- Vault -------------------------------------------------------------------------------------


def _vault_keys(prefix: str) -> dict[str, str]:
    """alice and bob read from Vault, oncall and carol from their keystores."""
    return {name: f'{{ vault = "secret/{prefix}/{name}" }}' for name in ("alice", "bob")}


def _store_vault_keys(server: OpenBao, prefix: str) -> None:
    for name in ("alice", "bob"):
        root_client(server).secrets.kv.v2.create_or_update_secret(
            path=f"{prefix}/{name}", secret={"private_key": DEV_KEYS[name]}
        )


def _use_vault(monkeypatch: pytest.MonkeyPatch, server: OpenBao, token: str = ROOT_TOKEN) -> None:
    monkeypatch.setenv("VAULT_ADDR", server.addr)
    monkeypatch.setenv("VAULT_TOKEN", token)


def test_vault_sealed_is_exit_3_without_falling_back(
    capsys: pytest.CaptureFixture[str],
    workdir: Path,
    devnet: Deployment,
    anvil: AnvilProcess,
    sealed_openbao: OpenBao,
    monkeypatch: pytest.MonkeyPatch,
    key_reads: list[str],
) -> None:
    policy = _policy(workdir, devnet, anvil, _vault_keys("safeops/faults"))
    _use_vault(monkeypatch, sealed_openbao)
    result = run(capsys, policy, "keys", "check")
    assert result.code == 3
    assert error_line(result) == (
        f"error: 2 of 4 key source(s) failed; alice: Vault at {sealed_openbao.addr} is sealed"
    )
    assert "never falls back" in result.stderr
    assert [(s["name"], s["ok"]) for s in result.json["signers"]] == [
        ("oncall", True),
        ("alice", False),
        ("bob", False),
        ("carol", True),
    ]
    assert _keystore_reads(key_reads) == ["carol", "oncall"]  # not alice's, not bob's


def test_vault_stopped_between_two_key_reads(
    capsys: pytest.CaptureFixture[str],
    workdir: Path,
    devnet: Deployment,
    anvil: AnvilProcess,
    bao_binary: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    key_reads: list[str],
) -> None:
    from safeops.keys import vault

    server = start_openbao(bao_binary, tmp_path_factory.mktemp("openbao-stopped"))
    try:
        _store_vault_keys(server, "faults")
        policy = _policy(workdir, devnet, anvil, _vault_keys("faults"))
        _use_vault(monkeypatch, server)
        read = vault.read_key

        def read_then_stop(*args: Any) -> bytes:
            key = read(*args)
            server.stop()  # the server dies right after alice's read, before bob's
            return key

        monkeypatch.setattr(vault, "read_key", read_then_stop)
        result = run(capsys, policy, "keys", "check")
    finally:
        server.stop()
    assert result.code == 3
    assert error_line(result) == (
        f"error: 1 of 4 key source(s) failed; bob: cannot connect to Vault at {server.addr}"
    )
    assert [(s["name"], s["ok"]) for s in result.json["signers"]] == [
        ("oncall", True),
        ("alice", True),
        ("bob", False),
        ("carol", True),
    ]
    assert _keystore_reads(key_reads) == ["carol", "oncall"]


def _wait_until_refused(server: OpenBao, token: str) -> None:
    client = hvac.Client(url=server.addr, token=token, timeout=5)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            client.auth.token.lookup_self()
        except hvac.exceptions.Forbidden:
            return
        time.sleep(0.1)
    pytest.fail("the token did not expire within 10 s")


@pytest.mark.parametrize("fault", ["expired", "revoked"])
def test_vault_token_expired_or_revoked_is_exit_3(
    capsys: pytest.CaptureFixture[str],
    workdir: Path,
    devnet: Deployment,
    anvil: AnvilProcess,
    openbao: OpenBao,
    vault_path: str,
    monkeypatch: pytest.MonkeyPatch,
    key_reads: list[str],
    fault: str,
) -> None:
    _store_vault_keys(openbao, vault_path)
    policy = _policy(workdir, devnet, anvil, _vault_keys(vault_path))
    root = root_client(openbao)
    ttl = "1s" if fault == "expired" else "1h"
    token = root.auth.token.create(ttl=ttl, explicit_max_ttl=ttl)["auth"]["client_token"]
    if fault == "revoked":
        root.auth.token.revoke(token)
    _wait_until_refused(openbao, token)
    _use_vault(monkeypatch, openbao, token)
    result = run(capsys, policy, "keys", "check")
    assert result.code == 3
    assert error_line(result) == (
        f"error: 2 of 4 key source(s) failed; alice: Vault at {openbao.addr} refused the token "
        f"(invalid or expired) to read vault:secret/{vault_path}/alice#private_key"
    )
    assert token not in result.stdout + result.stderr
    assert _keystore_reads(key_reads) == ["carol", "oncall"]


# -- OS keyring --------------------------------------------------------------------------------


def test_keyring_locked_is_exit_3_and_nothing_is_proposed(
    capsys: pytest.CaptureFixture[str],
    workdir: Path,
    devnet: Deployment,
    anvil: AnvilProcess,
    gnome_keyring: KeyringSession,
    key_reads: list[str],
) -> None:
    keyring.set_password("safeops-faults", "oncall", DEV_KEYS["oncall"])
    spec = '{ keyring = "safeops-faults", username = "oncall" }'
    policy = _policy(workdir, devnet, anvil, {"oncall": spec})
    assert run(capsys, policy, "keys", "check", "--signer", "oncall").code == 0
    path, _ = rehearsed(capsys, policy, "pause", "router", signer="oncall")
    gnome_keyring.lock()
    proposed = run(capsys, policy, "propose", str(path), "--signer", "oncall")
    assert proposed.code == 3
    line = error_line(proposed)
    assert line.startswith("error: the OS keyring")
    assert "is locked" in line
    assert list((workdir / "proposals").glob("*.json")) == []
    checked = run(capsys, policy, "keys", "check", "--signer", "oncall")
    assert checked.code == 3
    assert "is locked" in error_line(checked)
    assert _keystore_reads(key_reads) == []  # keys/oncall.json exists, and is never read


# -- the local proposal store ------------------------------------------------------------------


@contextmanager
def read_only(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`folder` made read-only. Root ignores permissions, so as root the kernel's refusal is
    injected where the store creates its temp file instead."""
    folder.chmod(0o555)
    try:
        with monkeypatch.context() as patch:
            if os.access(folder, os.W_OK):
                real = tempfile.mkstemp

                def refuse(*args: Any, **kwargs: Any) -> tuple[int, str]:
                    if Path(kwargs.get("dir") or ".").resolve() == folder.resolve():
                        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
                    return real(*args, **kwargs)

                patch.setattr(tempfile, "mkstemp", refuse)
            yield
    finally:
        folder.chmod(0o755)


def _stored_files(store: Path) -> list[str]:
    """Proposals and temp files: everything but the lock file, which holds no data."""
    return sorted(path.name for path in store.iterdir() if path.name != LOCK_FILE)


def test_read_only_store_stores_nothing_then_a_rerun_completes(
    capsys: pytest.CaptureFixture[str],
    policy: Path,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path, safe_tx_hash = rehearsed(capsys, policy, "pause", "router")
    store = workdir / "proposals"
    store.mkdir()
    with read_only(store, monkeypatch):
        refused = run(capsys, policy, "propose", str(path), "--signer", "oncall")
    assert refused.code == 3
    assert error_line(refused) == (
        f"error: cannot write to the proposal store {store}: Permission denied"
    )
    assert "Nothing was stored" in refused.stderr
    assert _stored_files(store) == []
    assert (last_audit(workdir)["action"], last_audit(workdir)["outcome"]) == ("propose", "exit 3")
    again = run(capsys, policy, "propose", str(path), "--signer", "oncall")
    assert again.code == 0, again.stderr
    assert (again.json["already_proposed"], again.json["confirmations"]) == (False, 1)
    assert _stored_files(store) == [f"31337-{safe_tx_hash}.json"]


def test_ctrl_c_between_write_and_rename_leaves_no_file(
    capsys: pytest.CaptureFixture[str],
    policy: Path,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path, safe_tx_hash = rehearsed(capsys, policy, "pause", "router")
    store = workdir / "proposals"
    with monkeypatch.context() as patch:
        real = os.replace

        def interrupted(source: Any, target: Any) -> None:
            if Path(target).parent == store:
                raise KeyboardInterrupt
            real(source, target)

        patch.setattr(os, "replace", interrupted)
        result = run(capsys, policy, "propose", str(path), "--signer", "oncall")
    assert result.code == 130
    assert error_line(result) == "error: interrupted (Ctrl-C)"
    assert json.loads(result.stdout)["error"]["exit_code"] == 130
    assert _stored_files(store) == []  # the temp file was removed on the way out
    assert (last_audit(workdir)["action"], last_audit(workdir)["outcome"]) == (
        "propose",
        "interrupted",
    )
    again = run(capsys, policy, "propose", str(path), "--signer", "oncall")
    assert (again.code, again.json["already_proposed"]) == (0, False)
    assert _stored_files(store) == [f"31337-{safe_tx_hash}.json"]


def _start_paused(args: list[str], point: str, cwd: Path) -> tuple[subprocess.Popen[str], Any]:
    """`python -m safeops ARGS` stopped at pause point `point`; its report (pid, info)."""
    flag = cwd / f"paused-{point.replace(':', '-')}.json"
    env = {**os.environ, "COLUMNS": "200", PAUSE_AT_ENV: point, PAUSE_FILE_ENV: str(flag)}
    process = subprocess.Popen(
        [sys.executable, "-m", "safeops", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + SUBPROCESS_TIMEOUT_S
    while not flag.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            _, err = process.communicate(timeout=SUBPROCESS_TIMEOUT_S)
            pytest.fail(f"safeops never reached {point} (exit {process.returncode}): {err}")
        time.sleep(0.02)
    return process, json.loads(flag.read_text())


def _finish(process: subprocess.Popen[str], signum: int) -> Run:
    process.send_signal(signum)
    out, err = process.communicate(timeout=SUBPROCESS_TIMEOUT_S)
    return Run(process.returncode, out, err)


def test_killed_between_write_and_rename_then_a_rerun_completes(
    capsys: pytest.CaptureFixture[str], policy: Path, workdir: Path
) -> None:
    path, safe_tx_hash = rehearsed(capsys, policy, "pause", "router")
    store = workdir / "proposals"
    args = ["--json", "--policy", str(policy), "propose", str(path), "--signer", "oncall"]
    process, paused = _start_paused(args, "store:before-rename", workdir)
    killed = _finish(process, signal.SIGKILL)
    assert killed.code == -signal.SIGKILL
    temporary = Path(paused["temporary"])
    assert [p.name for p in store.glob("[0-9]*-0x*.json")] == []  # not even half of one
    assert json.loads(temporary.read_text())["plan"]["safeTxHash"] == safe_tx_hash
    assert run(capsys, policy, "queue").json["pending"] == []  # readers ignore temp files
    again = run(capsys, policy, "propose", str(path), "--signer", "oncall")
    assert (again.code, again.json["already_proposed"]) == (0, False)
    assert [p.name for p in store.glob("[0-9]*-0x*.json")] == [f"31337-{safe_tx_hash}.json"]
    # The dead writer's temp file goes with the first write after it is surely stale.
    old = time.time() - STALE_TEMP_S - 1
    os.utime(temporary, (old, old))
    stored = read_stored(store, safe_tx_hash)
    assert stored is not None
    assert stored.plan is not None
    store_plan(store, stored.plan, dict(stored.signatures), stored.proposer)
    assert not temporary.exists()


# -- the Safe Transaction Service (stand-in) ---------------------------------------------------


def _view(w3: Web3, safe: str, signature: str, types: list[str]) -> Any:
    from eth_abi import decode

    raw = w3.eth.call({"to": safe, "data": encode_call(signature)})  # type: ignore[typeddict-item]
    return decode(types, bytes(raw))[0]


def _live_safe_info(w3: Web3, safe: str) -> SafeInfo:
    """What the Service would have indexed: the devnet Safe's live owners, threshold, nonce."""
    from eth_utils.address import to_checksum_address

    assert _view(w3, safe, "VERSION()", ["string"]) == "1.4.1"
    owners = [to_checksum_address(o) for o in _view(w3, safe, "getOwners()", ["address[]"])]
    threshold = _view(w3, safe, "getThreshold()", ["uint256"])
    nonce = _view(w3, safe, "nonce()", ["uint256"])
    return SafeInfo(owners, threshold, nonce, version="1.4.1", chain_id=w3.eth.chain_id)


def test_service_500_429_and_a_tampered_copy(
    capsys: pytest.CaptureFixture[str],
    workdir: Path,
    devnet: Deployment,
    anvil: AnvilProcess,
    w3: Web3,
) -> None:
    admin = devnet.safes["admin"]
    with ServiceStandIn() as service:
        service.safes[admin] = _live_safe_info(w3, admin)
        assert service.safes[admin].threshold == 2
        policy = _policy(workdir, devnet, anvil, admin_proposals=f"tx-service:{service.url}")
        path, safe_tx_hash = rehearsed(
            capsys, policy, "withdraw", "main", "--token", "dUSD", "--amount", "1", "--to", "cold"
        )
        service.fail_next(500, times=4)
        down = run(capsys, policy, "propose", str(path), "--signer", "alice")
        assert down.code == 3
        assert error_line(down).endswith("after 4 tries (HTTP 500)")
        assert service.transactions == {}
        proposed = run(capsys, policy, "propose", str(path), "--signer", "alice")
        assert (proposed.code, proposed.json["confirmations"]) == (0, 1), proposed.stderr

        service.fail_next(429)
        signed = run(capsys, policy, "sign", safe_tx_hash, "--signer", "bob")
        assert (signed.code, signed.json["confirmations"]) == (0, 2), signed.stderr
        confirmed = service.transactions[safe_tx_hash].confirmations
        assert sorted(confirmed) == sorted([devnet.signers["alice"], devnet.signers["bob"]])

        service.tamper(safe_tx_hash, "data", "0x" + "ab" * 4)
        refused = run(capsys, policy, "sign", safe_tx_hash, "--signer", "carol")
        assert refused.code == 1
        assert error_line(refused) == "error: the Service's copy differs from the plan in data"
        assert len(service.transactions[safe_tx_hash].confirmations) == 2  # carol added none


# -- the rehearsal fork ------------------------------------------------------------------------


def test_an_anvil_that_cannot_start_is_exit_3(
    capsys: pytest.CaptureFixture[str],
    policy: Path,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    planned = run(capsys, policy, "plan", "pause", "router")
    path = Path(planned.json["plan"])
    broken = workdir / "broken-anvil"
    broken.write_text("#!/bin/sh\necho 'error: cannot bind' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setenv("SAFEOPS_ANVIL", str(broken))
    result = run(capsys, policy, "rehearse", str(path))
    assert result.code == 3
    line = error_line(result)
    assert line.startswith("error: the fork of http://127.0.0.1:")
    assert line.endswith("did not start (anvil exited during start-up)")
    assert not record_path(path).exists()


def test_a_fork_origin_that_is_down_is_exit_3(
    capsys: pytest.CaptureFixture[str], policy: Path
) -> None:
    planned = run(capsys, policy, "plan", "pause", "router")
    path = Path(planned.json["plan"])
    down = f"http://127.0.0.1:{free_port()}"
    result = run(capsys, policy, "rehearse", str(path), "--fork-url", down)
    assert result.code == 3
    assert down in error_line(result)
    assert not record_path(path).exists()


# -- Ctrl-C and SIGTERM ------------------------------------------------------------------------


def _anvils_on(port: int) -> list[int]:
    """Live anvil processes listening on `port`, from /proc (a zombie's cmdline is empty)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0") if entry.name.isdigit() else []
        except OSError:
            continue  # exited meanwhile
        is_anvil = bool(argv) and Path(os.fsdecode(argv[0])).name == "anvil"
        if is_anvil and b"--port" in argv and argv[argv.index(b"--port") + 1] == b"%d" % port:
            found.append(int(entry.name))
    return found


def _origin(w3: Web3, devnet: Deployment) -> tuple[int, int, bool]:
    """What a rehearsal or an unsent execution must leave as it was on the origin chain."""
    guardian, router = devnet.safes["guardian"], devnet.contracts["router"]
    nonce = _view(w3, guardian, "nonce()", ["uint256"])
    return w3.eth.block_number, nonce, _view(w3, router, "paused()", ["bool"])


@pytest.mark.parametrize(
    ("signum", "code", "what", "outcome"),
    [
        (signal.SIGINT, 130, "interrupted (Ctrl-C)", "interrupted"),
        (signal.SIGTERM, 143, "terminated (SIGTERM)", "terminated"),
    ],
)
def test_a_signal_during_rehearse_tears_the_fork_down(
    capsys: pytest.CaptureFixture[str],
    policy: Path,
    workdir: Path,
    w3: Web3,
    devnet: Deployment,
    signum: int,
    code: int,
    what: str,
    outcome: str,
) -> None:
    planned = run(capsys, policy, "plan", "pause", "router")
    path = Path(planned.json["plan"])
    before = _origin(w3, devnet)
    args = ["--json", "--policy", str(policy), "rehearse", str(path)]
    process, paused = _start_paused(args, "rehearse:fork-ready", workdir)
    port = paused["fork_port"]
    assert _anvils_on(port), "the fork must be seen running, or its absence proves nothing"
    result = _finish(process, signum)
    assert result.code == code
    assert error_line(result) == f"error: {what}"
    assert json.loads(result.stdout)["error"]["exit_code"] == code
    assert _anvils_on(port) == []
    assert _origin(w3, devnet) == before
    assert not record_path(path).exists()  # no record: an interrupted rehearsal proves nothing
    entry = last_audit(workdir)
    assert (entry["action"], entry["outcome"]) == ("rehearse", outcome)


def test_ctrl_c_before_sending_changes_nothing_and_a_rerun_executes(
    capsys: pytest.CaptureFixture[str],
    policy: Path,
    workdir: Path,
    w3: Web3,
    devnet: Deployment,
) -> None:
    path, safe_tx_hash = rehearsed(capsys, policy, "pause", "router")
    assert run(capsys, policy, "propose", str(path), "--signer", "oncall").code == 0
    before = _origin(w3, devnet)
    args = ["--json", "--policy", str(policy), "execute", safe_tx_hash, "--signer", "oncall"]
    process, _ = _start_paused(args, "execute:before-send", workdir)
    result = _finish(process, signal.SIGINT)
    assert result.code == 130
    assert error_line(result) == "error: interrupted (Ctrl-C)"
    assert _origin(w3, devnet) == before
    stored = read_stored(workdir / "proposals", safe_tx_hash)
    assert stored is not None
    assert stored.executed_tx is None
    entry = last_audit(workdir)
    assert (entry["action"], entry["outcome"]) == ("execute", "interrupted")
    assert entry["details"]["safe_tx_hash"] == safe_tx_hash
    again = run(capsys, policy, "execute", safe_tx_hash, "--signer", "oncall")
    assert (again.code, again.json["success"]) == (0, True), again.stderr
    assert _origin(w3, devnet)[1:] == (before[1] + 1, True)


def test_ctrl_c_after_sending_keeps_the_hash_and_marks_nothing_executed(
    capsys: pytest.CaptureFixture[str],
    policy: Path,
    workdir: Path,
    w3: Web3,
    devnet: Deployment,
) -> None:
    path, safe_tx_hash = rehearsed(capsys, policy, "pause", "router")
    assert run(capsys, policy, "propose", str(path), "--signer", "oncall").code == 0
    before = _origin(w3, devnet)
    args = ["--json", "--policy", str(policy), "execute", safe_tx_hash, "--signer", "oncall"]
    process, _ = _start_paused(args, "execute:after-send", workdir)
    result = _finish(process, signal.SIGINT)
    assert result.code == 130
    line = error_line(result)
    assert line.startswith("error: interrupted (Ctrl-C) after sending 0x")
    assert line.endswith(", before its receipt: it may still be mined")
    entry = last_audit(workdir)
    assert (entry["action"], entry["outcome"]) == ("execute", "interrupted")
    tx_hash = entry["details"]["tx_hash"]
    assert tx_hash in line
    # anvil mined it at once; the store still says pending, as only a receipt may say otherwise
    assert w3.eth.get_transaction_receipt(tx_hash)["status"] == 1  # type: ignore[arg-type]
    stored = read_stored(workdir / "proposals", safe_tx_hash)
    assert stored is not None
    assert stored.executed_tx is None
    assert _origin(w3, devnet)[1:] == (before[1] + 1, True)
    again = run(capsys, policy, "execute", safe_tx_hash, "--signer", "oncall")
    # Nothing is sent twice: the re-run finds the recorded send mined and says so.
    assert (again.code, again.json["already_done"], again.json["tx_hash"]) == (0, True, tx_hash)
    assert _origin(w3, devnet)[1:] == (before[1] + 1, True)
    stored = read_stored(workdir / "proposals", safe_tx_hash)
    assert stored is not None
    assert stored.executed_tx == tx_hash
