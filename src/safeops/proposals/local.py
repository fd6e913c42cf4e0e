"""The embedded proposal store: one JSON file per proposal, written atomically under a lock."""

from __future__ import annotations

import contextlib
import fcntl
import json
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from safeops.core.json_text import parse_json
from safeops.core.plan import Plan, plan_from_json
from safeops.core.safe_tx import SafeTxHash
from safeops.errors import BadInput, EnvironmentProblem
from safeops.files import TEMP_PREFIX, write_atomically
from safeops.interrupts import pause_point
from safeops.proposals.base import ProposalStore, StoredProposal

_HINT = (
    "Proposal files are written by `safeops propose`: restore this one from git or propose again."
)

LOCK_FILE = ".lock"
PROPOSAL_FORMAT = 1
# A write and its rename take milliseconds: a temp file this old belongs to a dead writer.
STALE_TEMP_S = 300


def proposal_to_json(proposal: StoredProposal) -> dict[str, Any]:
    if proposal.plan is None:
        raise BadInput("the local store keeps plans: this proposal has none", hint=_HINT)
    return {
        "proposal": PROPOSAL_FORMAT,
        "plan": proposal.plan.to_json(),
        "signatures": dict(sorted(proposal.signatures.items())),
        "proposer": proposal.proposer,
        "executedTx": proposal.executed_tx,
    }


def proposal_from_json(document: object) -> StoredProposal:
    """A proposal file's content, checked (the plan's hashes recomputed); BadInput if not one."""
    if not isinstance(document, dict) or document.get("proposal") != PROPOSAL_FORMAT:
        raise BadInput("not a safeops proposal file", hint=_HINT)
    if "plan" not in document:
        raise BadInput("not a safeops proposal file: it holds no plan", hint=_HINT)
    signatures = document.get("signatures") or {}
    if not isinstance(signatures, dict) or not all(
        isinstance(owner, str) and isinstance(signature, str)
        for owner, signature in signatures.items()
    ):
        raise BadInput(
            "the proposal's signatures must map owner addresses to 0x signatures", hint=_HINT
        )
    proposer, executed_tx = document.get("proposer"), document.get("executedTx")
    if not isinstance(proposer, str | None) or not isinstance(executed_tx, str | None):
        raise BadInput("the proposal's proposer and executedTx must be text or null", hint=_HINT)
    plan = plan_from_json(document["plan"])
    return _stored(plan, dict(signatures), proposer, executed_tx)


def _stored(
    plan: Plan, signatures: Mapping[str, str], proposer: str | None, executed_tx: str | None
) -> StoredProposal:
    return StoredProposal(
        plan.tx, plan.safe_tx_hash, plan.chain_id, dict(signatures), plan, proposer, executed_tx
    )


class StoreUnavailable(EnvironmentProblem):
    """The proposal folder cannot be read or written: permissions, a read-only or full disk."""


class LocalStore(ProposalStore):
    """`local:DIR`: `<safeTxHash>.json` per proposal. Writes go to a temp file in the same
    folder, are fsynced and renamed, so a crash leaves the old file or the new one, never
    half of one; an exclusive lock keeps two processes from interleaving read-modify-write.

    Several Safes (and chains) may share one folder: each store sees only the proposals of
    its own (chain id, Safe). Readers see only `0x….json`: a temp file left by a killed writer
    is never read, and the next write removes it once it is older than any write takes."""

    def __init__(self, directory: Path, chain_id: int, safe: str) -> None:
        self.directory = directory
        self.chain_id = chain_id
        self.safe = safe
        self.label = str(directory)

    def __repr__(self) -> str:
        return f"LocalStore({self.directory}, chain {self.chain_id}, {self.safe})"

    def _path(self, safe_tx_hash: SafeTxHash) -> Path:
        return self.directory / f"{safe_tx_hash}.json"

    def _unavailable(self, doing: str, error: OSError) -> StoreUnavailable:
        return StoreUnavailable(
            f"cannot {doing} the proposal store {self.directory}: {error.strerror or error}",
            hint="Nothing was stored. Make the folder writable (or point the policy's "
            "`proposals` elsewhere), then run the command again.",
        )

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            lock = open(self.directory / LOCK_FILE, "a")  # noqa: SIM115 (closed below)
        except OSError as error:
            raise self._unavailable("write to", error) from None  # the lock is a file in it
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self, path: Path) -> StoredProposal:
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise self._unavailable("read", error) from None
        return proposal_from_json(parse_json(raw, f"proposal file {path}"))

    def _mine(self, proposal: StoredProposal) -> bool:
        return proposal.chain_id == self.chain_id and proposal.safe == self.safe

    def get(self, safe_tx_hash: SafeTxHash) -> StoredProposal | None:
        path = self._path(safe_tx_hash)
        if not path.exists():
            return None
        proposal = self._read(path)
        return proposal if self._mine(proposal) else None

    def pending(self, from_nonce: int = 0) -> list[StoredProposal]:
        if not self.directory.is_dir():
            return []
        found = [
            p
            for p in map(self._read, sorted(self.directory.glob("0x*.json")))
            if self._mine(p) and p.pending and p.nonce >= from_nonce
        ]
        return sorted(found, key=lambda p: (p.nonce, p.safe_tx_hash))

    def put(self, plan: Plan, signatures: Mapping[str, str], proposer: str | None) -> None:
        self._write(_stored(plan, signatures, proposer, None))

    def add_signature(self, plan: Plan, owner: str, signature: str) -> dict[str, str]:
        with self.locked():  # read-modify-write: another signer may be adding theirs now
            stored = self.get(plan.safe_tx_hash)
            signatures = dict(stored.signatures) if stored else {}
            signatures[owner] = signature
            proposer = stored.proposer if stored else None
            executed = stored.executed_tx if stored else None
            self._write(_stored(plan, signatures, proposer, executed))
            return signatures

    def mark_executed(self, safe_tx_hash: SafeTxHash, tx_hash: str) -> None:
        with self.locked():
            stored = self.get(safe_tx_hash)
            if stored is not None and stored.plan is not None:
                self._write(_stored(stored.plan, stored.signatures, stored.proposer, tx_hash))

    def _write(self, proposal: StoredProposal) -> None:
        """Write atomically (callers hold `locked()` when they read first)."""
        text = json.dumps(proposal_to_json(proposal), indent=2) + "\n"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            write_atomically(
                self._path(proposal.safe_tx_hash),
                text,
                before_rename=lambda temporary: pause_point(
                    "store:before-rename", temporary=temporary
                ),
            )
        except OSError as error:
            raise self._unavailable("write to", error) from None
        self._remove_stale_temps()

    def _remove_stale_temps(self) -> None:
        """Temp files of writers killed between write and rename (SIGKILL, power loss)."""
        cutoff = time.time() - STALE_TEMP_S
        for path in self.directory.glob(f"{TEMP_PREFIX}*.json"):
            with contextlib.suppress(OSError):  # gone already, or not ours to remove
                if path.stat().st_mtime < cutoff:
                    path.unlink()
