"""The embedded proposal store: one JSON file per proposal, written atomically under a lock."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path

from safeops.core.json_text import parse_json
from safeops.core.plan import Plan
from safeops.core.sending import SendRecord
from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.errors import BadInput, EnvironmentProblem, SafeOpsError
from safeops.files import TEMP_PREFIX, write_atomically
from safeops.interrupts import pause_point
from safeops.proposals.base import ProposalStore, StoredProposal
from safeops.proposals.proposal_file import proposal_from_json, proposal_to_json, stored_of

LOCK_FILE = ".lock"
# A write and its rename take milliseconds: a temp file this old belongs to a dead writer.
STALE_TEMP_S = 300
# What `put` writes: anything else matching 0x*.json (a sync tool's "conflicted copy") is not
# a proposal of this store, whatever it holds.
PROPOSAL_NAME = re.compile(r"([0-9]+-)?0x[0-9a-f]{64}\.json")


class StoreUnavailable(EnvironmentProblem):
    """The proposal folder cannot be read or written: permissions, a read-only or full disk."""


Warn = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


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
    the next write removes it once it is older than any write takes. A file that cannot be
    read as a proposal (a sync tool's conflicted copy, a truncated file) is skipped with a
    warning when listing: it must not stop every Safe sharing the folder."""

    def __init__(self, directory: Path, chain_id: int, safe: str, warn: Warn = _quiet) -> None:
        self.directory = directory
        self.chain_id = chain_id
        self.safe = safe
        self.label = str(directory)
        self.warn = warn

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

    def check_writable(self) -> None:
        """Create, fsync and remove a temp file where proposals are written, under the lock."""
        with self.locked():
            try:
                descriptor, probe = tempfile.mkstemp(
                    dir=self.directory, prefix=TEMP_PREFIX, suffix=".probe"
                )
                try:
                    os.write(descriptor, b"safeops write probe\n")
                    os.fsync(descriptor)
                finally:
                    os.close(descriptor)
                    Path(probe).unlink(missing_ok=True)
            except OSError as error:
                raise self._unavailable("write to", error) from None

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

    def _readable(self) -> Iterator[StoredProposal]:
        """Every proposal file of the folder that reads as one filed under its own hash; the
        others are named in a warning and never used."""
        paths = [
            *sorted(self.directory.glob(f"{self.chain_id}-0x*.json")),
            *sorted(self.directory.glob("0x*.json")),
        ]
        for path in paths:
            if not PROPOSAL_NAME.fullmatch(path.name):
                self.warn(f"skipped {path}: not a proposal file name (a sync tool's copy?)")
                continue
            try:
                proposal = self._read(path)
            except SafeOpsError as error:  # unreadable, not JSON, not a proposal, edited
                self.warn(f"skipped unreadable proposal file {path}: {error.message}")
                continue
            own = (f"{proposal.safe_tx_hash}.json", self._path(proposal.safe_tx_hash).name)
            if path.name not in own:
                self.warn(f"skipped {path}: it holds proposal {proposal.safe_tx_hash}")
                continue
            yield proposal

    def pending(self, from_nonce: int = 0) -> list[StoredProposal]:
        if not self.directory.is_dir():
            return []
        mine: dict[SafeTxHash, StoredProposal] = {}
        # This chain's files come first: where an old-style file of the same hash is left,
        # the chain-named one is the current copy.
        for proposal in self._readable():
            if self._mine(proposal):
                mine.setdefault(proposal.safe_tx_hash, proposal)
        found = [p for p in mine.values() if p.pending and p.nonce >= from_nonce]
        return sorted(found, key=lambda p: (p.nonce, p.safe_tx_hash))

    def put(self, plan: Plan, signatures: Mapping[str, str], proposer: str | None) -> None:
        self._write(stored_of(plan, signatures, proposer, None))

    def add_signature(self, plan: Plan, owner: str, signature: str) -> dict[str, str]:
        with self.locked():  # read-modify-write: another signer may be adding theirs now
            stored = self.get(plan.safe_tx_hash)
            signatures = dict(stored.signatures) if stored else {}
            signatures[owner] = signature
            proposer = stored.proposer if stored else None
            executed = stored.executed_tx if stored else None
            sends = stored.sends if stored else ()
            self._write(stored_of(plan, signatures, proposer, executed, sends))
            return signatures

    def mark_executed(self, safe_tx_hash: SafeTxHash, tx_hash: str) -> None:
        with self.locked():
            stored = self.get(safe_tx_hash)
            if stored is not None and stored.plan is not None:
                self._write(
                    stored_of(
                        stored.plan, stored.signatures, stored.proposer, tx_hash, stored.sends
                    )
                )

    def record_send(self, record: SendRecord, known: Collection[str]) -> SendRecord | None:
        with self.locked():  # another run may be recording its own send of this proposal now
            stored = self.get(record.safe_tx_hash)
            if stored is None or stored.plan is None:
                raise BadInput(f"no proposal {record.safe_tx_hash} in {self.directory}")
            other = next((s for s in stored.sends if s.tx_hash not in known), None)
            if other is not None:
                return other
            sends = (*stored.sends, record)
            plan, executed = stored.plan, stored.executed_tx
            self._write(stored_of(plan, stored.signatures, stored.proposer, executed, sends))
        return None

    def forget_send(self, safe_tx_hash: SafeTxHash, tx_hash: str) -> None:
        with self.locked():
            stored = self.get(safe_tx_hash)
            if stored is not None and stored.plan is not None:
                sends = tuple(s for s in stored.sends if s.tx_hash != tx_hash)
                executed = stored.executed_tx
                self._write(
                    stored_of(stored.plan, stored.signatures, stored.proposer, executed, sends)
                )

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
