"""Rehearse a plan on a private fork: run what is queued first, execute it, prove it, record it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from safeops.core.plan import Plan
from safeops.core.policy import Policy, SafeEntry, SignerEntry
from safeops.core.rebuild import policy_safe_of
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
from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.errors import BadInput, Refused
from safeops.fork.rehearsal import ForkRun
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
from safeops.workflows.rehearse_inputs import intent_mismatch, queued_before, run_results
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
    (rehearsal,) = rehearse_plans(
        session,
        [(plan_file, plan)],
        fork_block=fork_block,
        fork_url=fork_url,
        stack=stack,
        signer=signer,
    )
    return rehearsal


def rehearse_plans(
    session: Session,
    plans: Sequence[tuple[Path, Plan]],
    *,
    fork_block: int | None = None,
    fork_url: str | None = None,
    stack: bool = True,
    signer: DigestSigner | None = None,
) -> list[Rehearsal]:
    """`rehearse_plan` for several plans in one process: one fork per Safe, its plans run in
    nonce order one after the other on it (each after the queued proposals and the plans
    before it), each proven and recorded on its own. Results in that order, Safe by Safe."""
    vouching = _vouching(session.policy, signer)  # a wrong signer is refused before any fork
    groups: dict[str, list[tuple[Path, Plan]]] = {}
    for plan_file, plan in plans:
        groups.setdefault(policy_safe_of(session.policy, plan).name, []).append((plan_file, plan))
    rehearsals: list[Rehearsal] = []
    for name, group in groups.items():
        ordered = sorted(group, key=lambda item: item[1].tx.nonce)
        rehearsals += _rehearse_group(
            session, session.safe(name), ordered, (fork_block, fork_url, stack), signer, vouching
        )
    return rehearsals


def _rehearse_group(
    session: Session,
    safe: SafeEntry,
    group: Sequence[tuple[Path, Plan]],
    where: tuple[int | None, str | None, bool],
    signer: DigestSigner | None,
    vouching: SignerEntry | None,
) -> list[Rehearsal]:
    fork_block, fork_url, stack = where
    if len({plan.safe_tx_hash for _, plan in group}) != len(group):
        raise BadInput("the same plan is given twice", hint="Give each plan once.")
    live = live_safe(session, safe)  # the run's read: in an emergency, the one plan made
    for _, plan in group:
        require_chain_hashes(safe, live, plan)
    # "Does what the plan says" only holds for what the plan's intent rebuilds. A mismatch
    # fails the rehearsal, but the fork still runs: its proofs show what the file would do.
    mismatches = [intent_mismatch(session.policy, plan) for _, plan in group]
    for _, plan in group:
        for postcondition in plan.postconditions:
            check_postcondition(postcondition)  # a bad plan is refused before any fork starts
    queued = queued_before(session, safe, group[-1][1]) if stack else None
    for plan_file, plan in group:
        session.rehearsed.pop(plan.safe_tx_hash, None)
        remove_record(record_path(plan_file))
    for _, plan in group:
        require_code(session, safe, plan.tx)  # refused: no record, no fork
    chain = session.chain(safe)
    # The run's pinned block, unless told otherwise: the fork sees what review and plan saw.
    block = fork_block if fork_block is not None or fork_url else live.block
    prefetch = None
    if block is not None:
        prefetch = chain.prefetch([(p.tx, p.safe_tx_hash) for _, p in group], live, block)
    runs = session.rehearser(
        fork_url or chain.fork_origin(),
        [plan for _, plan in group],
        queued,
        fork_block=block,
        progress=session.progress,
        # A block the run pinned on a checked RPC: the fork's origin need not be asked again.
        pinned=fork_url is None and block == live.block,
        prefetch=prefetch,
    )
    return _recorded(session, group, runs, mismatches, stack, signer, vouching)


def _recorded(
    session: Session,
    group: Sequence[tuple[Path, Plan]],
    runs: Sequence[ForkRun],
    mismatches: Sequence[str | None],
    stack: bool,
    signer: DigestSigner | None,
    vouching: SignerEntry | None,
) -> list[Rehearsal]:
    """Each fork run as a record beside its plan (signed when a signer vouches for it), also
    kept in the session: this run's rehearsals count without a signature."""
    rehearsals = []
    before: list[SafeTxHash] = []  # everything the fork executed before the next plan
    for (plan_file, plan), run, mismatch in zip(group, runs, mismatches, strict=True):
        stacked = [*before, *(s.safe_tx_hash for s in run.stacked)]
        before = [*stacked, plan.safe_tx_hash]
        record = build_record(
            plan,
            origin=Origin(plan.chain_id, run.block, run.block_hash),
            fork_block=run.block,
            fork_block_timestamp=run.timestamp,
            rehearsed_at=session.now(),
            stacked=stacked,
            stack_skipped=not stack,
            passed=run.passed and mismatch is None,
            results=run_results(run) | {"intent_mismatch": mismatch},
        )
        if signer is not None and vouching is not None:
            session.progress(f"signing the record as {signer.name} …")
            record = signed_record(record, vouching, signer.sign_digest(record_hash(record)))
        path = record_path(plan_file)
        write_record(path, record)
        session.rehearsed[plan.safe_tx_hash] = record
        rehearsals.append(Rehearsal(plan, run, not stack, mismatch, record, path))
    return rehearsals


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
