"""Witnesses outside the log file: the head (count and hash) kept elsewhere, and syslog."""

from __future__ import annotations

import contextlib
import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safeops.errors import BadInput

_WITNESS = re.compile(r"(\d+):([0-9a-f]{64})")
SYSLOG_TAG = "safeops-audit"
SYSLOG_PRIORITY = 10 * 8 + 6  # facility authpriv (10), severity info (6), as in syslog(3)


@dataclass(frozen=True)
class Witness:
    """`N:HASH`: the log had N entries and the last one's hash was HASH (`audit head`)."""

    count: int
    head: str

    @classmethod
    def parse(cls, text: str) -> Witness:
        match = _WITNESS.fullmatch(text.strip().lower())
        if match is None or int(match.group(1)) == 0:
            raise BadInput(
                f"not an audit witness: {text!r}",
                hint="Give COUNT:HASH as `safeops audit head` prints it, e.g. 12:3fa1…",
            )
        return cls(int(match.group(1)), match.group(2))

    def __str__(self) -> str:
        return f"{self.count}:{self.head}"


def head_of(entries: Sequence[Mapping[str, Any]]) -> Witness | None:
    """The witness of a log as it is now; None for an empty one."""
    if not entries:
        return None
    return Witness(len(entries), str(entries[-1].get("hash")))


def check_witness(entries: Sequence[Mapping[str, Any]], witness: Witness) -> str | None:
    """The log must still hold the witnessed head at its place: entries after it are new,
    fewer entries mean its tail was cut, another hash there means it was rewritten."""
    if len(entries) < witness.count:
        return (
            f"the log holds {len(entries)} entries, the witness {witness} says there were "
            f"{witness.count}: its last {witness.count - len(entries)} were removed"
        )
    found = entries[witness.count - 1].get("hash")
    if found != witness.head:
        return (
            f"entry {witness.count} has hash {found}, the witness says {witness.head}: "
            "the log was rewritten"
        )
    return None


def mirror_to_syslog(address: str | None, log: Path, entry: Mapping[str, Any]) -> None:
    """Send the entry's number and hash to the system log through its standard socket (e.g.
    /dev/log, which journald or rsyslog keep out of the user's reach). Best effort: a machine
    without a syslog daemon still gets its file entry, and `audit head` remains."""
    if not address:
        return
    message = (
        f"<{SYSLOG_PRIORITY}>{SYSLOG_TAG}: log={log} seq={entry.get('seq')} "
        f"hash={entry.get('hash')} action={entry.get('action')!s} "
        f"outcome={entry.get('outcome')!s}"
    )
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.settimeout(1.0)
        sock.connect(address)
        sock.send(message.encode())
