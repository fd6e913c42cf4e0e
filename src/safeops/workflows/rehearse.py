"""Rehearse a plan on a private fork: run what is queued first, execute it, prove it, record it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from safeops.core.plan import Plan
from safeops.core.policy import Policy, SafeEntry, SignerEntry
from safeops.core.rebuild import policy_safe_of, verify_against_rebuild
from safeops.core.rehearsal import (
    Origin,
    RehearsalRecord,
    build_record,
    check_postcondition,
    failure_reasons,
    may_rehearse,
    record_hash,
    signed_record,
)
from safeops.core.safe_state import SafeState
from safeops.core.safe_tx import safe_tx_hashes
from safeops.errors import Refused, SafeOpsError
from safeops.fork.rehearsal import ForkRun, QueuedTx
from safeops.proposals.base import StoredProposal
from safeops.workflows.guards import (
    live_safe,
    require_chain_hashes,
    require_code,
    require_rehearsal,
)
from safeops.workflows.plan_files import (
    plan_path,
    record_path,
    remove_record,
    write_plan,
    write_record,
)
from safeops.workflows.session import Session


class DigestSigner(Protocol):
    """A policy signer who vouches for a rehearsal: the keys layer's Signer."""

    @property
    def name(self) -> str: ...

    @property
    def address(self) -> str: ...

    def sign_digest(self, digest: bytes) -> bytes: ...


@dataclass(frozen=True)
class Rehearsal:
    """A finished rehearsal (passed or not) and the record written beside the plan."""

    plan: Plan
    run: ForkRun
    stack_skipped: bool
    intent_mismatch: str | None
    record: RehearsalRecord
    record_path: Path

    @property
    def passed(self) -> bool:
        """Decided on the typed results; the record stores the same verdict."""
        return self.run.passed and self.intent_mismatch is None

    @property
    def signed_by(self) -> str | None:
        """The policy signer who signed the record; None: it counts only in this process."""
        signature = self.record.signature
        return None if signature is None else str(signature["signer"])

    @property
    def reasons(self) -> list[str]:
        return failure_reasons(self.record.document["results"])

    @property
    def reason(self) -> str | None:
        reasons = self.reasons
        if not reasons:
            return None
        more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
        return reasons[0] + more

    def to_json(self) -> dict[str, Any]:
        results = self.record.document["results"]
        run = self.run
        execution = run.proofs.execution
        return {
            "safe_tx_hash": self.plan.safe_tx_hash.hex0x,
            "passed": self.passed,
            "reason": self.reason,
            "reasons": self.reasons,
            "safe": {"name": self.plan.safe_name, "address": self.plan.tx.safe},
            "action": self.plan.action,
            "nonce": self.plan.tx.nonce,
            "chain_id": self.plan.chain_id,
            "origin": run.origin,
            "fork_block": run.block,
            "fork_block_timestamp": run.timestamp,
            "stacked": results["stacked"],
            "stack_skipped": self.stack_skipped,
            "nonce_override": results["nonce_override"],
            "gas_used": execution.gas_used if execution else None,
            "execution": results["execution"],
            "postconditions": results["postconditions"],
            "storage_diff": results["storage_diff"],
            "changed_accounts": results["changed_accounts"],
            "events": results["events"],
            "fork_block_hash": run.block_hash,
            "record": {
                "path": str(self.record_path),
                "digest": self.record.digest,
                "signed_by": self.signed_by,
            },
            "timings": {
                "fork_start_s": round(run.start_seconds, 3),
                "rehearsal_s": round(run.run_seconds, 3),
                "total_s": round(run.total_seconds, 3),
            },
        }


