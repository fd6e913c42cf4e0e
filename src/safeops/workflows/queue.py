"""`safeops queue`: what waits to be signed or executed, per Safe, with conflicts shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safeops.core.safe_tx import SafeTxHash
from safeops.errors import SafeOpsError
from safeops.workflows.guards import live_safe
from safeops.workflows.plan_files import load_fresh_record, plan_path, read_plan
from safeops.workflows.reconcile import Reconciled, reconcile_pending
from safeops.workflows.session import Session


@dataclass(frozen=True)
class Pending:
    safe: str
    safe_tx_hash: SafeTxHash
    nonce: int
    action: str
    confirmations: int
    threshold: int
    conflict: bool  # another pending proposal holds the same nonce
    rehearsal: str  # fresh | not fresh: why | no local plan
    sending: tuple[str, ...] = ()  # sends recorded for it: one may be in flight

    def to_json(self) -> dict[str, Any]:
        return {
            "safe": self.safe,
            "safe_tx_hash": self.safe_tx_hash.hex0x,
            "nonce": self.nonce,
            "action": self.action,
            "confirmations": self.confirmations,
            "threshold": self.threshold,
            "conflict": self.conflict,
            "rehearsal": self.rehearsal,
            "sending": list(self.sending),
        }


@dataclass(frozen=True)
class Queue:
    """What waits, per Safe, and what this run found executed on chain and marked so."""

    pending: list[Pending]
    reconciled: list[tuple[str, Reconciled]]

    def to_json(self) -> dict[str, Any]:
        return {
            "pending": [row.to_json() for row in self.pending],
            "reconciled": [
                {
                    "safe": safe,
                    "safe_tx_hash": done.safe_tx_hash.hex0x,
                    "tx_hash": done.sent.tx_hash,
                    "block": done.sent.block,
                    "warning": done.store_warning,
                }
                for safe, done in self.reconciled
            ],
        }


def _rehearsal(session: Session, safe_tx_hash: SafeTxHash, block: int) -> str:
    path = plan_path(session.plan_dir, safe_tx_hash)
    if not path.exists():
        return "no local plan"
    try:
        load_fresh_record(path, read_plan(path), session.policy, block, session.now())
    except SafeOpsError as error:
        return f"not fresh: {error.message}"
    return "fresh"


def pending(session: Session) -> list[Pending]:
    return queue(session).pending


def queue(session: Session) -> Queue:
    """Each Safe's proposals still pending, after marking executed those the chain shows
    executed (a run killed after its send leaves its proposal pending in the store)."""
    rows: list[Pending] = []
    reconciled: list[tuple[str, Reconciled]] = []
    for safe in session.policy.safes.values():
        live = live_safe(session, safe)
        reconciled += [(safe.name, done) for done in reconcile_pending(session, safe, live)]
        waiting = session.store(safe).pending(live.nonce)
        nonces = [p.nonce for p in waiting]
        for proposal in waiting:
            valid = {o for o in proposal.signatures if o in live.owners}
            rows.append(
                Pending(
                    safe.name,
                    proposal.safe_tx_hash,
                    proposal.nonce,
                    proposal.action,
                    len(valid),
                    live.threshold,
                    nonces.count(proposal.nonce) > 1,
                    _rehearsal(session, proposal.safe_tx_hash, live.block),
                    tuple(send.tx_hash for send in proposal.sends),
                )
            )
    return Queue(rows, reconciled)
