"""`devnet up|down|status`: one state directory, one detached anvil, nothing left behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from safeops.chain.anvil import rpc_request, start_anvil
from safeops.devnet.key_sources import KEY_SOURCES, place_keys, remove_keys
from safeops.errors import BadInput, DevnetError, SafeOpsError

STATE_FILE = "state.json"
DEVNET_CHAIN_ID = 31337


@dataclass
class DevnetState:
    """What `devnet up` started and deployed; `state.json` in the state directory."""

    rpc_url: str
    chain_id: int
    pid: int
    policy: str
    safes: dict[str, str]
    contracts: dict[str, str]
    signers: dict[str, str]
    keys: str
    examples: dict[str, str] = field(default_factory=dict)
    started_at: float = 0.0
    bao_pid: int | None = None
    vault_env: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def load_state(state_dir: Path) -> DevnetState | None:
    path = state_dir / STATE_FILE
    if not path.exists():
        return None
    try:
        return DevnetState(**json.loads(path.read_text()))
    except (ValueError, TypeError) as error:
        raise DevnetError(
            f"{path} is not a devnet state file", hint="Run `safeops devnet down` to clear it."
        ) from error


def process_alive(pid: int) -> bool:
    """True when `pid` runs; a zombie (exited, not yet reaped) counts as gone."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): kill(0) is all we can know
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _is_ours(pid: int, program: bytes) -> bool:
    """True when `pid` is alive and runs `program` (a recycled pid must never be killed)."""
    if not process_alive(pid):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    return not cmdline.exists() or program in cmdline.read_bytes()


def _is_our_anvil(pid: int) -> bool:
    return _is_ours(pid, b"anvil")


def is_running(state: DevnetState) -> bool:
    if not _is_our_anvil(state.pid):
        return False
    try:
        rpc_request(state.rpc_url, "eth_chainId", [], timeout=1.0)
    except (OSError, ValueError, DevnetError):
        return False
    return True


def up(
    state_dir: Path,
    keys: str = "keystore",
    environ: Mapping[str, str] | None = None,
    chain_id: int = DEVNET_CHAIN_ID,
) -> tuple[DevnetState, bool]:
    """Start and deploy the devnet, or report the running one. Returns (state, started).
    Devnets on other chain ids can run side by side as the chains of one policy."""
    if keys not in KEY_SOURCES:
        raise BadInput(
            f"unknown key source {keys!r}", hint=f"Use one of: {', '.join(KEY_SOURCES)}."
        )
    existing = load_state(state_dir)
    if existing and is_running(existing):
        return existing, False
    if existing:
        _clear(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    environ = environ or {}
    anvil = start_anvil(
        chain_id=chain_id,
        log_path=state_dir / "anvil.log",
        detach=True,
        binary=environ.get("SAFEOPS_ANVIL"),
    )
    try:
        state = _deploy_into(state_dir, anvil.rpc_url, anvil.pid, keys, environ)
    except BaseException:
        anvil.stop()
        raise
    (state_dir / STATE_FILE).write_text(json.dumps(state.to_json(), indent=2) + "\n")
    return state, True


def _deploy_into(
    state_dir: Path, rpc_url: str, pid: int, keys: str, environ: Mapping[str, str]
) -> DevnetState:
    from safeops.devnet.deploy import deploy_devnet
    from safeops.devnet.examples import write_examples
    from safeops.devnet.policy_file import render_policy

    deployment = deploy_devnet(rpc_url)
    placement = place_keys(keys, state_dir, environ)
    policy = state_dir / "policy.toml"
    policy.write_text(render_policy(deployment, rpc_url, placement.policy_keys))
    examples = write_examples(state_dir / "examples", rpc_url, deployment)
    return DevnetState(
        rpc_url=rpc_url,
        chain_id=deployment.chain_id,
        pid=pid,
        policy=str(policy.resolve()),
        safes=deployment.safes,
        contracts=deployment.contracts,
        signers=deployment.signers,
        keys=keys,
        examples={name: str(path.resolve()) for name, path in examples.items()},
        started_at=time.time(),
        bao_pid=placement.bao_pid,
        vault_env=placement.vault_env,
        notes=placement.notes,
    )


def down(state_dir: Path) -> tuple[DevnetState | None, list[str]]:
    """Stop the devnet's processes and remove its state; returns what was running, if
    anything, and warnings about what could not be cleaned up (it never stops halfway)."""
    state = load_state(state_dir)
    if state is None:
        return None, []
    for pid, program in ((state.pid, b"anvil"), (state.bao_pid, b"bao")):
        if pid is not None and _is_ours(pid, program):
            os.kill(pid, signal.SIGTERM)
            _wait_gone(pid, program)
    warnings: list[str] = []
    try:
        remove_keys(state.keys)
    except SafeOpsError as error:
        warnings.append(f"the demo keys stay in the OS keyring: {error.message}")
    _clear(state_dir)
    return state, warnings


def _wait_gone(pid: int, program: bytes, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _is_ours(pid, program):
            return
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)


def _clear(state_dir: Path) -> None:
    """Remove what `up` wrote; leave anything else the operator put there."""
    for name in (STATE_FILE, "policy.toml", "anvil.log", "vault.env"):
        (state_dir / name).unlink(missing_ok=True)
    for sub in ("keys", "examples", "vault"):
        shutil.rmtree(state_dir / sub, ignore_errors=True)
