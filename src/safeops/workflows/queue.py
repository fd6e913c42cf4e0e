"""`safeops queue`: what waits to be signed or executed, per Safe, with conflicts shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safeops.core.confirmations import Skipped
from safeops.core.safe_tx import SafeTxHash, SafeVersion
from safeops.errors import SafeOpsError
from safeops.workflows.guards import live_safe
from safeops.workflows.plan_files import load_fresh_record, read_plan
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
        }


def _rehearsal(session: Session, safe_tx_hash: SafeTxHash, block: int) -> str:
    path = session.plan_file(safe_tx_hash)
    if not path.exists():
        return "no local plan"
    try:
        load_fresh_record(path, read_plan(path), session.policy, block, session.now())
    except SafeOpsError as error:
        return f"not fresh: {error.message}"
    return "fresh"


def pending(session: Session) -> list[Pending]:
    rows: list[Pending] = []
    for safe in session.policy.safes.values():
        live = live_safe(session, safe)
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
                    _rehearsal(session, proposal.safe_tx_hash, live.block),
                    counted.skipped,
                )
            )
    return rows
