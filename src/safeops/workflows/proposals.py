"""Find a proposal in the policy's stores and prove it is the plan it claims to be."""

from __future__ import annotations

from dataclasses import dataclass

from safeops.core.plan import Plan
from safeops.core.policy import SafeEntry
from safeops.core.rebuild import differing_fields, verify_against_rebuild
from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.errors import BadInput, HashMismatch, Refused
from safeops.proposals.base import ProposalStore, StoredProposal
from safeops.workflows.plan_files import read_plan
from safeops.workflows.session import Session


@dataclass(frozen=True)
class Found:
    """A stored proposal, the plan it was checked against, and the store it lives in."""

    safe: SafeEntry
    plan: Plan
    stored: StoredProposal
    store: ProposalStore

    @property
    def signatures(self) -> dict[str, str]:
        return dict(self.stored.signatures)

    @property
    def executed_tx(self) -> str | None:
        return self.stored.executed_tx


def stored_in(
    session: Session, safe_tx_hash: SafeTxHash, safe: SafeEntry | None = None
) -> tuple[SafeEntry, StoredProposal]:
    """The one policy Safe whose store holds `safe_tx_hash` (only `safe`'s when given).

    A Safe at one address on several chains hashes alike on all of them before Safe 1.3.0
    (no chain id in its domain): the hash alone then names several proposals, and picking
    one would act on a chain nobody chose.
    """
    safes = [safe] if safe is not None else list(session.policy.safes.values())
    found = [(s, p) for s in safes if (p := session.store(s).get(safe_tx_hash)) is not None]
    if not found:
        where = f"Safe {safe.name}'s store" if safe else "the policy's proposal stores"
        raise BadInput(
            f"no proposal {safe_tx_hash} in {where}",
            hint="`safeops queue` lists the pending ones.",
        )
    if len(found) > 1:
        names = ", ".join(f"{s.name} (chain {s.chain_id})" for s, _ in found)
        raise BadInput(
            f"proposal {safe_tx_hash} is in the stores of several Safes: {names}",
            hint="Name the one you mean with --safe NAME.",
        )
    return found[0]


def find_proposal(
    session: Session, safe_tx_hash: SafeTxHash, safe: SafeEntry | None = None
) -> Found:
    """Look the hash up in every policy Safe's store (or `safe`'s); verify what comes back
    before use.

    The local store keeps the plan; the Service keeps only the transaction, so its copy is
    compared field by field with our own plan file. Either way the transaction is rebuilt
    from the plan's intent and must come out identical (docs/security.md checks 1 and 2).
    """
    policy = session.policy
    safe, stored = stored_in(session, safe_tx_hash, safe)
    plan = stored.plan if stored.plan is not None else _own_plan(session, stored)
    if plan.safe_tx_hash != safe_tx_hash:
        raise HashMismatch(f"the stored plan hashes to {plan.safe_tx_hash}, not {safe_tx_hash}")
    if plan.safe_name != safe.name or plan.tx.safe != safe.address:
        raise Refused(f"proposal {safe_tx_hash} is for another Safe than {safe.name}")
    if plan.chain_id != safe.chain_id:
        raise Refused(f"proposal {safe_tx_hash} is for chain {plan.chain_id}, not {safe.chain_id}")
    if plan.policy_digest != policy.digest:
        raise Refused(
            "the proposal was planned under another policy",
            hint="Plan, rehearse and propose it again under the current policy.",
        )
    verify_against_rebuild(policy, plan, stored.tx)
    return Found(safe, plan, stored, session.store(safe))


def _own_plan(session: Session, stored: StoredProposal) -> Plan:
    """Our plan file of a proposal the Service holds, compared with the Service's copy."""
    path = session.plan_file(stored.safe_tx_hash, stored.chain_id)
    if not path.exists():
        raise BadInput(
            f"the Service holds {stored.safe_tx_hash}, but there is no local plan {path}",
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
