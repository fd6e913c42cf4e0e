"""`safeops execute`: every signature proven, the nonce current, a final simulation with the
real signatures, then send (recorded first), require ExecutionSuccess and prove the effects on
chain; a proposal the chain shows executed, or a recorded send, is resolved instead of sent."""

from __future__ import annotations

from dataclasses import replace

from safeops.chain.execute import Sent
from safeops.core.plan import Plan
from safeops.core.policy import Policy, SafeEntry
from safeops.core.rehearsal import CheckResult
from safeops.core.safe_state import SafeState
from safeops.core.transactions.confirmations import Skipped
from safeops.core.transactions.execution import execution_outcome
from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.errors import Refused, SafeOpsError
from safeops.interrupts import Interrupted, pause_point
from safeops.workflows.executed import Executed
from safeops.workflows.guards import (
    require_code,
    require_not_executed,
    require_pending_effect,
    require_policy,
    undrifted_safe,
)
from safeops.workflows.ports import SafeChain, TransactionSigner
from safeops.workflows.proposals import Found, find_proposal
from safeops.workflows.recheck import recheck_proposal
from safeops.workflows.reconcile import (
    execution_of,
    prove_execution,
    reconcile,
    recorded_sends,
)
from safeops.workflows.sending import ConcurrentSend, Resend, resolve_sends, send_once
from safeops.workflows.session import Session


def may_execute(policy: Policy, plan: Plan, executor: str) -> None:
    """The executor must hold the role and be allowed to execute this action."""
    entry = policy.signers.get(executor)
    allowed = policy.actions.get(plan.action)  # type: ignore[call-overload]
    executors = allowed.executors if allowed is not None else ()
    if entry is None or "executor" not in entry.roles or (executors and executor not in executors):
        raise Refused(
            f"signer {executor} may not execute a {plan.action}",
            hint="The policy's [actions] and roles name who may.",
        )


def execute(
    session: Session,
    safe_tx_hash: SafeTxHash,
    executor: TransactionSigner,
    executor_name: str,
    safe: SafeEntry | None = None,
    *,
    resend: bool = False,
) -> Executed:
    """`safe` names the Safe when the hash alone is ambiguous (see `stored_in`)."""
    found = find_proposal(session, safe_tx_hash, safe)
    plan = found.plan
    may_execute(session.policy, plan, executor_name)
    # Every send is recorded in the store before it is broadcast: proven writable before
    # the executor's key is used (the CLI proved the audit log the same way).
    found.store.check_writable()
    done = reconcile(session, found.safe, found.stored)
    if done is not None:
        return _finish(
            session, found, done.sent, already_done=True, marked=True, warning=done.store_warning
        )
    require_not_executed(safe_tx_hash, found.executed_tx)
    chain = session.chain(found.safe)
    sends = recorded_sends(session, found.safe, safe_tx_hash, found.stored)
    earlier = resolve_sends(session, chain, sends, executor.address, resend=resend)
    if isinstance(earlier, Sent):
        return _finish(session, found, earlier, already_done=True)
    nonce = earlier.nonce if isinstance(earlier, Resend) else None
    # Repeated from propose and sign on purpose: signatures collected earlier must not carry
    # a changed situation (owners, modules, guard, version, policy) through to execution.
    # The one deliberate re-read of a run: every other step shares the run's pinned block,
    # but what is sent must be checked and simulated against the chain as it is now (the
    # nonce especially: another transaction may have used it since the run began).
    live = undrifted_safe(session, found.safe, fresh=True)
    require_code(session, found.safe, plan.tx, live.block)
    require_policy(session.policy, plan)
    _require_current_nonce(plan, live)
    recheck_proposal(session, found, live)  # hashes from the chain, proposer, gaps, rehearsal
    require_pending_effect(session, found.safe, plan, live.block)
    signatures, skipped = _simulated_signatures(session, found, live, executor)
    pause_point("execute:before-send")
    known = [send.tx_hash for send in sends]
    try:
        tx_hash = send_once(session, found, chain, signatures, executor, nonce=nonce, known=known)
    except ConcurrentSend as concurrent:
        # Another run recorded its send between our checks and ours: resolve that one.
        other = resolve_sends(session, chain, [concurrent.other], executor.address, resend=False)
        if not isinstance(other, Sent):
            raise Refused(
                f"another run sent {concurrent.other.tx_hash} for this proposal meanwhile, "
                "and it reverted",
                hint="Run the command again to look at the chain afresh.",
            ) from None
        return replace(_finish(session, found, other, already_done=True), skipped=skipped)
    sent = _mined(session, chain, tx_hash)
    if sent.status != 1 and (winner := _executed_meanwhile(session, found)) is not None:
        # Another executor (another machine, whose send no shared record shows) executed it
        # first, and ours reverted on the spent nonce: done, by their transaction.
        return replace(_finish(session, found, winner, already_done=True), skipped=skipped)
    return replace(_finish(session, found, sent), skipped=skipped)


