"""The audit entries of a command: its intent before it runs (no entry, no run), its outcome
when it ends, signed by every key that took part."""

from __future__ import annotations

import os
import stat
from collections.abc import Collection, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from safeops.audit.log import AuditLog
    from safeops.cli.console import Output
    from safeops.keys.signer import Signer

SYSLOG_ENV = "SAFEOPS_AUDIT_SYSLOG"
DEFAULT_SYSLOG = "/dev/log"

AUDITED = (
    "plan",
    "review",
    "rehearse",
    "propose",
    "sign",
    "execute",
    "queue",
    "emergency",
    "reject",
)
"""Commands that act, refuse or fail on the protocol's behalf: each writes its intent before
it runs and its outcome before it exits (`keys import` and `keys check`, which read keys, too).
Read-only tools do not."""
AUDITED_PATHS = ("keys import", "keys check")


def audit_log_path(output: Output | None = None) -> Path:
    """`$SAFEOPS_AUDIT_LOG`, else `audit.jsonl` in the safeops home of this run's policy."""
    from safeops.cli import home

    return home.audit_log(home.safeops_home(output.policy if output is not None else None))


def syslog_address() -> str | None:
    """`$SAFEOPS_AUDIT_SYSLOG` (a socket path, or `off`), else /dev/log when it is a socket."""
    configured = os.environ.get(SYSLOG_ENV)
    if configured is not None:
        return None if configured.strip().lower() in ("", "off") else configured
    try:
        return DEFAULT_SYSLOG if stat.S_ISSOCK(os.stat(DEFAULT_SYSLOG).st_mode) else None
    except OSError:
        return None


def audit_log(output: Output | None = None) -> AuditLog:
    from safeops.audit.log import AuditLog

    return AuditLog(audit_log_path(output), syslog_address())


def is_audited(path: str, args: Collection[str]) -> bool:
    """Whether the command at `path` (`emergency pause`) is audited; never its --help."""
    if "--help" in args:
        return False
    return path.split(" ")[0] in AUDITED or path in AUDITED_PATHS


class KeyUse:
    """A policy signer that notes when its key is used, so that the command's audit entry is
    signed by exactly the keys that took part."""

    def __init__(self, signer: Signer, used: list[Signer]) -> None:
        self._signer = signer
        self._used = used

    def _note(self) -> None:
        if self._signer not in self._used:
            self._used.append(self._signer)

    @property
    def name(self) -> str:
        return self._signer.name

    @property
    def address(self) -> str:
        return self._signer.address

    @property
    def source(self) -> str:
        return self._signer.source

    def __repr__(self) -> str:
        return repr(self._signer)

    def verify(self) -> str:
        return self._signer.verify()

    def held(self) -> AbstractContextManager[None]:
        return self._signer.held()

    def sign_digest(self, digest: bytes) -> bytes:
        signature = self._signer.sign_digest(digest)
        self._note()
        return signature

    def sign_typed_data(self, typed: Mapping[str, Any]) -> bytes:
        signature = self._signer.sign_typed_data(typed)
        self._note()
        return signature

    def sign_transaction(self, transaction: Mapping[str, Any]) -> bytes:
        raw = self._signer.sign_transaction(transaction)
        self._note()
        return raw


def write_intent(output: Output, path: str, args: list[str]) -> None:
    """The entry a command writes before it runs: proves the log writable before any key is
    used or anything sent (AuditUnavailable, exit 3, otherwise)."""
    audit_log(output).append(path, "started", args=args)
    output.audit_started = True


def write_outcome(output: Output, outcome: str) -> None:
    """The command's closing entry, signed by every key it used. A key that cannot sign now
    (its source went away) leaves the entry unsigned, saying why: `audit verify` reports it."""
    from safeops.audit.log import body
    from safeops.audit.signatures import sign_entry
    from safeops.errors import SafeOpsError

    fields = body(output.audit_action or "?", outcome, output.audit_details)
    used = list(output.keys_used)
    if used:
        fields["signed_by"] = [signer.address for signer in used]
    try:
        signatures = [sign_entry(fields, signer) for signer in used]
    except SafeOpsError as error:
        fields["signature_error"] = error.message
        signatures = []
    audit_log(output).append_signed(fields, signatures)
