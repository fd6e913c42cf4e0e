"""The embedded proposal store: one JSON file per proposal, written atomically under a lock."""

from __future__ import annotations

import contextlib
import fcntl
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safeops.core.plan import Plan, plan_from_json
from safeops.core.safe_tx import SafeTx
from safeops.errors import BadInput, EnvironmentProblem
from safeops.files import TEMP_PREFIX, write_atomically
from safeops.interrupts import pause_point

LOCK_FILE = ".lock"
# A write and its rename take milliseconds: a temp file this old belongs to a dead writer.
STALE_TEMP_S = 300


@dataclass
class Proposal:
    """A plan someone proposed, with the owners' signatures collected so far."""

    plan: Plan
    signatures: dict[str, str] = field(default_factory=dict)  # owner -> 0x 65-byte signature
    proposer: str | None = None
    executed_tx: str | None = None

    @property
    def safe_tx_hash(self) -> str:
        return self.plan.safe_tx_hash

    @property
    def safe(self) -> str:
        return self.plan.tx.safe

    @property
    def tx(self) -> SafeTx:
        return self.plan.tx

    @property
    def nonce(self) -> int:
        return self.plan.tx.nonce

    @property
    def pending(self) -> bool:
        return self.executed_tx is None

    def to_json(self) -> dict[str, Any]:
        return {
            "proposal": 1,
            "plan": self.plan.to_json(),
            "signatures": dict(sorted(self.signatures.items())),
            "proposer": self.proposer,
            "executedTx": self.executed_tx,
        }


def proposal_from_json(document: object) -> Proposal:
    if not isinstance(document, dict) or document.get("proposal") != 1:
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
    return Proposal(
        plan=plan_from_json(document["plan"]),
        signatures=dict(signatures),
        proposer=proposer,
        executed_tx=executed_tx,
    )


class StoreUnavailable(EnvironmentProblem):
    """The proposal folder cannot be read or written: permissions, a read-only or full disk."""


class LocalStore:
    """`local:DIR`: `<safeTxHash>.json` per proposal. Writes go to a temp file in the same
    folder, are fsynced and renamed, so a crash leaves the old file or the new one, never
    half of one; an exclusive lock keeps two processes from interleaving read-modify-write.

    Readers see only `0x….json`: a temp file left by a killed writer is never read, and the
    next write removes it once it is older than any write takes (STALE_TEMP_S)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, safe_tx_hash: str) -> Path:
        return self.directory / f"{safe_tx_hash.lower()}.json"

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

    def _read(self, path: Path) -> Proposal:
        try:
            text = path.read_text()
        except OSError as error:
            raise self._unavailable("read", error) from None
        try:
            return proposal_from_json(json.loads(text))
        except ValueError as error:
            raise BadInput(f"proposal file {path} is not JSON") from error

    def get(self, safe_tx_hash: str) -> Proposal | None:
        path = self._path(safe_tx_hash)
        if not path.exists():
            return None
        return self._read(path)

    def put(self, proposal: Proposal) -> None:
        """Write `proposal` atomically (call inside `locked()` when reading it first)."""
        text = json.dumps(proposal.to_json(), indent=2) + "\n"
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

    def all(self) -> list[Proposal]:
        if not self.directory.is_dir():
            return []
        return [self._read(path) for path in sorted(self.directory.glob("0x*.json"))]

    def pending(self, safe: str, from_nonce: int = 0) -> list[Proposal]:
        """Proposals for `safe` not yet executed, at `from_nonce` or later, by nonce."""
        found = [p for p in self.all() if p.safe == safe and p.pending and p.nonce >= from_nonce]
        return sorted(found, key=lambda p: (p.nonce, p.safe_tx_hash))
