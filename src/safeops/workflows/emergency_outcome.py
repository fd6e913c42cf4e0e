"""One line of the emergency report: what happened to one Safe's plan (or to a Safe with
nothing left to plan), step by step, and its JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from safeops.core.emergency import FAILED, WAITING, Failure, status_words
from safeops.core.policy import SafeEntry
from safeops.errors import SafeOpsError
from safeops.workflows.executed import Executed
from safeops.workflows.plan import WrittenPlan
from safeops.workflows.review import Review


@dataclass
class Outcome:
    """One Safe's plan through the steps; `status` is one of core.emergency.STATUSES."""

    safe: SafeEntry
    action: str
    status: str = FAILED
    step: str = "start"
    items: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    note: str | None = None
    written: WrittenPlan | None = None
    resumed: bool = False
    review: Review | None = None
    rehearsed: bool = False
    confirmations: int = 0
    threshold: int | None = None
    signed_by: list[str] = field(default_factory=list)
    missing_signers: list[str] = field(default_factory=list)
    executors: list[str] = field(default_factory=list)
    executed: Executed | None = None
    executed_before: str | None = None
    """The transaction that already executed this same request, when that is why nothing
    was planned (`once` intents)."""
    failure: Failure | None = None

    def fail(self, error: SafeOpsError) -> None:
        self.status = FAILED
        self.failure = Failure(
            self.step, type(error).__name__, error.message, error.hint, int(error.exit_code)
        )

    @property
    def words(self) -> str:
        """`paused`, `already paused`, `waiting`, … (core.emergency.status_words)."""
        return status_words(self.action, self.status)

    @property
    def waiting_for(self) -> dict[str, Any] | None:
        """Who must act next: owners to sign, or an executor once the threshold is met."""
        if self.status != WAITING or self.threshold is None:
            return None
        needed = max(self.threshold - self.confirmations, 0)
        if needed:
            return {"signatures": needed, "signers": self.missing_signers}
        return {"signatures": 0, "executors": self.executors}

    def to_json(self) -> dict[str, Any]:
        plan = self.written.plan if self.written else None
        executed = self.executed
        hashes = (
            plan.inspection.hashes.to_json()
            if plan is not None
            else dict.fromkeys(("domain_hash", "message_hash", "safe_tx_hash"))
        )
        inspection = self.review.inspection if self.review is not None else None
        warnings = [f.code for f in inspection.findings] if inspection is not None else []
        return {
            "safe": self.safe.name,
            "chain_id": self.safe.chain_id,
            "safe_address": self.safe.address,
            "action": self.action,
            "status": self.status,
            "summary": self.words,
            "items": self.items,
            "already": self.already,
            "note": self.note,
            "part": list(plan.part) if plan else None,
            "plan": str(self.written.path) if self.written else None,
            **hashes,
            "nonce": plan.tx.nonce if plan else None,
            "resumed": self.resumed,
            "warnings": warnings,
            "violations": [v.to_json() for v in self.review.violations] if self.review else [],
            "passed": self.rehearsed,
            "confirmations": self.confirmations,
            "threshold": self.threshold,
            "signed_by": self.signed_by,
            "missing_signers": self.missing_signers,
            "waiting_for": self.waiting_for,
            "tx_hash": executed.tx_hash if executed else None,
            "block": executed.block if executed else None,
            "success": executed.success if executed else None,
            "postconditions": [c.to_json() for c in executed.postconditions] if executed else [],
            "executed_before": self.executed_before,
            "error": self.failure.to_json() if self.failure else None,
        }
