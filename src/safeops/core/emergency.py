"""The report of an emergency across Safes and chains: each Safe's status in words, and the
one exit code the whole run ends with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DONE = "done"
"""Executed, and every postcondition proven on chain."""
ALREADY_DONE = "already_done"
"""Nothing left to do: every target's check already held (or the same withdrawal executed)."""
WAITING = "waiting"
"""Proposed (and signed by this signer where it may): more signatures or an executor needed."""
REHEARSED = "rehearsed"
"""A dry run that reviewed and rehearsed everything, and proposed nothing."""
FAILED = "failed"
"""Refused, failed or unreachable: the reason says which step and why."""
STATUSES = (DONE, ALREADY_DONE, WAITING, REHEARSED, FAILED)

# Exit codes of the CLI contract (errors.ExitCode), as plain ints: core reports, cli exits.
EXIT_OK, EXIT_REFUSED, EXIT_ENVIRONMENT = 0, 1, 3

_PAST = {"pause": "paused", "unpause": "unpaused", "revoke": "revoked", "withdraw": "withdrawn"}


def status_words(action: str, status: str) -> str:
    """`paused`, `already paused`, `waiting for signatures`, … as the report says it."""
    done = _PAST.get(action, "done")
    return {
        DONE: done,
        ALREADY_DONE: f"already {done}",
        WAITING: "waiting",
        REHEARSED: "rehearsed (dry run)",
        FAILED: "failed",
    }[status]


@dataclass(frozen=True)
class Failure:
    """Why one Safe's flow stopped: the step, the error's one line and hint, its exit code."""

    step: str
    kind: str
    message: str
    hint: str
    exit_code: int

    @property
    def unreachable(self) -> bool:
        """The environment's fault (an RPC, Vault or the store), not a refusal."""
        return self.exit_code == EXIT_ENVIRONMENT

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "type": self.kind,
            "message": self.message,
            "hint": self.hint,
            "exit_code": self.exit_code,
        }


def run_exit_code(
    statuses: Sequence[str], failures: Sequence[Failure], *, dry_run: bool = False
) -> int:
    """0 only when every Safe is done (or already was; rehearsed for a dry run); 3 when the
    only thing in the way is unreachable environments; 1 for anything else (a refusal, a
    failed proof, or a proposal still waiting for signatures)."""
    finished = {DONE, ALREADY_DONE, REHEARSED} if dry_run else {DONE, ALREADY_DONE}
    if all(status in finished for status in statuses):
        return EXIT_OK
    unfinished = [status for status in statuses if status not in finished]
    if failures and all(s == FAILED for s in unfinished) and all(f.unreachable for f in failures):
        return EXIT_ENVIRONMENT
    return EXIT_REFUSED
