"""`safeops emergency pause|unpause|revoke|withdraw`: every Safe (chain) the request involves
goes through plan, review, rehearsal, proposal, signature and execution on its own and at
the same time, so a dead RPC, a failed review or a waiting threshold on one chain never holds
up another; the run reports every Safe."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from safeops.core.emergency import STATUSES, Failure, run_exit_code
from safeops.workflows.emergency_flow import EmergencySigner, run_safe
from safeops.workflows.emergency_intents import Intent
from safeops.workflows.emergency_outcome import Outcome
from safeops.workflows.session import Session


@dataclass(frozen=True)
class EmergencyRun:
    """Every Safe's outcome, in the policy's order, and whether an interrupt cut it short."""

    action: str
    outcomes: list[Outcome]
    dry_run: bool = False
    interrupted: KeyboardInterrupt | None = None

    @property
    def failures(self) -> list[Failure]:
        return [o.failure for o in self.outcomes if o.failure is not None]

    @property
    def exit_code(self) -> int:
        statuses = [o.status for o in self.outcomes]
        return run_exit_code(statuses, self.failures, dry_run=self.dry_run)

    @property
    def done(self) -> bool:
        """Every target now in the requested state, proven (never for a dry run)."""
        return not self.dry_run and self.exit_code == 0

    def to_json(self) -> dict[str, Any]:
        entries = [o.to_json() for o in self.outcomes]
        counts = dict.fromkeys(STATUSES, 0)
        for outcome in self.outcomes:
            counts[outcome.status] += 1
        return {
            **entries[0],  # a one-Safe run reads like its steps, as it always has
            "action": self.action,
            "outcomes": entries,
            "counts": counts,
            "dry_run": self.dry_run,
            "done": self.done,
            "exit_code": self.exit_code,
            "interrupted": self.interrupted is not None,
        }


def emergency(
    session: Session, intent: Intent, signer: EmergencySigner, *, dry_run: bool = False
) -> EmergencyRun:
    """Bad input stops everything before any Safe is touched; after that, each Safe runs in a
    thread of its own (one Safe: in this thread, as a single command always did)."""
    names = intent.safes(session.policy)
    if len(names) == 1:
        outcomes = run_safe(session, intent, names[0], signer, dry_run=dry_run)
        return EmergencyRun(intent.action, outcomes, dry_run)
    cancel = threading.Event()
    interrupted: KeyboardInterrupt | None = None
    with ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="safeops-safe") as pool:
        futures = [
            pool.submit(
                run_safe,
                session.for_safe(name),
                intent,
                name,
                signer,
                dry_run=dry_run,
                cancel=cancel,
            )
            for name in names
        ]
        try:
            wait(futures)
        except KeyboardInterrupt as interrupt:  # signals reach the main thread only
            interrupted = interrupt
            cancel.set()
            session.progress("interrupted: every Safe stops after the step it is in …")
            _wait_out(futures)
    outcomes = [outcome for future in futures for outcome in future.result()]
    return EmergencyRun(intent.action, outcomes, dry_run, interrupted)


def _wait_out(futures: list[Future[list[Outcome]]]) -> None:
    """Wait until every Safe has stopped: a step under way (a transaction being sent, a fork
    being torn down) finishes, and the report then says what each Safe did."""
    while True:
        try:
            wait(futures)
            return
        except KeyboardInterrupt:
            continue  # said once already; the threads stop at their next step