def rehearse_plan(
    session: Session,
    plan_file: Path,
    plan: Plan,
    *,
    fork_block: int | None = None,
    fork_url: str | None = None,
    stack: bool = True,
    signer: DigestSigner | None = None,
) -> Rehearsal:
    """Fork the Safe's chain, execute the queued proposals then the plan, and prove its effects.

    The previous record is removed first: an interrupted or refused rehearsal leaves none, so a
    stale pass can never outlive a newer attempt. The new one is written passed or failed,
    signed by `signer` when given (then it counts in other processes too), and remembered by
    the session (it counts in this one).
    """
    safe = policy_safe_of(session.policy, plan)
    vouching = _vouching(session.policy, signer)  # a wrong signer is refused before the fork
    require_chain_hashes(safe, live_safe(session, safe), plan)
    # "Does what the plan says" only holds for what the plan's intent rebuilds. A mismatch
    # fails the rehearsal, but the fork still runs: its proofs show what the file would do.
    intent_mismatch = _intent_mismatch(session.policy, plan)
    for postcondition in plan.postconditions:
        check_postcondition(postcondition)  # a bad plan is refused before any fork starts
    queued = _queued(session, safe, plan) if stack else None
    path = record_path(plan_file)
    session.rehearsed.pop(plan.safe_tx_hash, None)
    remove_record(path)
    require_code(session, safe, plan.tx)  # refused: no record, no fork
    origin = fork_url or session.chain(safe).fork_origin()
    if fork_block is None and fork_url is None:
        # The block every RPC has (the pin), not the primary's head: a secondary a block or
        # two behind is normal lag, and later freshness checks compare against that pin.
        fork_block = live_safe(session, safe).block
    run = session.rehearser(origin, plan, queued, fork_block=fork_block, progress=session.progress)
    record = build_record(
        plan,
        origin=Origin(plan.chain_id, run.block, run.block_hash),
        fork_block=run.block,
        fork_block_timestamp=run.timestamp,
        rehearsed_at=session.now(),
        stacked=[stacked.safe_tx_hash for stacked in run.stacked],
        stack_skipped=not stack,
        passed=run.passed and intent_mismatch is None,
        results=_results(run) | {"intent_mismatch": intent_mismatch},
    )
    if signer is not None and vouching is not None:
        session.progress(f"signing the record as {signer.name} …")
        record = signed_record(record, vouching, signer.sign_digest(record_hash(record)))
    write_record(path, record)
    session.rehearsed[plan.safe_tx_hash] = record
    return Rehearsal(plan, run, not stack, intent_mismatch, record, path)


def rehearsed_or_rehearse(
    session: Session, safe: SafeEntry, plan: Plan, live: SafeState
) -> RehearsalRecord:
    """A rehearsal of `plan` that counts (`guards.require_rehearsal`), or a new one run here at
    the block `live` was read at: `sign` and `execute` never rely on an unsigned file."""
    plan_file = plan_path(session.plan_dir, plan.chain_id, plan.safe_tx_hash)
    try:
        return require_rehearsal(session, safe, plan, live, record_path(plan_file))
    except Refused as uncounted:
        session.progress(f"{uncounted.message}: rehearsing it here …")
    if not plan_file.exists():
        write_plan(session.plan_dir, plan)
    rehearsal = rehearse_plan(session, plan_file, plan, fork_block=live.block)
    if not rehearsal.passed:
        raise Refused(
            f"the rehearsal of {plan.safe_tx_hash} fails: {rehearsal.reason}",
            hint=f"Do not sign or execute it: `safeops rehearse {plan_file}` shows the report.",
        )
    return require_rehearsal(session, safe, plan, live, record_path(plan_file))


def _vouching(policy: Policy, signer: DigestSigner | None) -> SignerEntry | None:
    if signer is None:
        return None
    entry = may_rehearse(policy, signer.name)
    if entry.address != signer.address:
        raise Refused(
            f"signer {signer.name} is {entry.address} in the policy, not {signer.address}"
        )
    return entry


def _intent_mismatch(policy: Policy, plan: Plan) -> str | None:
    try:
        verify_against_rebuild(policy, plan, plan.tx)
    except SafeOpsError as error:
        return f"the plan is not what its intent rebuilds: {error.message}"
    return None


def _queued(session: Session, safe: SafeEntry, plan: Plan) -> list[QueuedTx]:
    """The pending proposals that may run before the plan, each hashed here: the Service's
    copy has no plan, so its fields are hashed as this Safe (the plan's) would."""

    def queued(proposal: StoredProposal) -> QueuedTx:
        if proposal.plan is not None:
            return QueuedTx(proposal.tx, proposal.plan.safe_tx_hash, proposal.plan.action)
        hashes = safe_tx_hashes(proposal.tx, plan.chain_id, plan.safe_version)
        return QueuedTx(proposal.tx, hashes.safe_tx_hash, "Transaction Service proposal")

    pending = session.store(safe).pending()
    return [queued(p) for p in pending if p.nonce < plan.tx.nonce]


def _results(run: ForkRun) -> dict[str, Any]:
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
