"""`devnet up|down|status`: one state directory, one detached anvil per chain, nothing left
behind."""

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

from safeops.chain.anvil import AnvilProcess, rpc_request, start_anvil
from safeops.devnet.key_sources import KEY_SOURCES, place_keys, remove_keys
from safeops.errors import BadInput, DevnetError, SafeOpsError

STATE_FILE = "state.json"
DEVNET_CHAIN_ID = 31337
MAX_CHAINS = 8


@dataclass
class ChainState:
    """One chain of the devnet: its anvil and whether its Safe contracts are canonical."""

    chain_id: int
    rpc_url: str
    pid: int
    suffix: str = ""
    canonical: bool = True


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
    chains: list[ChainState] = field(default_factory=list)
    """Every chain, the first one included (whose rpc_url, chain_id and pid are above too)."""

    def __post_init__(self) -> None:
        self.chains = [ChainState(**c) if isinstance(c, dict) else c for c in self.chains]
        if not self.chains:  # a state file written before devnets had several chains
            self.chains = [ChainState(self.chain_id, self.rpc_url, self.pid)]

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


def _answers(chain: ChainState) -> bool:
    if not _is_our_anvil(chain.pid):
        return False
    try:
        rpc_request(chain.rpc_url, "eth_chainId", [], timeout=1.0)
    except (OSError, ValueError, DevnetError):
        return False
    return True


def is_running(state: DevnetState) -> bool:
    """Every chain's anvil runs and answers."""
    return all(_answers(chain) for chain in state.chains)


def up(
    state_dir: Path,
    keys: str = "keystore",
    environ: Mapping[str, str] | None = None,
    chains: int = 1,
) -> tuple[DevnetState, bool]:
    """Start and deploy the devnet on `chains` chains (chain ids 31337, 31338, …; with two or
    more, the last one has its Safe contracts off the canonical addresses), or report the
    running one. Returns (state, started)."""
    if keys not in KEY_SOURCES:
        raise BadInput(
            f"unknown key source {keys!r}", hint=f"Use one of: {', '.join(KEY_SOURCES)}."
        )
    if not 1 <= chains <= MAX_CHAINS:
        raise BadInput(f"--chains must be 1 to {MAX_CHAINS}, not {chains}")
    existing = load_state(state_dir)
    if existing and is_running(existing):
        if len(existing.chains) != chains:
            raise BadInput(
                f"a devnet with {len(existing.chains)} chain(s) already runs in {state_dir}",
                hint="Stop it first with `safeops devnet down`, or use another --dir.",
            )
        return existing, False
    if existing:
        down(state_dir)  # stop whatever of it still runs, then start afresh
    state_dir.mkdir(parents=True, exist_ok=True)
    environ = environ or {}
    anvils: list[AnvilProcess] = []
    try:
        for index in range(chains):
            anvils.append(
                start_anvil(
                    chain_id=DEVNET_CHAIN_ID + index,
                    log_path=state_dir / _log_name(index),
                    detach=True,
                    binary=environ.get("SAFEOPS_ANVIL"),
                )
            )
        state = _deploy_into(state_dir, anvils, keys, environ)
    except BaseException:
        for anvil in anvils:
            anvil.stop()
        raise
    (state_dir / STATE_FILE).write_text(json.dumps(state.to_json(), indent=2) + "\n")
    return state, True


def _log_name(index: int) -> str:
    return "anvil.log" if index == 0 else f"anvil-{index + 1}.log"


def _deploy_into(
    state_dir: Path, anvils: list[AnvilProcess], keys: str, environ: Mapping[str, str]
) -> DevnetState:
    from safeops.devnet.deploy import deploy_devnet
    from safeops.devnet.examples import write_examples
    from safeops.devnet.policy_file import ChainBlock, chain_suffix, render_chains_policy

    blocks: list[ChainBlock] = []
    chains: list[ChainState] = []
    for index, anvil in enumerate(anvils, start=1):
        # With several chains the last one stands for a chain whose Safe deployments are not
        # at the canonical addresses, so the policy's `libraries` path always runs.
        canonical = len(anvils) == 1 or index < len(anvils)
        deployment = deploy_devnet(anvil.rpc_url, canonical=canonical)
        blocks.append(ChainBlock(deployment, anvil.rpc_url, chain_suffix(index)))
        chains.append(
            ChainState(
                deployment.chain_id, anvil.rpc_url, anvil.pid, chain_suffix(index), canonical
            )
        )
    first = blocks[0]
    placement = place_keys(keys, state_dir, environ)
    policy = state_dir / "policy.toml"
    policy.write_text(render_chains_policy(blocks, placement.policy_keys))
    examples = write_examples(state_dir / "examples", first.rpc_url, first.deployment)
    return DevnetState(
        rpc_url=first.rpc_url,
        chain_id=first.deployment.chain_id,
        pid=chains[0].pid,
        policy=str(policy.resolve()),
        safes={f"{n}{b.suffix}": a for b in blocks for n, a in b.deployment.safes.items()},
        contracts={f"{n}{b.suffix}": a for b in blocks for n, a in b.deployment.contracts.items()},
        signers=first.deployment.signers,
        keys=keys,
        examples={name: str(path.resolve()) for name, path in examples.items()},
        started_at=time.time(),
        bao_pid=placement.bao_pid,
        vault_env=placement.vault_env,
        notes=placement.notes,
        chains=chains,
    )


def down(state_dir: Path) -> tuple[DevnetState | None, list[str]]:
    """Stop the devnet's processes and remove its state; returns what was running, if
    anything, and warnings about what could not be cleaned up (it never stops halfway)."""
    state = load_state(state_dir)
    if state is None:
        return None, []
    processes = [(chain.pid, b"anvil") for chain in state.chains] + [(state.bao_pid, b"bao")]
    for pid, program in processes:
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
    for name in (STATE_FILE, "policy.toml", "vault.env"):
        (state_dir / name).unlink(missing_ok=True)
    for log in state_dir.glob("anvil*.log"):
        log.unlink(missing_ok=True)
    # The proposals folder the policy names (`local:proposals`) held the stopped chains'
    # proposals: a devnet started again must not find them pending.
    for sub in ("keys", "examples", "vault", "proposals"):
        shutil.rmtree(state_dir / sub, ignore_errors=True)