def _executed_meanwhile(session: Session, found: Found) -> Sent | None:
    """The transaction that executed this safeTxHash since the run's checks, if the chain, read
    afresh, shows one; None when it does not or cannot be asked (our failure is reported)."""
    try:
        live = session.chain(found.safe).fresh_state()
        if live is None or live.nonce <= found.plan.tx.nonce:
            return None
        return execution_of(session, found.plan, live)
    except SafeOpsError:
        return None


def _simulated_signatures(
    session: Session, found: Found, live: SafeState, executor: TransactionSigner
) -> tuple[bytes, tuple[Skipped, ...]]:
    """The confirmations that count, packed for execTransaction, and those skipped; only when
    a final simulation with exactly these signatures succeeds at the live block."""
    plan, chain = found.plan, session.chain(found.safe)
    confirmations = chain.verify_confirmations(
        plan.tx,
        plan.chain_id,
        plan.safe_version,
        found.signatures,
        live.owners,
        found.safe.signatures,
        live.block,
        executor=executor.address,
        unreadable=found.stored.unreadable,
    )
    signatures = confirmations.signatures_for(live.threshold)
    final = chain.simulate_signed(
        plan.tx, plan.safe_tx_hash, executor.address, live.block, signatures
    )
    if not final.success:
        raise Refused(
            f"the final simulation with the real signatures fails: {final.revert_reason}",
            hint="Nothing was sent.",
        )
    return signatures, tuple(confirmations.skipped)


def _mined(session: Session, chain: SafeChain, tx_hash: str) -> Sent:
    """The receipt of our send; an interrupt while waiting says the send may still be mined."""
    session.progress(f"sent {tx_hash}; waiting for it to be mined …")
    try:
        pause_point("execute:after-send")
        return chain.wait(tx_hash)
    except KeyboardInterrupt as interrupt:
        # The proposal stays pending: it is marked executed only from a receipt.
        raise Interrupted(
            f"after sending {tx_hash}, before its receipt: it may still be mined",
            interrupt,
            tx_hash=tx_hash,
        ) from None


def _require_current_nonce(plan: Plan, live: SafeState) -> None:
    if plan.tx.nonce != live.nonce:
        why = (
            "it was executed or replaced"
            if plan.tx.nonce < live.nonce
            else "the proposals before it must execute first"
        )
        raise Refused(
            f"the Safe is at nonce {live.nonce}, this transaction has {plan.tx.nonce}: {why}"
        )


def _finish(
    session: Session,
    found: Found,
    sent: Sent,
    *,
    already_done: bool = False,
    marked: bool = False,
    warning: str | None = None,
) -> Executed:
    """Mark the proposal executed from its receipt and prove the postconditions there, with
    balance changes measured from the block before it: a deposit by someone else between our
    checks and our block must not fail a correct withdrawal."""
    plan = found.plan
    outcome = execution_outcome(sent.logs, plan.tx.safe, plan.safe_tx_hash)
    success = sent.status == 1 and outcome is True
    warnings = [warning] if warning else []
    # A mined transaction used the Safe's nonce (even with ExecutionFailure); a reverted one
    # did not, so its proposal stays pending and its signatures stay valid.
    if sent.status == 1 and found.executed_tx != sent.tx_hash and not marked:
        try:
            found.store.mark_executed(plan.safe_tx_hash, sent.tx_hash)
        except SafeOpsError as error:  # the hash is reported anyway: a re-run reconciles it
            warnings.append(f"{error.message}: a re-run marks it executed from the chain")
    checks: tuple[CheckResult, ...] = ()
    if success:
        checks = prove_execution(session, found.safe, plan, sent)
    return Executed(
        plan.safe_tx_hash,
        plan,
        sent.tx_hash,
        sent.block,
        success,
        checks,
        already_done,
        tuple(warnings),
    )
