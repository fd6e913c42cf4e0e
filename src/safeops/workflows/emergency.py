"""`safeops emergency pause|unpause`: plan, review, rehearse, propose, sign and execute in one
command when the signer's own signature meets the threshold; otherwise stop after proposing
and say exactly who must sign."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from safeops.core.actions import ActionPlan, plan_pause
from safeops.errors import Refused
from safeops.workflows.execute import execute, may_execute
from safeops.workflows.executed import Executed
from safeops.workflows.guards import live_safe
from safeops.workflows.plan import WrittenPlan, make_plans
from safeops.workflows.plan_files import write_plan
from safeops.workflows.propose import Proposed, propose
from safeops.workflows.reconcile import AlreadyDone, already_done, same_calls
from safeops.workflows.rehearse import rehearse_plan
from safeops.workflows.review import review
from safeops.workflows.session import Session
from safeops.workflows.subjects import Subject


class EmergencySigner(Protocol):
    """An owner who proposes, signs and executes: the keys layer's Signer."""

    @property
    def name(self) -> str: ...

    @property
    def address(self) -> str: ...

    def sign_typed_data(self, typed: Mapping[str, Any]) -> bytes: ...

    def sign_transaction(self, transaction: Mapping[str, Any]) -> bytes: ...


@dataclass
class SafeOutcome:
    """What happened for one Safe's plan, step by step."""

    written: WrittenPlan
    rehearsed: bool = False
    proposed: Proposed | None = None
    executed: Executed | None = None
    missing_signers: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        plan, proposed, executed = self.written.plan, self.proposed, self.executed
        return {
            "safe": plan.safe_name,
            "plan": str(self.written.path),
            "nonce": plan.tx.nonce,
            **plan.inspection.hashes.to_json(),
            "warnings": [f.code for f in plan.inspection.findings],
            "violations": [],
            "passed": self.rehearsed,
            "confirmations": proposed.confirmations if proposed else 0,
            "threshold": proposed.threshold if proposed else None,
            "tx_hash": executed.tx_hash if executed else None,
            "success": executed.success if executed else None,
            "postconditions": [c.to_json() for c in executed.postconditions] if executed else [],
            "missing_signers": self.missing_signers,
            "already_done": executed.already_done if executed else False,
        }


def emergency(
    session: Session,
    targets: Sequence[str],
    *,
    all_targets: bool,
    unpause: bool,
    signer: EmergencySigner,
    dry_run: bool = False,
) -> list[SafeOutcome]:
    """Every step is the same code path as its own command; any failure stops everything."""
    action_plans = plan_pause(session.policy, targets, all_targets=all_targets, unpause=unpause)
    # What the chain shows done already (a run killed after its send, a concurrent run that
    # won) is reported with its transaction, not planned again.
    finished: list[SafeOutcome] = []
    remaining: list[ActionPlan] = []
    for action in action_plans:
        done = already_done(session, action)
        if done is None:
            remaining.append(action)
        else:
            finished.append(_already(session, done))
    outcomes = [SafeOutcome(w) for w in _resume_or_plan(session, remaining)]
    for outcome in outcomes:  # prove every plan before anything is proposed
        _review_and_rehearse(session, outcome)
    if dry_run:
        return finished + outcomes
    for outcome in outcomes:
        _propose_and_execute(session, outcome, signer)
    return finished + outcomes


def _already(session: Session, done: AlreadyDone) -> SafeOutcome:
    plan, sent = done.plan, done.sent
    session.progress(f"already done: {plan.safe_tx_hash} was executed in {sent.tx_hash}")
    written = WrittenPlan(plan, write_plan(session.plan_dir, plan), done.onchain_nonce)
    executed = Executed(
        plan.safe_tx_hash, plan, sent.tx_hash, sent.block, True, done.checks, already_done=True
    )
    return SafeOutcome(written, executed=executed)


def _review_and_rehearse(session: Session, outcome: SafeOutcome) -> None:
    plan, path = outcome.written.plan, outcome.written.path
    session.progress(f"reviewing {plan.safe_tx_hash} ({plan.safe_name}) …")
    checked = review(session, Subject("plan", session.safe(plan.safe_name), plan.tx, plan))
    if not checked.ok:
        raise Refused(
            f"review of {path} failed: {checked.verdict()}",
            hint=f"Run `safeops review {path}` for the report.",
        )
    session.progress("rehearsing on a fork …")
    rehearsal = rehearse_plan(session, path, plan)
    if not rehearsal.passed:
        raise Refused(
            f"rehearsal of {path} failed: {rehearsal.reason}",
            hint=f"Run `safeops rehearse {path}` for the report.",
        )
    outcome.rehearsed = True


def _propose_and_execute(session: Session, outcome: SafeOutcome, signer: EmergencySigner) -> None:
    plan, path = outcome.written.plan, outcome.written.path
    session.progress(f"proposing {plan.safe_tx_hash} …")
    outcome.proposed = propose(session, path, signer)
    if outcome.proposed.confirmations >= outcome.proposed.threshold:
        may_execute(session.policy, plan, signer.name)
        session.progress("executing …")
        outcome.executed = execute(session, plan.safe_tx_hash, signer, signer.name)
    else:
        owners = session.safe(plan.safe_name).expect.owners
        outcome.missing_signers = [o for o in owners if o != signer.name]


def _resume_or_plan(session: Session, action_plans: list[ActionPlan]) -> list[WrittenPlan]:
    """A retried emergency picks up its own pending proposal instead of planning the same
    calls at the next nonce: no duplicate proposal, and the signatures already given count."""
    resumed: list[WrittenPlan] = []
    fresh: list[ActionPlan] = []
    for action in action_plans:
        safe = session.safe(action.safe_name)
        live = live_safe(session, safe)
        match = next(
            (
                p.plan
                for p in session.store(safe).pending(live.nonce)
                if p.plan is not None and same_calls(p.plan, action)
            ),
            None,
        )
        if match is None:
            fresh.append(action)
            continue
        session.progress(
            f"resuming pending proposal {match.safe_tx_hash} (nonce {match.tx.nonce}) …"
        )
        resumed.append(WrittenPlan(match, write_plan(session.plan_dir, match), live.nonce))
    return resumed + (make_plans(session, fresh) if fresh else [])
