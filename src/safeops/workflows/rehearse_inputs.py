"""What a rehearsal takes and keeps: the queue before a plan, the plan's intent, its results."""

from __future__ import annotations

from typing import Any

from safeops.core.plan import Plan
from safeops.core.policy import Policy, SafeEntry
from safeops.core.rebuild import verify_against_rebuild
from safeops.core.transactions.safe_tx import safe_tx_hashes
from safeops.errors import SafeOpsError
from safeops.fork.rehearsal import ForkRun, QueuedTx
from safeops.proposals.base import StoredProposal
from safeops.workflows.session import Session


def intent_mismatch(policy: Policy, plan: Plan) -> str | None:
    try:
        verify_against_rebuild(policy, plan, plan.tx)
    except SafeOpsError as error:
        return f"the plan is not what its intent rebuilds: {error.message}"
    return None


def queued_before(session: Session, safe: SafeEntry, plan: Plan) -> list[QueuedTx]:
    """The pending proposals that may run before the plan, each hashed here: the Service's
    copy has no plan, so its fields are hashed as this Safe (the plan's) would."""

    def queued(proposal: StoredProposal) -> QueuedTx:
        if proposal.plan is not None:
            return QueuedTx(proposal.tx, proposal.plan.safe_tx_hash, proposal.plan.action)
        hashes = safe_tx_hashes(proposal.tx, plan.chain_id, plan.safe_version)
        return QueuedTx(proposal.tx, hashes.safe_tx_hash, "Transaction Service proposal")

    pending = session.store(safe).pending()
    return [queued(p) for p in pending if p.nonce < plan.tx.nonce]


def run_results(run: ForkRun) -> dict[str, Any]:
    proofs, override = run.proofs, run.nonce_override
    execution = proofs.execution
    return {
        "stacked": [stacked.to_json() for stacked in run.stacked],
        "nonce_override": None if override is None else {"from": override[0], "to": override[1]},
        "execution": execution.to_json()
        if execution is not None
        else {"success": False, "reason": None, "executed": False},
        "postconditions": [check.to_json() for check in proofs.postconditions],
        "storage_diff": [finding.to_json() for finding in proofs.storage_diff],
        "changed_accounts": [account.to_json() for account in proofs.changed_accounts],
        "events": [event.to_json() for event in proofs.events],
    }
