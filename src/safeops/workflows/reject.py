"""`safeops reject`: cancel a hostile queued transaction by proposing the Safe's standard
rejection at its nonce (planned, reviewed, rehearsed and proposed like any plan), executed
at once when this signer alone meets the threshold and may execute."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safeops.core.actions import plan_reject
from safeops.core.policy import SafeEntry
from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.errors import BadInput, Refused
from safeops.workflows.emergency_flow import EmergencySigner
from safeops.workflows.execute import execute, may_execute
from safeops.workflows.executed import Executed
from safeops.workflows.guards import live_safe
from safeops.workflows.plan import WrittenPlan, make_plans
from safeops.workflows.proposals import stored_in
from safeops.workflows.propose import Proposed, propose
from safeops.workflows.rehearse import Rehearsal, rehearse_plan
from safeops.workflows.review import review
from safeops.workflows.session import Session
from safeops.workflows.subjects import Subject


@dataclass(frozen=True)
class Rejection:
    """The rejection proposed (and maybe executed), and what it cancels."""

    safe: SafeEntry
    written: WrittenPlan
    rejected: tuple[SafeTxHash, ...]
    rehearsal: Rehearsal
    proposed: Proposed
    executed: Executed | None = None

    def to_json(self) -> dict[str, Any]:
        plan, executed = self.written.plan, self.executed
        return {
            "safe": self.safe.name,
            "chain_id": self.safe.chain_id,
            "safe_address": self.safe.address,
            "plan": str(self.written.path),
            **plan.inspection.hashes.to_json(),
            "nonce": plan.tx.nonce,
            "rejects": [h.hex0x for h in self.rejected],
            "passed": self.rehearsal.passed,
            "confirmations": self.proposed.confirmations,
            "threshold": self.proposed.threshold,
            "tx_hash": executed.tx_hash if executed else None,
            "success": executed.success if executed else None,
            "postconditions": [c.to_json() for c in executed.postconditions] if executed else [],
        }


def target_of(
    session: Session,
    safe_tx_hash: SafeTxHash | None,
    nonce: int | None,
    safe_name: str | None,
) -> tuple[SafeEntry, int, SafeTxHash | None]:
    """The Safe and nonce to reject: from a pending proposal's hash, or a nonce of a Safe
    (the policy's only Safe when it has one)."""
    chosen = session.safe(safe_name) if safe_name is not None else None
    if safe_tx_hash is not None:
        if nonce is not None:
            raise BadInput("give the proposal's safeTxHash or --nonce, not both")
        safe, stored = stored_in(session, safe_tx_hash, chosen)
        if not stored.pending:
            raise Refused(
                f"proposal {safe_tx_hash} already executed in {stored.executed_tx}",
                hint="An executed transaction cannot be rejected.",
            )
        return safe, stored.nonce, safe_tx_hash
    if nonce is None:
        raise BadInput("name the proposal to reject (its safeTxHash) or give --nonce N")
    if chosen is None:
        if len(session.policy.safes) != 1:
            raise BadInput("--nonce needs --safe NAME: the policy has several Safes")
        chosen = next(iter(session.policy.safes.values()))
    return chosen, nonce, None


def reject(
    session: Session,
    signer: EmergencySigner,
    *,
    safe_tx_hash: SafeTxHash | None = None,
    nonce: int | None = None,
    safe_name: str | None = None,
) -> Rejection:
    safe, at, named = target_of(session, safe_tx_hash, nonce, safe_name)
    live = live_safe(session, safe)
    if at < live.nonce:
        raise BadInput(
            f"nonce {at} of Safe {safe.name} is already used on chain (the Safe is at "
            f"{live.nonce}): nothing queued there can execute any more"
        )
    action = plan_reject(session.policy, safe.name, at, named.hex0x if named else None)
    # A rejection replaces what is queued at that nonce: that is its purpose.
    (written,) = make_plans(session, [action], nonce=at, replace=True)
    plan = written.plan
    checked = review(session, Subject("plan", safe, plan.tx, plan))
    if not checked.ok:
        raise Refused(checked.verdict(), hint=f"`safeops review {written.path}` shows why.")
    rehearsal = rehearse_plan(session, written.path, plan)
    if not rehearsal.passed:
        raise Refused(
            f"rehearsal failed: {rehearsal.reason}",
            hint=f"`safeops rehearse {written.path}` shows why.",
        )
    proposed = propose(session, written.path, signer, replace=True)
    store = session.store(safe)
    rejected = tuple(
        p.safe_tx_hash
        for p in store.pending(at)
        if p.nonce == at and p.safe_tx_hash != plan.safe_tx_hash
    )
    executed = None
    if proposed.confirmations >= proposed.threshold and _may_execute(session, written, signer):
        executed = execute(session, plan.safe_tx_hash, signer, signer.name, safe)
    return Rejection(safe, written, rejected, rehearsal, proposed, executed)


def _may_execute(session: Session, written: WrittenPlan, signer: EmergencySigner) -> bool:
    try:
        may_execute(session.policy, written.plan, signer.name)
    except Refused:
        return False
    return True
