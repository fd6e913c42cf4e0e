"""The checks commands share, each written once with one wording: a command reads as its list
of guards. Where one is deliberately repeated in a later step, the caller says why."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from safeops.core.actions import PolicyViolation
from safeops.core.code_checks import code_problems, tx_expectations
from safeops.core.evaluate import evaluate
from safeops.core.plan import Plan
from safeops.core.policy import Policy, SafeEntry
from safeops.core.rebuild import policy_safe_of, verify_against_rebuild
from safeops.core.rehearsal import (
    REHEARSE_HINT,
    RehearsalRecord,
    check_fresh,
    record_signer,
    split_postconditions,
)
from safeops.core.safe_state import SafeState
from safeops.core.transactions.safe_tx import SafeTx, SafeTxHash, SafeVersion, safe_tx_hashes
from safeops.errors import Refused
from safeops.proposals.base import ProposalStore
from safeops.workflows.plan_files import read_record
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


def undrifted_safe(session: Session, safe: SafeEntry, *, fresh: bool = False) -> SafeState:
    """`live_safe`, refused on any drift from the policy; `fresh`: read at the latest block."""
    check = check_safe(session, safe, fresh=fresh)
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


def require_code(session: Session, safe: SafeEntry, tx: SafeTx, block: int | None = None) -> None:
    """Every contract `tx` calls (targets, allow-lists, vaults, tokens) has code at `block`
    (default: a block pinned now), and every library it delegatecalls has the runtime code of
    an official Safe deployment: a call into an empty account "succeeds" and proves nothing."""
    expectations = tx_expectations(session.policy, safe, tx)
    at, hashes = session.chain(safe).code_hashes([e.address for e in expectations], block)
    problems = code_problems(expectations, hashes)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise Refused(
            f"{problems[0].message}, at block {at} of chain {safe.chain_id}{more}",
            hint="Nothing was done. Check the policy's addresses and chain (`safeops policy "
            "check`); a Safe whose libraries live elsewhere names them in `libraries`.",
        )


def require_chain_hashes(safe: SafeEntry, state: SafeState, plan: Plan) -> None:
    """The plan's hashes are the chain's: the Safe's live VERSION and the policy's chain id,
    which every RPC serves (checked when the pool opens). A plan relabelled with another
    version or chain, its hashes recomputed, would have its owners sign a hash the Safe never
    computes, or one without the chain id in its domain (replayable on another chain)."""
    require_live_version(state, plan)
    if plan.chain_id != safe.chain_id:
        raise Refused(
            f"the plan is for chain {plan.chain_id}, Safe {safe.name} is on {safe.chain_id}",
            hint="Plan it again against the live Safe.",
        )
    live = safe_tx_hashes(plan.tx, safe.chain_id, SafeVersion.parse(state.version))
    if live.safe_tx_hash != plan.safe_tx_hash:
        raise Refused(
            f"the plan says {plan.safe_tx_hash}, the live Safe hashes it to {live.safe_tx_hash}",
            hint="Plan it again against the live Safe.",
        )


def require_proposer(policy: Policy, plan: Plan, proposer: str | None) -> None:
    """The proposal was made by a policy signer allowed to propose its action: what `propose`
    checks, re-checked wherever a stored proposal is used (a store is input, not authority)."""
    if proposer is None:
        raise Refused(
            f"proposal {plan.safe_tx_hash} names no proposer",
            hint="Sign and execute only what a policy proposer proposed with `safeops propose`.",
        )
    require_policy(policy, plan, proposer=proposer)


def held_nonces(store: ProposalStore, onchain: int, but: SafeTxHash) -> set[int]:
    """The nonces the other pending proposals hold."""
    return {p.nonce for p in store.pending(onchain) if p.safe_tx_hash != but}


def require_no_gap(nonce: int, onchain: int, held: Collection[int]) -> None:
    """Every nonce between the chain's and this one is held by a pending proposal: otherwise a
    fully signed transaction could sit dormant until unrelated ones fill the gap
    (SECURITY.md check 8)."""
    missing = [n for n in range(onchain, nonce) if n not in held]
    if missing:
        raise Refused(
            f"nonce gap: no pending proposal holds nonce {', '.join(map(str, missing))} "
            f"before this one ({nonce})",
            hint="Propose the earlier plans first, or plan this one again at the next nonce.",
        )


def require_stacked(record: RehearsalRecord, nonce: int, onchain: int) -> None:
    """A transaction queued behind others was rehearsed after them, not alone."""
    if record.stack_skipped and nonce > onchain:
        raise Refused(
            "the rehearsal ran alone (--no-stack) while earlier proposals are pending",
            hint="Rehearse it again without --no-stack, after the proposals before it.",
        )


def require_rehearsal(
    session: Session, safe: SafeEntry, plan: Plan, live: SafeState, record_file: Path
) -> RehearsalRecord:
    """A passing, fresh rehearsal of this plan that counts: run in this process, or read from
    `record_file` and signed by a policy signer who may rehearse. Either way its fork origin
    (chain id, block, block hash) must be the chain the policy's RPCs serve."""
    record = session.rehearsed.get(plan.safe_tx_hash)
    if record is None:
        record = read_record(record_file)
        record_signer(record, session.policy)
    check_fresh(record, plan, session.policy, live.block, session.now())
    origin = record.origin
    served = session.chain(safe).block_hash(origin.block_number)
    if served != origin.block_hash:
        raise Refused(
            f"the rehearsal forked block {origin.block_number} with hash {origin.block_hash}, "
            f"but the policy's RPCs serve {served or 'no such block'}",
            hint="It ran on another chain or fork. " + REHEARSE_HINT,
        )
    return record


def require_pending_effect(session: Session, safe: SafeEntry, plan: Plan, block: int) -> None:
    """Before sending: the plan has postconditions, and no view among them holds yet. One that
    already holds would be "proven" by a transaction that changes nothing (an already paused
    target, an account revoked since); the transaction would burn a nonce to prove nothing."""
    if not plan.postconditions:
        raise Refused(
            "the plan has no postcondition: nothing could prove what it did",
            hint="Plan it again under a policy that gives every action a check.",
        )
    views, _ = split_postconditions(plan.postconditions)
    held = [check for check in session.chain(safe).prove(views, [], block) if check.ok]
    if held:
        raise Refused(
            f"{held[0].check} already holds: executing would change nothing it proves",
            hint="Nothing was sent. Check `safeops queue` and the targets, then plan again.",
        )


def require_unspent_nonce(plan: Plan, onchain: int) -> None:
    if plan.tx.nonce < onchain:
        raise Refused(
            f"the plan's nonce {plan.tx.nonce} is already used (the Safe is at {onchain})",
            hint="Plan it again.",
        )
