"""`safeops sign`: re-verify a proposal independently, then add this owner's signature."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safeops.core.plan import Plan
from safeops.core.policy import SafeEntry
from safeops.core.safe_state import SafeState
from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.core.transactions.typed_data import safe_tx_typed_data
from safeops.errors import BadInput, Refused
from safeops.workflows.guards import require_code, require_not_executed
from safeops.workflows.plan_files import write_json
from safeops.workflows.proposals import Found, find_proposal
from safeops.workflows.recheck import recheck_proposal
from safeops.workflows.reconcile import reconcile_before_signing
from safeops.workflows.review import Review, review
from safeops.workflows.session import Session
from safeops.workflows.signing import (
    TypedDataSigner,
    counted_confirmations,
    imported_signature,
    owner_signature,
)
from safeops.workflows.subjects import Subject


@dataclass(frozen=True)
class Signed:
    safe_tx_hash: SafeTxHash
    plan: Plan
    review: Review
    confirmations: int
    threshold: int
    signer: str | None  # the owner whose signature was added; None when only exported
    exported: str | None = None

    def to_json(self) -> dict[str, Any]:
        hashes = self.plan.inspection.hashes.to_json()
        return {
            "safe_tx_hash": self.safe_tx_hash.hex0x,
            "confirmations": self.confirmations,
            "threshold": self.threshold,
            "signed_by": self.signer,
            "domain_hash": hashes["domain_hash"],
            "message_hash": hashes["message_hash"],
            "typed_data": self.exported,
        }


def verify_for_signing(
    session: Session, safe_tx_hash: SafeTxHash, safe: SafeEntry | None = None
) -> tuple[Found, Review]:
    """The proposal, rebuilt and compared, then reviewed again: policy, drift, simulation."""
    found = find_proposal(session, safe_tx_hash, safe)
    reconcile_before_signing(session, found)
    require_not_executed(safe_tx_hash, found.executed_tx)
    result = review(session, Subject("store", found.safe, found.plan.tx, found.plan))
    if not result.ok:
        raise Refused(
            f"the proposal does not pass review now: {result.verdict()}",
            hint=f"Run `safeops review {safe_tx_hash}` for the report; do not sign it.",
        )
    reviewed = result.inspection.hashes.safe_tx_hash
    if reviewed != found.plan.safe_tx_hash:
        # The review hashes for the Safe's live VERSION(); the plan for the version it
        # recorded. Signing one while having simulated the other is what Radiant exploited.
        raise Refused(
            f"the plan hashes to {found.plan.safe_tx_hash} for Safe {found.plan.safe_version}, "
            f"but the live Safe ({result.inspection.version}) gives {reviewed}",
            hint="Plan it again against the live Safe.",
        )
    if result.live.state is not None:  # a passing review read the Safe
        recheck_proposal(session, found, result.live.state)
    return found, result


def sign(
    session: Session,
    safe_tx_hash: SafeTxHash,
    signer: TypedDataSigner | None,
    *,
    export_typed_data: Path | None = None,
    signature: str | None = None,
    safe: SafeEntry | None = None,
) -> Signed:
    """Sign with `signer`, import an external `signature`, or export the typed data; `safe`
    names the Safe when the hash alone is ambiguous (see `stored_in`)."""
    found, result = verify_for_signing(session, safe_tx_hash, safe)
    plan = found.plan
    state = result.live.state
    if state is None:  # a passing review read the Safe; kept for the type checker
        raise Refused(f"Safe {found.safe.name} could not be read")
    require_code(session, found.safe, plan.tx, state.block)
    if export_typed_data is not None:
        typed = safe_tx_typed_data(plan.tx, plan.chain_id, plan.safe_version)
        try:
            write_json(export_typed_data, typed)
        except OSError as error:
            raise BadInput(
                f"cannot write {export_typed_data}: {error.strerror}",
                hint="Give a file name in a folder you may write to.",
            ) from None
        exported = str(export_typed_data)
        count = _counted(session, found, found.signatures, state)
        return Signed(plan.safe_tx_hash, plan, result, count, state.threshold, None, exported)
    chain = session.chain(found.safe)
    if signature is not None:
        owner, normal = imported_signature(plan, signature, chain, found.safe, state)
    elif signer is not None:
        owner, normal = signer.address, owner_signature(plan, signer, state.owners)
    else:
        raise BadInput("nothing to do: give --signer, --signature or --export-typed-data")
    stored = found.store.add_signature(plan, owner, normal)
    counted = _counted(session, found, stored, state)
    return Signed(plan.safe_tx_hash, plan, result, counted, state.threshold, owner)


def _counted(
    session: Session, found: Found, signatures: Mapping[str, str], state: SafeState
) -> int:
    chain = session.chain(found.safe)
    unreadable = found.stored.unreadable
    counted = counted_confirmations(chain, found.plan, found.safe, signatures, state, unreadable)
    return len(counted)
