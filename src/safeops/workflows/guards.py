"""The checks commands share, each written once with one wording: a command reads as its list
of guards. Where one is deliberately repeated in a later step, the caller says why."""

from __future__ import annotations

from safeops.core.actions import PolicyViolation
from safeops.core.evaluate import evaluate
from safeops.core.plan import Plan
from safeops.core.policy import Policy, SafeEntry
from safeops.core.rebuild import policy_safe_of, verify_against_rebuild
from safeops.core.safe_state import SafeState
from safeops.core.safe_tx import SafeTx, SafeTxHash, SafeVersion
from safeops.errors import Refused
from safeops.workflows.policy_check import SafeCheck, check_safe
from safeops.workflows.session import Session

DRIFT_HINT = "Run `safeops policy check` and resolve the drift first."


def no_contract(safe: SafeEntry) -> Refused:
    return Refused(
        f"there is no contract at Safe {safe.name} ({safe.address})",
        hint="Check the policy's address and chain id, and `safeops policy check`.",
    )


def live_safe(session: Session, safe: SafeEntry) -> SafeState:
    """The Safe read from every RPC at one block; no contract there is a refusal."""
    state = session.chain(safe).state()
    if state is None:
        raise no_contract(safe)
    return state


def require_no_drift(check: SafeCheck) -> None:
    """The live Safe still matches the policy: owners, threshold, modules, guard, …"""
    if check.drift:
        raise Refused(
            f"Safe {check.name} drifted from the policy: {check.drift[0].message}",
            hint=DRIFT_HINT,
        )


def undrifted_safe(session: Session, safe: SafeEntry) -> SafeState:
    """`live_safe`, refused on any drift from the policy."""
    check = check_safe(session, safe)
    if check.state is None:
        raise no_contract(safe)
    require_no_drift(check)
    return check.state


def require_policy(
    policy: Policy, plan: Plan, tx: SafeTx | None = None, *, proposer: str | None = None
) -> None:
    """The transaction (the plan's own by default) is one the policy allows for its action."""
    violations = evaluate(
        policy,
        plan.safe_name,
        plan.tx if tx is None else tx,
        plan.chain_id,
        proposer=proposer,
        action=plan.action,
    )
    if violations:
        raise PolicyViolation(violations)


def require_plan_of_policy(policy: Policy, plan: Plan) -> SafeEntry:
    """The plan names a policy Safe and rebuilds, field by field, from its intent: a plan file
    is only a carrier, what is used is what the intent gives (docs/security.md checks 1, 2)."""
    safe = policy_safe_of(policy, plan)
    verify_against_rebuild(policy, plan, plan.tx)
    return safe


def require_not_executed(safe_tx_hash: SafeTxHash, executed_tx: str | None) -> None:
    if executed_tx is not None:
        raise Refused(
            f"proposal {safe_tx_hash} was already executed in {executed_tx}",
            hint="Nothing to do: `safeops queue` shows what is still pending.",
        )


def require_live_version(state: SafeState, plan: Plan) -> None:
    """The plan was hashed for the version the Safe runs now: signing a hash made for another
    version while simulating this one is what Radiant exploited."""
    if SafeVersion.parse(state.version) != plan.safe_version:
        raise Refused(
            f"the Safe runs {state.version}, the plan was hashed for {plan.safe_version}",
            hint="Plan it again against the live Safe.",
        )


def require_unspent_nonce(plan: Plan, onchain: int) -> None:
    if plan.tx.nonce < onchain:
        raise Refused(
            f"the plan's nonce {plan.tx.nonce} is already used (the Safe is at {onchain})",
            hint="Plan it again.",
        )
