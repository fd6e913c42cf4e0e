"""The session a command runs in: the policy and the doors to chains, stores and forks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from safeops.core.policy import Policy, SafeEntry
from safeops.core.rehearsal import RehearsalRecord
from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.errors import BadInput
from safeops.proposals.base import ProposalStore
from safeops.workflows.plan_files import plan_path
from safeops.workflows.ports import AuditTrail, NoAudit, Progress, Rehearser, SafeChain


def _silent(_: str) -> None:
    return None


@dataclass
class Session:
    """Built once by the CLI (in the role hatch's `Application` plays) and passed to every
    workflow: workflows read no environment and construct no store, chain, fork or clock.

    Chains and stores are opened on first use and kept for the run, so every step of one
    command shares one RPC pool and one store per Safe. `emergency` runs each Safe in a thread
    of its own on a `for_safe` view of the session: the caches (and their lock) are shared."""

    policy: Policy
    open_chain: Callable[[SafeEntry], SafeChain]
    open_store: Callable[[SafeEntry], ProposalStore]
    rehearser: Rehearser
    plan_dir: Path
    clock: Callable[[], float] = time.time
    progress: Progress = _silent
    rehearsed: dict[SafeTxHash, RehearsalRecord] = field(default_factory=dict, repr=False)
    """Rehearsals run in this process: they count without a signature (`emergency` rehearses,
    then proposes and executes in one run); a record read from a file counts only signed."""
    audit: AuditTrail = field(default_factory=NoAudit)
    older_plan_dirs: tuple[Path, ...] = ()
    """Where plans may also be, found by safeTxHash: folders used before `plan_dir`."""
    _chains: dict[str, SafeChain] = field(default_factory=dict, repr=False)
    _stores: dict[str, ProposalStore] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def safe(self, name: str) -> SafeEntry:
        found = self.policy.safes.get(name)
        if found is None:
            known = ", ".join(self.policy.safes) or "none"
            raise BadInput(f"unknown Safe {name!r}", hint=f"The policy's: {known}.")
        return found

    def chain(self, safe: SafeEntry) -> SafeChain:
        with self._lock:
            if safe.name not in self._chains:
                self._chains[safe.name] = self.open_chain(safe)
            return self._chains[safe.name]

    def store(self, safe: SafeEntry) -> ProposalStore:
        with self._lock:
            if safe.name not in self._stores:
                self._stores[safe.name] = self.open_store(safe)
            return self._stores[safe.name]

    def for_safe(self, name: str) -> Session:
        """The same session, its progress lines prefixed with the Safe's name: what one
        Safe's thread of a multi-Safe emergency works with."""
        outer = self.progress
        return replace(self, progress=lambda message: outer(f"{name}: {message}"))

    def now(self) -> int:
        return int(self.clock())

    def plan_file(self, safe_tx_hash: SafeTxHash, chain_id: int | None = None) -> Path:
        """The plan file of `safe_tx_hash` (on `chain_id` when known): in `plan_dir`, else in
        an older folder that has it, else (for a message) where it would be in `plan_dir`."""
        for folder in (self.plan_dir, *self.older_plan_dirs):
            if chain_id is not None:
                candidates = [plan_path(folder, chain_id, safe_tx_hash)]
            else:
                named = sorted(folder.glob(f"*-{safe_tx_hash}.json"))
                candidates = [*named, folder / f"{safe_tx_hash}.json"]
            for path in candidates:
                if path.is_file():
                    return path
        if chain_id is None:
            return self.plan_dir / f"{safe_tx_hash}.json"
        return plan_path(self.plan_dir, chain_id, safe_tx_hash)
