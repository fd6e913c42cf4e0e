"""What `execute` reports: the transaction, whether it executed, and what it proved on chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safeops.core.plan import Plan
from safeops.core.rehearsal import CheckResult
from safeops.core.transactions.confirmations import Skipped
from safeops.core.transactions.safe_tx import SafeTxHash


@dataclass(frozen=True)
class Executed:
    safe_tx_hash: SafeTxHash
    plan: Plan
    tx_hash: str
    block: int
    success: bool
    postconditions: tuple[CheckResult, ...]
    already_done: bool = False
    """This run sent nothing: an earlier or concurrent run's transaction executed it."""
    warnings: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    """Confirmations not counted (eth_sign the policy refuses, an approval not on chain, …)."""

    @property
    def proven(self) -> bool:
        """Done: executed, and every postcondition (there is at least one) held on chain."""
        return (
            self.success
            and bool(self.postconditions)
            and all(check.ok for check in self.postconditions)
        )

    @property
    def unproven(self) -> list[str]:
        """Why it is not done, one line per failed proof: names the target not paused."""
        if not self.success:
            return ["the Safe reports ExecutionFailure"]
        if not self.postconditions:
            return ["no postcondition proves what the transaction did"]
        return [
            f"{check.check} does not hold (got {check.actual})"
            for check in self.postconditions
            if not check.ok
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "safe_tx_hash": self.safe_tx_hash.hex0x,
            "tx_hash": self.tx_hash,
            "block": self.block,
            "success": self.success,
            "postconditions": [c.to_json() for c in self.postconditions],
            "already_done": self.already_done,
            "warnings": list(self.warnings),
            "skipped_confirmations": [s.to_json() for s in self.skipped],
        }
