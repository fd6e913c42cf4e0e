"""`safeops emergency pause|unpause`: plan, review, rehearse, propose, sign and execute in one
command when the signer's own signature meets the threshold; otherwise stop after proposing
and say exactly who must sign."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from safeops.chain.rpc import RpcPools
from safeops.core.actions import ActionPlan, plan_pause
from safeops.core.plan import Plan
from safeops.core.policy import Policy
from safeops.errors import Refused
from safeops.proposals.local import Proposal
from safeops.proposals.store import store_for
from safeops.workflows.execute import Executed, execute, may_execute
from safeops.workflows.plan import DEFAULT_PLAN_DIR, WrittenPlan, live_safe, make_plans, write_json
from safeops.workflows.propose import Proposed, propose
from safeops.workflows.rehearse import rehearse_plan
from safeops.workflows.review import Subject, review


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


def emergency(
    policy: Policy,
    targets: Sequence[str],
    *,
    all_targets: bool,
    unpause: bool,
    signer: EmergencySigner,
    rpcs: RpcPools,
    dry_run: bool = False,
    progress: Callable[[str], None] = lambda _: None,
) -> list[SafeOutcome]:
    """Every step is the same code path as its own command; any failure stops everything."""
    action_plans = plan_pause(policy, targets, all_targets=all_targets, unpause=unpause)
    outcomes = [SafeOutcome(w) for w in _resume_or_plan(policy, action_plans, rpcs, progress)]
    for outcome in outcomes:  # prove every plan before anything is proposed
        plan, path = outcome.written.plan, outcome.written.path
        progress(f"reviewing {plan.safe_tx_hash} ({plan.safe_name}) …")
        subject = Subject("plan", policy.safes[plan.safe_name], plan.tx, plan)
        checked = review(policy, subject, rpcs)
        if not checked.ok:
            raise Refused(f"review of {path} failed", hint=f"Run `safeops review {path}`.")
        progress("rehearsing on a fork …")
        rehearsal = rehearse_plan(path, plan, policy, rpcs, progress=progress)
        if not rehearsal.passed:
            raise Refused(
                f"rehearsal of {path} failed: {rehearsal.reason}",
                hint=f"Run `safeops rehearse {path}` for the report.",
            )
        outcome.rehearsed = True
    if dry_run:
        return outcomes
    for outcome in outcomes:
        plan, path = outcome.written.plan, outcome.written.path
        progress(f"proposing {plan.safe_tx_hash} …")
        outcome.proposed = propose(policy, path, signer, rpcs)
        if outcome.proposed.confirmations >= outcome.proposed.threshold:
            may_execute(policy, plan, signer.name)
            progress("executing …")
            outcome.executed = execute(
                policy, plan.safe_tx_hash, signer, signer.name, rpcs, progress=progress
            )
        else:
            owners = policy.safes[plan.safe_name].expect.owners
            outcome.missing_signers = [o for o in owners if o != signer.name]
    return outcomes


def _same_calls(plan: Plan, action: ActionPlan) -> bool:
    return plan.action == action.action and [(c.to, c.value, c.data) for c in plan.calls] == [
        (c.to, c.value, c.data) for c in action.calls
    ]


def _resume_or_plan(
    policy: Policy,
    action_plans: list[ActionPlan],
    rpcs: RpcPools,
    progress: Callable[[str], None],
) -> list[WrittenPlan]:
    """A retried emergency picks up its own pending proposal instead of planning the same
    calls at the next nonce: no duplicate proposal, and the signatures already given count."""
    resumed: list[WrittenPlan] = []
    fresh: list[ActionPlan] = []
    for action in action_plans:
        safe = policy.safes[action.safe_name]
        live = live_safe(policy, safe.name, rpcs)
        match = next(
            (
                p.plan
                for p in store_for(safe).pending(safe.address, live.nonce)
                if isinstance(p, Proposal) and _same_calls(p.plan, action)
            ),
            None,
        )
        if match is None:
            fresh.append(action)
            continue
        progress(f"resuming pending proposal {match.safe_tx_hash} (nonce {match.tx.nonce}) …")
        path = write_json(DEFAULT_PLAN_DIR / match.file_name, match.to_json())
        resumed.append(WrittenPlan(match, path, live.nonce))
    return resumed + (make_plans(policy, fresh, rpcs) if fresh else [])
