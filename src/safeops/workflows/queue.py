"""`safeops queue`: what waits to be signed or executed, per Safe, with conflicts shown, every
proposal the policy would refuse flagged (a hostile one is cancelled with `reject`), and the
ones the chain shows executed marked so."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from safeops.core.actions import Violation
from safeops.core.evaluate import evaluate
from safeops.core.policy import SafeEntry
from safeops.core.rebuild import verify_against_rebuild
from safeops.core.safe_state import SafeState
from safeops.core.transactions.confirmations import Skipped
from safeops.core.transactions.safe_tx import SafeTxHash, SafeVersion
from safeops.errors import EnvironmentProblem, SafeOpsError
from safeops.proposals.base import StoredProposal
from safeops.workflows.guards import live_safe, require_rehearsal
from safeops.workflows.plan_files import read_plan, record_path
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
    chain_id: int = 0
    refusals: tuple[str, ...] = ()
    """Why the policy would refuse it (codes and messages); empty when it would not."""
    skipped: tuple[Skipped, ...] = ()  # confirmations that execution would not count
    sending: tuple[str, ...] = ()  # sends recorded for it: one may be in flight

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
            "skipped": [s.to_json() for s in self.skipped],
            "sending": list(self.sending),
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
    """What waits, per Safe; what this run found executed on chain and marked so; and the
    Safes whose chain could not be read."""

    rows: list[Pending] = field(default_factory=list)
    reconciled: list[tuple[str, Reconciled]] = field(default_factory=list)
    unreachable: list[Unreachable] = field(default_factory=list)

    @property
    def pending(self) -> list[Pending]:
        return self.rows

    def to_json(self) -> dict[str, Any]:
        return {
            "pending": [row.to_json() for row in self.rows],
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
            "unreachable": [u.to_json() for u in self.unreachable],
        }


def _rehearsal(session: Session, safe: SafeEntry, safe_tx_hash: SafeTxHash, live: SafeState) -> str:
    """Says fresh only for a record `propose` would count (signed, fresh, from this chain)."""
    path = session.plan_file(safe_tx_hash, safe.chain_id)
    if not path.exists():
        return "no local plan"
    try:
        plan = read_plan(path)
        if plan.chain_id != safe.chain_id:
            return "no local plan"  # an old-style file of the same Safe on another chain
        require_rehearsal(session, safe, plan, live, record_path(path))
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
    """Every Safe's pending proposals, after marking executed those the chain shows executed
    (a run killed after its send leaves its proposal pending in the store); a Safe whose
    chain cannot be read is reported, and the other Safes are still listed."""
    queue = Queue()
    for safe in session.policy.safes.values():
        try:
            live = live_safe(session, safe)
            done = reconcile_pending(session, safe, live)
            queue.reconciled.extend((safe.name, item) for item in done)
            queue.rows.extend(_pending_of(session, safe, live))
        except EnvironmentProblem as error:
            queue.unreachable.append(Unreachable(safe, error))
    return queue


def _pending_of(session: Session, safe: SafeEntry, live: SafeState) -> list[Pending]:
    waiting = session.store(safe).pending(live.nonce)
    nonces = [p.nonce for p in waiting]
    chain, version = session.chain(safe), SafeVersion.parse(live.version)
    rows = []
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
                safe.chain_id,
                refusals(session, safe, proposal),
                counted.skipped,
                tuple(send.tx_hash for send in proposal.sends),
            )
        )
    return rows
