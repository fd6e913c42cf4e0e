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
from safeops.errors import BadInput, EnvironmentProblem, SafeOpsError
from safeops.files import TEMP_PREFIX, write_atomically
from safeops.interrupts import pause_point
from safeops.proposals.base import ProposalStore, StoredProposal

LOCK_FILE = ".lock"
PROPOSAL_FORMAT = 1
# A write and its rename take milliseconds: a temp file this old belongs to a dead writer.
STALE_TEMP_S = 300


def proposal_to_json(proposal: StoredProposal) -> dict[str, Any]:
    if proposal.plan is None:
        raise BadInput("the local store keeps plans: this proposal has none")
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
        raise BadInput("not a safeops proposal file")
    if "plan" not in document:
        raise BadInput("not a safeops proposal file: it holds no plan")
    signatures = document.get("signatures") or {}
    if not isinstance(signatures, dict) or not all(
        isinstance(owner, str) and isinstance(signature, str)
        for owner, signature in signatures.items()
    ):
        raise BadInput("the proposal's signatures must map owner addresses to 0x signatures")
    proposer, executed_tx = document.get("proposer"), document.get("executedTx")
    if not isinstance(proposer, str | None) or not isinstance(executed_tx, str | None):
        raise BadInput("the proposal's proposer and executedTx must be text or null")
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
    """`local:DIR`: `<chainId>-<safeTxHash>.json` per proposal. Writes go to a temp file in
    the same folder, are fsynced and renamed, so a crash leaves the old file or the new one,
    never half of one; an exclusive lock keeps two processes from interleaving
    read-modify-write.

    Several Safes (and chains) may share one folder: each store sees only the proposals of
    its own (chain id, Safe). The chain id is in the name because a Safe at one address on
    two chains has the same safeTxHash on both before Safe 1.3.0 (no chain id in its domain):
    one name per hash would let one chain's proposal overwrite the other's. Files named
    `<safeTxHash>.json` by earlier versions are still read (and renamed on their next write).
    Readers see only those two shapes: a temp file left by a killed writer is never read, and
    the next write removes it once it is older than any write takes."""

    def __init__(self, directory: Path, chain_id: int, safe: str) -> None:
        self.directory = directory
        self.chain_id = chain_id
        self.safe = safe
        self.label = str(directory)

    def __repr__(self) -> str:
        return f"LocalStore({self.directory}, chain {self.chain_id}, {self.safe})"

    def _path(self, safe_tx_hash: SafeTxHash) -> Path:
        return self.directory / f"{self.chain_id}-{safe_tx_hash}.json"

    def _legacy_path(self, safe_tx_hash: SafeTxHash) -> Path:
        """The name earlier versions gave every proposal, whatever its chain."""
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
        for path in (self._path(safe_tx_hash), self._legacy_path(safe_tx_hash)):
            if path.exists() and self._mine(proposal := self._read(path)):
                return proposal
        return None

    def pending(self, from_nonce: int = 0) -> list[StoredProposal]:
        if not self.directory.is_dir():
            return []
        mine: dict[SafeTxHash, StoredProposal] = {}
        # This chain's files first: where an old-style file of the same hash is left, the
        # chain-named one is the current copy.
        for pattern in (f"{self.chain_id}-0x*.json", "0x*.json"):
            for path in sorted(self.directory.glob(pattern)):
                proposal = self._read(path)
                if self._mine(proposal):
                    mine.setdefault(proposal.safe_tx_hash, proposal)
        found = [p for p in mine.values() if p.pending and p.nonce >= from_nonce]
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
        self._remove_legacy(proposal.safe_tx_hash)
        self._remove_stale_temps()

    def _remove_legacy(self, safe_tx_hash: SafeTxHash) -> None:
        """The old-style file of a proposal just written under its chain-named file, if it is
        this Safe's (on another chain, the same name may be another Safe's proposal)."""
        legacy = self._legacy_path(safe_tx_hash)
        with contextlib.suppress(OSError, SafeOpsError):
            if legacy.exists() and self._mine(self._read(legacy)):
                legacy.unlink()

    def _remove_stale_temps(self) -> None:
        """Temp files of writers killed between write and rename (SIGKILL, power loss)."""
        cutoff = time.time() - STALE_TEMP_S
        for path in self.directory.glob(f"{TEMP_PREFIX}*.json"):
            with contextlib.suppress(OSError):  # gone already, or not ours to remove
                if path.stat().st_mtime < cutoff:
                    path.unlink()
