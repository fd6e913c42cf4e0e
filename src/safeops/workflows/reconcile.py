"""Reconcile proposals with the chain: the transaction whose ExecutionSuccess names a
safeTxHash is the proof it ran, whatever the store says and whoever sent it.

`queue`, `sign`, `execute` and `emergency` call these before acting, so a run killed after its
send, a concurrent run that won, or a store that missed the news never leads to a second
execTransaction or to "review failed" for what is already done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from safeops.chain.execute import Sent
from safeops.core.plan import Plan
from safeops.core.policy import SafeEntry
from safeops.core.rehearsal import CheckResult
from safeops.core.safe_state import SafeState
from safeops.core.sending import SendRecord
from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.errors import Refused, SafeOpsError
from safeops.proposals.base import StoredProposal
from safeops.workflows.guards import live_safe
from safeops.workflows.proposals import Found
from safeops.workflows.session import Session


@dataclass(frozen=True)
class Reconciled:
    """A proposal the chain shows executed, marked so in its store where that was possible."""

    safe_tx_hash: SafeTxHash
    sent: Sent
    store_warning: str | None = None


def recorded_sends(
    session: Session, safe: SafeEntry, safe_tx_hash: SafeTxHash, stored: StoredProposal | None
) -> list[SendRecord]:
    """Every send recorded for `safe_tx_hash`, in the store and in the audit log, once each."""
    sends = {send.tx_hash: send for send in (stored.sends if stored else ())}
    for send in session.audit.recorded_sends(safe.chain_id, safe_tx_hash):
        sends.setdefault(send.tx_hash, send)
    return sorted(sends.values(), key=lambda send: (send.recorded_at, send.tx_hash))


def _candidates_of(
    session: Session, safe: SafeEntry, safe_tx_hash: SafeTxHash, stored: StoredProposal | None
) -> list[str]:
    """The transactions that may have executed it: its recorded sends and the store's claim."""
    candidates = [send.tx_hash for send in recorded_sends(session, safe, safe_tx_hash, stored)]
    if stored is not None and stored.executed_tx is not None:
        candidates.append(stored.executed_tx)
    return candidates


def executions_on_chain(
    session: Session,
    safe: SafeEntry,
    proposals: Sequence[tuple[SafeTxHash, int, StoredProposal | None]],
    live: SafeState,
    lookback_blocks: int | None = None,
) -> dict[SafeTxHash, Sent]:
    """The reconcile hook: for each (safeTxHash, nonce, stored proposal or None), the mined
    transaction whose ExecutionSuccess names it (recorded sends first, then the Safe's logs).
    Only those whose nonce the Safe has passed are searched: every execution uses the nonce."""
    spent = [(h, stored) for h, nonce, stored in proposals if nonce < live.nonce]
    if not spent:
        return {}
    candidates = [c for h, stored in spent for c in _candidates_of(session, safe, h, stored)]
    hashes = [h for h, _ in spent]
    chain = session.chain(safe)
    return chain.find_executions(hashes, live.block, candidates, lookback_blocks)


def execution_of(session: Session, plan: Plan, live: SafeState | None = None) -> Sent | None:
    """The hook for one plan: the transaction that executed it (its ExecutionSuccess, agreed
    by every RPC, found through its recorded sends or the Safe's logs), else None."""
    safe = session.safe(plan.safe_name)
    live = live or live_safe(session, safe)
    stored = session.store(safe).get(plan.safe_tx_hash)
    found = executions_on_chain(session, safe, [(plan.safe_tx_hash, plan.tx.nonce, stored)], live)
    return found.get(plan.safe_tx_hash)


def _mark(session: Session, safe: SafeEntry, stored: StoredProposal, sent: Sent) -> str | None:
    """Mark `stored` executed by `sent`. A store that cannot be written is not a reason to
    lose the news: the failure is returned as a warning."""
    if stored.executed_tx == sent.tx_hash:
        return None
    try:
        session.store(safe).mark_executed(stored.safe_tx_hash, sent.tx_hash)
    except SafeOpsError as error:
        return f"{error.message}: the store still shows {stored.safe_tx_hash} pending"
    return None


def reconcile(
    session: Session, safe: SafeEntry, stored: StoredProposal, live: SafeState | None = None
) -> Reconciled | None:
    """`stored`, marked executed when the chain shows its execution; None when it does not."""
    live = live or live_safe(session, safe)
    found = executions_on_chain(session, safe, [(stored.safe_tx_hash, stored.nonce, stored)], live)
    sent = found.get(stored.safe_tx_hash)
    if sent is None:
        return None
    return Reconciled(stored.safe_tx_hash, sent, _mark(session, safe, stored, sent))


def reconcile_before_signing(session: Session, found: Found) -> None:
    """The store must take the signature, and the proposal must not have run already:
    signing an executed transaction helps no one, and a key is never used for nothing."""
    found.store.check_writable()
    done = reconcile(session, found.safe, found.stored)
    if done is not None:
        raise Refused(
            f"already done: proposal {found.plan.safe_tx_hash} was executed in "
            f"{done.sent.tx_hash} (block {done.sent.block})",
            hint="Nothing to sign: `safeops queue` shows what is still pending.",
        )


def reconcile_pending(session: Session, safe: SafeEntry, live: SafeState) -> list[Reconciled]:
    """The proposals the store still shows pending below the Safe's nonce, reconciled: those
    the chain shows executed are marked so; replaced ones stay as they are."""
    stale = [p for p in session.store(safe).pending() if p.nonce < live.nonce]
    found = executions_on_chain(session, safe, [(p.safe_tx_hash, p.nonce, p) for p in stale], live)
    return [
        Reconciled(p.safe_tx_hash, sent, _mark(session, safe, p, sent))
        for p in stale
        if (sent := found.get(p.safe_tx_hash)) is not None
    ]


def prove_execution(
    session: Session, safe: SafeEntry, plan: Plan, sent: Sent
) -> tuple[CheckResult, ...]:
    """The plan's postconditions at the block that executed it, balances against the block
    before it (a node that keeps no history there fails the read: exit 3, nothing claimed)."""
    chain = session.chain(safe)
    before = chain.read_balances(plan.postconditions, max(sent.block - 1, 0))
    return tuple(chain.prove(plan.postconditions, before, sent.block))
