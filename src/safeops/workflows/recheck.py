"""What `propose` checked, checked again by `sign` and `execute`: a proposal store is input,
not authority, so anything written straight into it must fail where `propose` would have."""

from __future__ import annotations

from safeops.core.rehearsal import RehearsalRecord
from safeops.core.safe_state import SafeState
from safeops.workflows.guards import (
    held_nonces,
    require_chain_hashes,
    require_no_gap,
    require_proposer,
    require_stacked,
    require_unspent_nonce,
)
from safeops.workflows.proposals import Found
from safeops.workflows.rehearse import rehearsed_or_rehearse
from safeops.workflows.session import Session


def recheck_proposal(session: Session, found: Found, live: SafeState) -> RehearsalRecord:
    """Proposer, hashes from the chain, nonce without gap, and a rehearsal that counts (the
    rebuild from intent is `find_proposal`'s). Returns that rehearsal's record."""
    plan = found.plan
    require_proposer(session.policy, plan, found.stored.proposer)
    require_chain_hashes(found.safe, live, plan)
    require_unspent_nonce(plan, live.nonce)
    held = held_nonces(found.store, live.nonce, plan.safe_tx_hash)
    require_no_gap(plan.tx.nonce, live.nonce, held)
    record = rehearsed_or_rehearse(session, found.safe, plan, live)
    require_stacked(record, plan.tx.nonce, live.nonce)
    return record
