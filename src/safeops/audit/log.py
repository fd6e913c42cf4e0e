"""The audit log: one JSON line per action, hash-chained, appended under a lock and fsynced."""

from __future__ import annotations

import fcntl
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from safeops.audit.chain import ChainCheck, chain_entry, verify_chain
from safeops.errors import BadInput


class AuditLog:
    """Append-only: entries hold names, addresses, hashes and outcomes, never key material."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, action: str, outcome: str, **details: Any) -> dict[str, Any]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "r+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
            handle.seek(0)
            lines = [line for line in handle.read().splitlines() if line.strip()]
            previous = json.loads(lines[-1]) if lines else None
            fields = {
                "time": datetime.now(UTC).isoformat(timespec="seconds"),
                "action": action,
                "outcome": outcome,
                "details": details,
            }
            entry = chain_entry(previous, fields)
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return entry

    def _lines(self) -> list[str]:
        if not self.path.exists():
            return []
        try:
            return [line for line in self.path.read_text().splitlines() if line.strip()]
        except (OSError, UnicodeDecodeError) as error:
            raise BadInput(f"cannot read the audit log {self.path}") from error

    def entries(self) -> list[dict[str, Any]]:
        """The entries; a line that is not JSON stays as a marker `verify` reports."""
        parsed: list[dict[str, Any]] = []
        for line in self._lines():
            try:
                parsed.append(json.loads(line))
            except ValueError:
                parsed.append({"unreadable": line[:80]})
        return parsed

    def verify(self) -> ChainCheck:
        return verify_chain(self.entries())
