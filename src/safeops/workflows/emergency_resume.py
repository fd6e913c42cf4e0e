"""What an emergency run picks up: its own pending proposals, or the transaction that already
did what it asks (a retry, or the next signer running the same command)."""

from __future__ import annotations

from safeops.core.actions import ActionPlan
from safeops.core.emergency import ALREADY_DONE
from safeops.core.plan import Plan
from safeops.core.policy import SafeEntry
from safeops.core.safe_state import SafeState
from safeops.core.transactions.safe_tx import SafeVersion
from safeops.workflows.emergency_intents import Intent, Remaining
from safeops.workflows.emergency_outcome import Outcome
from safeops.workflows.plan import WrittenPlan, make_plans
from safeops.workflows.plan_files import write_plan
from safeops.workflows.reconcile import execution_of
from safeops.workflows.session import Session


def action_of(remaining: Remaining, plan: Plan) -> ActionPlan:
    """The ActionPlan a (possibly resumed) plan carries out, for the report's items."""
    return next((a for a in remaining.actions if _same_calls(plan, a)), remaining.actions[0])


def _same_calls(plan: Plan, action: ActionPlan) -> bool:
    return plan.action == action.action and [(c.to, c.value, c.data) for c in plan.calls] == [
        (c.to, c.value, c.data) for c in action.calls
    ]


def _resumable(plan: Plan | None, action: ActionPlan, digest: str) -> bool:
    """A pending proposal of these same calls, planned under this very policy: one planned
    under another would be refused at propose, and must not stand in for a fresh plan."""
    return plan is not None and plan.policy_digest == digest and _same_calls(plan, action)


def plan_or_resume(
    session: Session,
    intent: Intent,
    safe: SafeEntry,
    live: SafeState,
    remaining: Remaining,
    head: Outcome,
) -> list[tuple[WrittenPlan, bool]]:
    """A retried emergency (or the next signer's run of the same command) picks up its own
    pending proposal instead of planning the same calls at the next nonce: no duplicate
    proposal, and the signatures already given count. A `once` request already executed at
    the previous nonce is reported on `head` and nothing is planned."""
    pending = session.store(safe).pending(live.nonce)
    resumed: list[tuple[WrittenPlan, bool]] = []
    fresh: list[ActionPlan] = []
    for action in remaining.actions:
        digest = session.policy.digest
        match = next((p.plan for p in pending if _resumable(p.plan, action, digest)), None)
        if match is None:
            fresh.append(action)
            continue
        session.progress(f"resuming pending proposal {match.safe_tx_hash} (nonce {match.tx.nonce})")
        resumed.append((WrittenPlan(match, write_plan(session.plan_dir, match), live.nonce), True))
    if fresh and intent.once and (before := _executed_before(session, safe, live, fresh)):
        head.status, head.executed_before = ALREADY_DONE, before
        return []
    written = make_plans(session, fresh) if fresh else []
    return resumed + [(item, False) for item in written]


def _executed_before(
    session: Session, safe: SafeEntry, live: SafeState, actions: list[ActionPlan]
) -> str | None:
    """The transaction that executed these same calls at the Safe's previous nonce: a late
    run of the command that withdrew must not withdraw again."""
    if live.nonce == 0 or len(actions) != 1:
        return None
    previous = actions[0].to_plan(
        session.policy,
        nonce=live.nonce - 1,
        version=SafeVersion.parse(live.version),
        created_at="",
    )
    stored = session.store(safe).get(previous.safe_tx_hash)
    if stored is not None and stored.executed_tx is not None:
        return stored.executed_tx
    # The store may not know (a run killed after its send, another machine's store): the
    # chain does, through the Safe's ExecutionSuccess for that hash, agreed by every RPC.
    sent = execution_of(session, previous, live)
    return sent.tx_hash if sent is not None else None
