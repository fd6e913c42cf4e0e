"""`safeops queue`: what waits to be signed or executed, per Safe, with conflicts shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safeops.core.policy import SafeEntry
from safeops.core.safe_state import SafeState
from safeops.core.safe_tx import SafeTxHash, SafeVersion, safe_tx_hashes
from safeops.core.signatures import owners_who_signed
from safeops.errors import SafeOpsError
from safeops.proposals.base import StoredProposal
from safeops.workflows.guards import live_safe, require_rehearsal
from safeops.workflows.plan_files import plan_path, read_plan, record_path
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


def _confirmations(proposal: StoredProposal, chain_id: int, live: SafeState) -> int:
    """Distinct current owners whose signature recovers against our own hash of the
    transaction (the live VERSION, the policy's chain id): a store's keys are only claims."""
    ours = safe_tx_hashes(proposal.tx, chain_id, SafeVersion.parse(live.version)).safe_tx_hash
    return len(owners_who_signed(ours.raw, proposal.signatures.values(), live.owners))


def pending(session: Session) -> list[Pending]:
    rows: list[Pending] = []
    for safe in session.policy.safes.values():
        live = live_safe(session, safe)
        waiting = session.store(safe).pending(live.nonce)
        nonces = [p.nonce for p in waiting]
        for proposal in waiting:
            rows.append(
                Pending(
                    safe.name,
                    proposal.safe_tx_hash,
                    proposal.nonce,
                    proposal.action,
                    _confirmations(proposal, safe.chain_id, live),
                    live.threshold,
                    nonces.count(proposal.nonce) > 1,
                    _rehearsal(session, safe, proposal.safe_tx_hash, live),
                )
            )
    return rows
