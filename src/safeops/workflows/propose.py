"""`safeops propose`: only a rehearsed, policy-conform plan is proposed, once, without gaps."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from safeops.chain.rpc import RpcPools
from safeops.core.actions import PolicyViolation
from safeops.core.evaluate import evaluate
from safeops.core.policy import Policy
from safeops.core.rebuild import policy_safe_of, verify_against_rebuild
from safeops.errors import Refused
from safeops.proposals.local import Proposal
from safeops.proposals.store import store_for
from safeops.workflows.code_guard import require_code
from safeops.workflows.plan import live_safe
from safeops.workflows.policy_check import check_safe
from safeops.workflows.rehearse import load_fresh_record, read_plan
from safeops.workflows.signing import TypedDataSigner, add_signature, owner_signature


@dataclass(frozen=True)
class Proposed:
    safe_tx_hash: str
    safe: str
    nonce: int
    confirmations: int
    threshold: int
    already_proposed: bool
    replaced: tuple[str, ...] = field(default_factory=tuple)


def propose(
    policy: Policy,
    plan_path: Path,
    signer: TypedDataSigner,
    rpcs: RpcPools,
    *,
    replace: bool = False,
) -> Proposed:
    plan = read_plan(plan_path)
    safe = policy_safe_of(policy, plan)
    # The plan file is only a carrier: what is proposed must be what its intent rebuilds.
    verify_against_rebuild(policy, plan, plan.tx)
    violations = evaluate(
        policy, safe.name, plan.tx, plan.chain_id, proposer=signer.name, action=plan.action
    )
    if violations:
        raise PolicyViolation(violations)
    check = check_safe(safe, rpcs)
    if check.drift:
        raise Refused(
            f"Safe {safe.name} drifted from the policy: {check.drift[0].message}",
            hint="Run `safeops policy check` and resolve the drift first.",
        )
    live = live_safe(policy, safe.name, rpcs)
    require_code(policy, safe, plan.tx, rpcs, live.block)
    if plan.tx.nonce < live.nonce:
        raise Refused(
            f"the plan's nonce {plan.tx.nonce} is already used (the Safe is at {live.nonce})",
            hint="Plan it again.",
        )
    record = load_fresh_record(plan_path, plan, policy, live.block, int(time.time()))
    store = store_for(safe)
    can_sign = signer.address in live.owners and "signer" in policy.signers[signer.name].roles
    with store.locked():  # read, decide and write as one step against concurrent proposers
        existing = store.get(plan.safe_tx_hash)
        pending = [
            p
            for p in store.pending(safe.address, live.nonce)
            if p.safe_tx_hash != plan.safe_tx_hash
        ]
        rivals = tuple(p.safe_tx_hash for p in pending if p.nonce == plan.tx.nonce)
        if rivals and not replace:
            raise Refused(
                f"nonce {plan.tx.nonce} already has proposal {rivals[0]}; this plan is "
                f"{plan.safe_tx_hash}",
                hint="Pass --replace to propose a replacement knowingly; only one of them can "
                "ever execute.",
            )
        _refuse_gaps(plan.tx.nonce, live.nonce, {p.nonce for p in pending}, record.stack_skipped)
        if existing is None:
            # An owner with the signer role signs as it proposes; anyone else only proposes.
            signatures = (
                {signer.address: owner_signature(plan, signer, live.owners)} if can_sign else {}
            )
            store.put(Proposal(plan, signatures, proposer=signer.name))
        else:
            signatures = dict(existing.signatures)
    if existing is not None and can_sign and signer.address not in signatures:
        signature = owner_signature(plan, signer, live.owners)
        signatures = add_signature(store, plan, signer.address, signature)
    return Proposed(
        plan.safe_tx_hash,
        safe.name,
        plan.tx.nonce,
        len(signatures),
        live.threshold,
        existing is not None,
        rivals,
    )


def _refuse_gaps(nonce: int, onchain: int, held: set[int], rehearsed_alone: bool) -> None:
    """Every nonce between the chain's and this one must be held by a pending proposal, and
    the rehearsal must have run after them: otherwise a fully signed transaction could sit
    dormant until unrelated ones fill the gap (SECURITY.md check 8)."""
    missing = [n for n in range(onchain, nonce) if n not in held]
    if missing:
        raise Refused(
            f"nonce gap: no pending proposal holds nonce {', '.join(map(str, missing))} "
            f"before this one ({nonce})",
            hint="Propose the earlier plans first, or plan this one again at the next nonce.",
        )
    if rehearsed_alone and nonce > onchain:
        raise Refused(
            "the rehearsal ran alone (--no-stack) while earlier proposals are pending",
            hint="Rehearse it again without --no-stack, after the proposals before it.",
        )
