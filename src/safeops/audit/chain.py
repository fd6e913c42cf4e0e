"""The audit log's hash chain: each entry commits to the one before, so an edit shows."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


UNHASHED = ("hash", "signatures")
"""The signatures are made over the entry's body before it is chained, and added after."""


def entry_hash(entry: Mapping[str, Any]) -> str:
    """sha256 of the entry's canonical JSON without its own `hash` and its signatures."""
    body = {k: v for k, v in entry.items() if k not in UNHASHED}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def chain_entry(previous: Mapping[str, Any] | None, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The next entry after `previous` (None for the first), sealed with its hash."""
    entry = {
        **fields,
        "seq": 0 if previous is None else int(previous["seq"]) + 1,
        "prev": GENESIS if previous is None else str(previous["hash"]),
    }
    entry["hash"] = entry_hash(entry)
    return entry


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int
    problem: str | None = None  # the first break, with its line


def verify_chain(entries: Sequence[Mapping[str, Any]]) -> ChainCheck:
    """Every entry's hash recomputes, links to the previous one and numbers follow."""
    previous: Mapping[str, Any] | None = None
    for line, entry in enumerate(entries, start=1):
        expected_prev = GENESIS if previous is None else previous.get("hash")
        expected_seq = 0 if previous is None else int(previous.get("seq", -2)) + 1
        if entry.get("seq") != expected_seq:
            return ChainCheck(
                False,
                len(entries),
                f"line {line}: sequence {entry.get('seq')} where {expected_seq} was expected",
            )
        if entry.get("prev") != expected_prev:
            return ChainCheck(False, len(entries), f"line {line}: does not link to line {line - 1}")
        if entry.get("hash") != entry_hash(entry):
            return ChainCheck(False, len(entries), f"line {line}: its content was changed")
        previous = entry
    return ChainCheck(True, len(entries))
