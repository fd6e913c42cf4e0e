"""`safeops propose`: only a rehearsed, policy-conform plan is proposed, once, without gaps."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safeops.core.plan import Plan
from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.errors import Refused
from safeops.proposals.base import ProposalStore
from safeops.workflows.guards import (
    require_chain_hashes,
    require_code,
    require_no_gap,
    require_plan_of_policy,
    require_policy,
    require_rehearsal,
    require_stacked,
    require_unspent_nonce,
    undrifted_safe,
)
from safeops.workflows.plan_files import read_plan, record_path
from safeops.workflows.session import Session
from safeops.workflows.signing import TypedDataSigner, owner_signature


@dataclass(frozen=True)
class Proposed:
    safe_tx_hash: SafeTxHash
    safe: str
    nonce: int
    confirmations: int
    threshold: int
    already_proposed: bool
    replaced: tuple[SafeTxHash, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {
            "safe_tx_hash": self.safe_tx_hash.hex0x,
            "safe": self.safe,
            "nonce": self.nonce,
            "confirmations": self.confirmations,
            "threshold": self.threshold,
            "already_proposed": self.already_proposed,
            "replaces": [str(h) for h in self.replaced],
        }


def propose(
    session: Session, plan_file: Path, signer: TypedDataSigner, *, replace: bool = False
) -> Proposed:
    plan = read_plan(plan_file)
    policy = session.policy
    safe = require_plan_of_policy(policy, plan)
    require_policy(policy, plan, proposer=signer.name)
    live = undrifted_safe(session, safe)
    require_code(session, safe, plan.tx, live.block)
    require_chain_hashes(safe, live, plan)
    require_unspent_nonce(plan, live.nonce)
    record = require_rehearsal(session, safe, plan, live, record_path(plan_file))
    store = session.store(safe)
    store.check_writable()  # before the proposer's key signs anything it could not store
    can_sign = signer.address in live.owners and "signer" in policy.signers[signer.name].roles
    with store.locked():  # read, decide and write as one step against concurrent proposers
        existing = store.get(plan.safe_tx_hash)
        pending = [p for p in store.pending(live.nonce) if p.safe_tx_hash != plan.safe_tx_hash]
        rivals = tuple(p.safe_tx_hash for p in pending if p.nonce == plan.tx.nonce)
        if rivals and not replace:
            raise Refused(
                f"nonce {plan.tx.nonce} already has proposal {rivals[0]}; this plan is "
                f"{plan.safe_tx_hash}",
                hint="Pass --replace to propose a replacement knowingly; only one of them can "
                "ever execute.",
            )
        require_no_gap(plan.tx.nonce, live.nonce, {p.nonce for p in pending})
        require_stacked(record, plan.tx.nonce, live.nonce)
        if existing is None:
            # An owner with the signer role signs as it proposes; anyone else only proposes.
            signatures = (
                {signer.address: owner_signature(plan, signer, live.owners)} if can_sign else {}
            )
            store.put(plan, signatures, signer.name)
        else:
            signatures = dict(existing.signatures)
    if existing is not None and can_sign and signer.address not in signatures:
        signatures = _sign_existing(store, plan, signer, live.owners)
    return Proposed(
        plan.safe_tx_hash,
        safe.name,
        plan.tx.nonce,
        len(signatures),
        live.threshold,
        existing is not None,
        rivals,
    )


def _sign_existing(
    store: ProposalStore, plan: Plan, signer: TypedDataSigner, owners: tuple[str, ...]
) -> dict[str, str]:
    return store.add_signature(plan, signer.address, owner_signature(plan, signer, owners))
