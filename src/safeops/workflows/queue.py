"""`safeops queue`: what waits to be signed or executed, per Safe, with conflicts shown and
every proposal the policy would refuse flagged (a hostile one is cancelled with `reject`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from safeops.core.actions import Violation
from safeops.core.evaluate import evaluate
from safeops.core.policy import SafeEntry
from safeops.core.rebuild import verify_against_rebuild
from safeops.core.safe_tx import SafeTxHash
from safeops.errors import EnvironmentProblem, SafeOpsError
from safeops.proposals.base import StoredProposal
from safeops.workflows.guards import live_safe
from safeops.workflows.plan_files import load_fresh_record, plan_path, read_plan
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
    chain_id: int = 0
    refusals: tuple[str, ...] = ()
    """Why the policy would refuse it (codes and messages); empty when it would not."""

    @property
    def refused(self) -> bool:
        return bool(self.refusals)

    def to_json(self) -> dict[str, Any]:
        return {
            "safe": self.safe,
            "chain_id": self.chain_id,
            "safe_tx_hash": self.safe_tx_hash.hex0x,
            "nonce": self.nonce,
            "action": self.action,
            "confirmations": self.confirmations,
            "threshold": self.threshold,
            "conflict": self.conflict,
            "rehearsal": self.rehearsal,
            "refused": self.refused,
            "refusals": list(self.refusals),
        }


@dataclass(frozen=True)
class Unreachable:
    """A Safe whose chain could not be read: its queue is unknown, the others are shown."""

    safe: SafeEntry
    error: SafeOpsError

    def to_json(self) -> dict[str, Any]:
        return {"safe": self.safe.name, "chain_id": self.safe.chain_id, "error": self.error.message}


@dataclass(frozen=True)
class Queue:
    rows: list[Pending]
    unreachable: list[Unreachable] = field(default_factory=list)


def _rehearsal(session: Session, chain_id: int, safe_tx_hash: SafeTxHash, block: int) -> str:
    path = plan_path(session.plan_dir, chain_id, safe_tx_hash)
    if not path.exists():
        return "no local plan"
    try:
        plan = read_plan(path)
        if plan.chain_id != chain_id:
            return "no local plan"  # an old-style file of the same Safe on another chain
        load_fresh_record(path, plan, session.policy, block, session.now())
    except SafeOpsError as error:
        return f"not fresh: {error.message}"
    return "fresh"


def refusals(session: Session, safe: SafeEntry, proposal: StoredProposal) -> tuple[str, ...]:
    """Why the policy would refuse this proposal as it stands: judged from its bytes (and its
    proposer), as `review` judges a transaction from outside; a stored plan must also be
    what its intent rebuilds."""
    policy = session.policy
    plan = proposal.plan
    violations: list[Violation] = evaluate(
        policy,
        safe.name,
        proposal.tx,
        safe.chain_id,
        proposer=proposal.proposer,
        action=plan.action if plan is not None else None,
    )
    found = [f"{v.code}: {v.message}" for v in violations]
    if plan is not None and not found:
        try:
            verify_against_rebuild(policy, plan, proposal.tx)
        except SafeOpsError as error:
            found.append(f"REBUILD: {error.message}")
    return tuple(found)


def pending(session: Session) -> Queue:
    """Every Safe's pending proposals; a Safe whose chain cannot be read is reported, and
    the other Safes are still listed."""
    queue = Queue([])
    for safe in session.policy.safes.values():
        try:
            queue.rows.extend(_pending_of(session, safe))
        except EnvironmentProblem as error:
            queue.unreachable.append(Unreachable(safe, error))
    return queue


def _pending_of(session: Session, safe: SafeEntry) -> list[Pending]:
    live = live_safe(session, safe)
    waiting = session.store(safe).pending(live.nonce)
    nonces = [p.nonce for p in waiting]
    rows = []
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
                _rehearsal(session, safe.chain_id, proposal.safe_tx_hash, live.block),
                safe.chain_id,
                refusals(session, safe, proposal),
            )
        )
    return rows
