"""Find a proposal in the policy's stores and prove it is the plan it claims to be."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from safeops.core.plan import Plan
from safeops.core.policy import Policy, SafeEntry
from safeops.core.rebuild import differing_fields, verify_against_rebuild
from safeops.errors import BadInput, HashMismatch, Refused
from safeops.proposals.local import LocalStore, Proposal
from safeops.proposals.store import store_for
from safeops.workflows.rehearse import read_plan

if TYPE_CHECKING:
    # Only for types: the Service's client loads safe-eth-py (~0.2-0.4 s, see
    # docs/benchmarks.md), which policies with local stores never need.
    from safeops.proposals.tx_service import ServiceProposal, ServiceStore

DEFAULT_PLAN_DIR = Path(".safeops/plans")


@dataclass(frozen=True)
class Found:
    """A stored proposal, the plan it was checked against, and where it lives."""

    safe: SafeEntry
    plan: Plan
    signatures: dict[str, str]
    store: LocalStore | ServiceStore
    executed_tx: str | None
    unreadable: dict[str, str] = field(default_factory=dict)
    """Confirmations the store lists but could not give (owner -> why), e.g. no signature."""


def find_proposal(policy: Policy, safe_tx_hash: str, plan_dir: Path = DEFAULT_PLAN_DIR) -> Found:
    """Look the hash up in every policy Safe's store; verify what comes back before use.

    The local store keeps the plan; the Service keeps only the transaction, so its copy is
    compared field by field with our own plan file. Either way the transaction is rebuilt
    from the plan's intent and must come out identical (SECURITY.md checks 1 and 2).
    """
    wanted = safe_tx_hash.lower()
    for safe in policy.safes.values():
        store = store_for(safe)
        stored = store.get(wanted)
        if stored is None or stored.safe != safe.address:
            continue  # Safes may share one local folder: a proposal belongs to its own Safe
        plan = _plan_of(stored, wanted, plan_dir)
        if plan.safe_tx_hash != wanted:
            raise HashMismatch(f"the stored plan hashes to {plan.safe_tx_hash}, not {wanted}")
        if plan.safe_name != safe.name or plan.tx.safe != safe.address:
            raise Refused(f"proposal {wanted} is for another Safe than {safe.name}")
        if plan.policy_digest != policy.digest:
            raise Refused(
                "the proposal was planned under another policy",
                hint="Plan, rehearse and propose it again under the current policy.",
            )
        verify_against_rebuild(policy, plan, stored.tx)
        unreadable = dict(getattr(stored, "unreadable", {}))  # only the Service has such
        return Found(safe, plan, dict(stored.signatures), store, stored.executed_tx, unreadable)
    raise BadInput(
        f"no proposal {wanted} in the policy's proposal stores",
        hint="`safeops queue` lists the pending ones.",
    )


def _plan_of(stored: Proposal | ServiceProposal, wanted: str, plan_dir: Path) -> Plan:
    if isinstance(stored, Proposal):
        return stored.plan
    path = plan_dir / f"{wanted}.json"
    if not path.exists():
        raise BadInput(
            f"the Service holds {wanted}, but there is no local plan {path}",
            hint="Sign only what you planned and reviewed: get the plan file.",
        )
    plan = read_plan(path)
    differences = differing_fields(plan.tx, stored.tx)
    if differences:
        raise Refused(
            f"the Service's copy differs from the plan in {', '.join(differences)}",
            hint="Do not sign: the proposal was tampered with after it was planned.",
        )
    return plan
