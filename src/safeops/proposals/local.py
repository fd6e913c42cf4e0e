"""The embedded proposal store: one JSON file per proposal, written atomically under a lock."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safeops.core.plan import Plan, plan_from_json
from safeops.core.safe_tx import SafeTx
from safeops.errors import BadInput

LOCK_FILE = ".lock"


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
    return Proposal(
        plan=plan_from_json(document["plan"]),
        signatures=dict(document.get("signatures") or {}),
        proposer=document.get("proposer"),
        executed_tx=document.get("executedTx"),
    )


class LocalStore:
    """`local:DIR`: `<safeTxHash>.json` per proposal. Writes go to a temp file in the same
    folder, are fsynced and renamed, so a crash leaves the old file or the new one, never
    half of one; an exclusive lock keeps two processes from interleaving read-modify-write."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, safe_tx_hash: str) -> Path:
        return self.directory / f"{safe_tx_hash.lower()}.json"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / LOCK_FILE, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def get(self, safe_tx_hash: str) -> Proposal | None:
        path = self._path(safe_tx_hash)
        if not path.exists():
            return None
        try:
            return proposal_from_json(json.loads(path.read_text()))
        except ValueError as error:
            raise BadInput(f"proposal file {path} is not JSON") from error

    def put(self, proposal: Proposal) -> None:
        """Write `proposal` atomically (call inside `locked()` when reading it first)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        text = json.dumps(proposal.to_json(), indent=2) + "\n"
        descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self._path(proposal.safe_tx_hash))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def all(self) -> list[Proposal]:
        if not self.directory.is_dir():
            return []
        return [
            proposal_from_json(json.loads(path.read_text()))
            for path in sorted(self.directory.glob("0x*.json"))
        ]

    def pending(self, safe: str, from_nonce: int = 0) -> list[Proposal]:
        """Proposals for `safe` not yet executed, at `from_nonce` or later, by nonce."""
        found = [p for p in self.all() if p.safe == safe and p.pending and p.nonce >= from_nonce]
        return sorted(found, key=lambda p: (p.nonce, p.safe_tx_hash))
