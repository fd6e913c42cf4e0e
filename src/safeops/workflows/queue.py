"""`safeops queue`: what waits to be signed or executed, per Safe, with conflicts shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safeops.core.confirmations import Skipped
from safeops.core.policy import SafeEntry
from safeops.core.safe_state import SafeState
from safeops.core.safe_tx import SafeTxHash, SafeVersion
from safeops.errors import SafeOpsError
from safeops.workflows.guards import live_safe, require_rehearsal
from safeops.workflows.plan_files import plan_path, read_plan, record_path
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
    skipped: tuple[Skipped, ...] = ()  # confirmations that execution would not count
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
            "skipped": [s.to_json() for s in self.skipped],
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


def _rehearsal(session: Session, safe: SafeEntry, safe_tx_hash: SafeTxHash, live: SafeState) -> str:
    """Says fresh only for a record `propose` would count (signed, fresh, from this chain)."""
    path = plan_path(session.plan_dir, safe_tx_hash)
    if not path.exists():
        return "no local plan"
    try:
        require_rehearsal(session, safe, read_plan(path), live, record_path(path))
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
        chain, version = session.chain(safe), SafeVersion.parse(live.version)
        for proposal in waiting:
            counted = chain.verify_confirmations(
                proposal.tx,
                safe.chain_id,
                version,
                proposal.signatures,
                live.owners,
                safe.signatures,
                live.block,
                unreadable=proposal.unreadable,
            )
            rows.append(
                Pending(
                    safe.name,
                    proposal.safe_tx_hash,
                    proposal.nonce,
                    proposal.action,
                    len(counted.usable),
                    live.threshold,
                    nonces.count(proposal.nonce) > 1,
                    _rehearsal(session, safe, proposal.safe_tx_hash, live),
                    counted.skipped,
                    tuple(send.tx_hash for send in proposal.sends),
                )
            )
    return Queue(rows, reconciled)
