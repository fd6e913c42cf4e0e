"""The audit log: one JSON line per action, hash-chained, appended under a lock and fsynced."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from safeops.audit.chain import ChainCheck, chain_entry, verify_chain
from safeops.audit.witness import Witness, check_witness, mirror_to_syslog
from safeops.errors import BadInput, EnvironmentProblem

T = TypeVar("T")
ENTRY_VERSION = 2
"""Entries since signatures: an entry of this version lists in `signed_by` every key that took
part in its action, and carries each one's signature (`audit verify` requires them)."""


class AuditUnavailable(EnvironmentProblem):
    """The audit log cannot be written: nothing may be signed or sent unrecorded."""


class AuditLog:
    """Append-only: entries hold names, addresses, hashes and outcomes, never key material.

    Each entry's hash is also mirrored to the system log (`syslog`), a witness outside the
    file: a log whose tail was cut, or that was deleted, no longer matches it."""

    def __init__(self, path: Path, syslog: str | None = None) -> None:
        self.path = path
        self.syslog = syslog

    def _unavailable(self, error: OSError) -> AuditUnavailable:
        return AuditUnavailable(
            f"cannot write the audit log {self.path}: {error.strerror or error}",
            hint="Nothing was signed or sent. Make the log writable (or point "
            "SAFEOPS_AUDIT_LOG at a writable file), then run the command again.",
        )

    def append(self, action: str, outcome: str, **details: Any) -> dict[str, Any]:
        """Append one entry; AuditUnavailable when it cannot be written durably."""
        return self.append_unless(body(action, outcome, details), _no_conflict)[1]

    def append_signed(self, fields: dict[str, Any], signatures: Sequence[Any]) -> dict[str, Any]:
        """Append `fields` (a `body`) with the signatures its signers made over it."""
        return self.append_unless(fields, _no_conflict, signatures)[1]

    def append_unless(
        self,
        fields: dict[str, Any],
        conflict: Callable[[list[dict[str, Any]]], T | None],
        signatures: Sequence[Any] = (),
    ) -> tuple[T | None, dict[str, Any]]:
        """Under the log's lock: when `conflict(entries)` finds something, write nothing and
        return it; otherwise append `fields` as the next entry and return it."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(descriptor, "r+") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
                handle.seek(0)
                entries = _parsed(handle.read().splitlines())
                found = conflict(entries)
                if found is not None:
                    return found, {}
                previous = entries[-1] if entries else None
                entry = chain_entry(previous, fields)
                if signatures:
                    entry["signatures"] = list(signatures)
                handle.write(json.dumps(entry, sort_keys=True) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as error:
            raise self._unavailable(error) from None
        mirror_to_syslog(self.syslog, self.path, entry)
        return None, entry

    def _lines(self) -> list[str]:
        if not self.path.exists():
            return []
        try:
            return [line for line in self.path.read_text().splitlines() if line.strip()]
        except (OSError, UnicodeDecodeError) as error:
            raise BadInput(f"cannot read the audit log {self.path}") from error

    def entries(self) -> list[dict[str, Any]]:
        """The entries; a line that is not JSON stays as a marker `verify` reports."""
        return _parsed(self._lines())

    def verify(self, witness: Witness | None = None) -> ChainCheck:
        """The chain, the entries' signatures, and (given one) the witness of its head. A log
        that is missing or empty proves nothing: it is reported, never passed."""
        if not self.path.exists():
            return ChainCheck(False, 0, f"there is no audit log at {self.path}")
        entries = self.entries()
        if not entries:
            return ChainCheck(False, 0, f"the audit log {self.path} is empty")
        check = verify_chain(entries)
        if check.ok:
            from safeops.audit.signatures import verify_signatures

            problem = verify_signatures(entries, ENTRY_VERSION)
            if problem is not None:
                return ChainCheck(False, len(entries), problem)
        if check.ok and witness is not None:
            problem = check_witness(entries, witness)
            if problem is not None:
                return ChainCheck(False, len(entries), problem)
        return check


def body(action: str, outcome: str, details: dict[str, Any]) -> dict[str, Any]:
    """An entry before it is chained: what signers sign (see `audit.signatures`)."""
    return {
        "v": ENTRY_VERSION,
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "action": action,
        "outcome": outcome,
        "details": details,
    }


def _no_conflict(_: list[dict[str, Any]]) -> None:
    return None


def _parsed(lines: list[str]) -> list[dict[str, Any]]:
    parsed: list[dict[str, Any]] = []
    for line in lines:
        if not line.strip():
            continue
        try:
            parsed.append(json.loads(line))
        except ValueError:
            parsed.append({"unreadable": line[:80]})
    return parsed
