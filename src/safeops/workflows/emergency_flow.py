"""One Safe's emergency, step by step: read the Safe, leave out what already holds, plan (or
resume its own pending proposal), review, rehearse, propose or sign, execute once the
threshold is met, prove. A failure ends this Safe's flow and is reported; it never raises
into another Safe's."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Protocol

from safeops.core.emergency import ALREADY_DONE, DONE, REHEARSED, WAITING
from safeops.core.policy import SafeEntry
from safeops.core.safe_state import SafeState
from safeops.errors import Refused, SafeOpsError
from safeops.workflows.emergency_intents import Intent, Remaining
from safeops.workflows.emergency_outcome import Outcome
from safeops.workflows.emergency_resume import action_of, plan_or_resume
from safeops.workflows.execute import execute, may_execute
from safeops.workflows.guards import live_safe
from safeops.workflows.plan import WrittenPlan
from safeops.workflows.propose import propose
from safeops.workflows.reconcile import Reconciled, reconcile_pending
from safeops.workflows.rehearse import rehearse_plan
from safeops.workflows.review import review
from safeops.workflows.session import Session
from safeops.workflows.sign import sign
from safeops.workflows.signing import counted_confirmations
from safeops.workflows.subjects import Subject


class EmergencySigner(Protocol):
    """An owner who proposes, signs and executes: the keys layer's signers."""

    @property
    def name(self) -> str: ...

    @property
    def address(self) -> str: ...

    def sign_typed_data(self, typed: Mapping[str, Any]) -> bytes: ...

    def sign_transaction(self, transaction: Mapping[str, Any]) -> bytes: ...


class Cancelled(SafeOpsError):
    """Ctrl-C or SIGTERM reached the run: this Safe stopped before its next step."""


def checkpoint(cancel: threading.Event | None, outcome: Outcome, step: str) -> None:
    """Enter `step`, unless the run was interrupted: then stop here, between steps, where
    nothing is half done (a step already started, a send included, runs to its end)."""
    outcome.step = step
    if cancel is not None and cancel.is_set():
        raise Cancelled(
            f"stopped by an interrupt before the {step} step",
            hint="Run the same command again to finish: it resumes its own proposal.",
        )


def run_safe(
    session: Session,
    intent: Intent,
    safe_name: str,
    signer: EmergencySigner,
    *,
    dry_run: bool = False,
    cancel: threading.Event | None = None,
) -> list[Outcome]:
    """Every step for one Safe; one Outcome per plan (a large revoke has several parts), or
    one without a plan when nothing is left or the Safe could not even be read."""
    safe = session.safe(safe_name)
    head = Outcome(safe, intent.action)
    try:
        checkpoint(cancel, head, "read")
        live = live_safe(session, safe)
        # A run killed after its send, or a concurrent run that won: its proposal is marked
        # executed from the chain before anything is planned or resumed.
        reconciled = _reconciled(session, safe, live)
        checkpoint(cancel, head, "check")
        remaining = intent.remaining(session, safe, live.block)
        head.already, head.note = remaining.already, remaining.note
        if not remaining.actions:
            head.status = ALREADY_DONE
            if reconciled:  # its own earlier run did it: say in which transaction
                head.executed_before = reconciled[-1].sent.tx_hash
            return [head]
        checkpoint(cancel, head, "plan")
        planned = plan_or_resume(session, intent, safe, live, remaining, head)
    except SafeOpsError as error:
        head.fail(error)
        return [head]
    except Exception as error:  # a bug must not take the other Safes down with it
        head.fail(_internal(error))
        return [head]
    if not planned:
        return [head]  # the same request already executed (head says where)
    return _run_parts(session, intent, safe, remaining, planned, signer, dry_run, cancel)


def _reconciled(session: Session, safe: SafeEntry, live: SafeState) -> list[Reconciled]:
    """The earlier proposals the chain shows executed. A node that will not search its logs
    (a capped eth_getLogs range) does not stop the emergency: what is left to do is read
    from the targets' state, and execute resolves its own sends before sending."""
    try:
        return reconcile_pending(session, safe, live)
    except SafeOpsError as error:
        session.progress(f"earlier proposals not looked up on chain ({error.message}); going on")
        return []


def _run_parts(
    session: Session,
    intent: Intent,
    safe: SafeEntry,
    remaining: Remaining,
    planned: list[tuple[WrittenPlan, bool]],
    signer: EmergencySigner,
    dry_run: bool,
    cancel: threading.Event | None,
) -> list[Outcome]:
    """Each planned part through its steps, in nonce order; a part after one that did not go
    through is not attempted."""
    outcomes: list[Outcome] = []
    for written, resumed in planned:
        outcome = Outcome(
            safe,
            intent.action,
            items=intent.items(action_of(remaining, written.plan)),
            already=remaining.already,
            written=written,
            resumed=resumed,
        )
        if outcomes and outcomes[-1].status not in (DONE, WAITING, REHEARSED):
            # A later part stacks on the earlier one's nonce: it cannot go through alone.
            outcome.step = "plan"
            outcome.fail(Refused("not attempted: the part before it did not go through"))
            outcomes.append(outcome)
            continue
        outcomes.append(outcome)
        try:
            _through(session, outcome, signer, dry_run, cancel)
        except SafeOpsError as error:
            outcome.fail(error)
        except Exception as error:
            outcome.fail(_internal(error))
    return outcomes


def _internal(error: Exception) -> SafeOpsError:
    # The message of an unknown exception is not shown: it could hold anything.
    return SafeOpsError(
        f"internal error ({type(error).__name__})",
        hint="Re-run with --debug for the traceback, and report it.",
    )


def _through(
    session: Session,
    outcome: Outcome,
    signer: EmergencySigner,
    dry_run: bool,
    cancel: threading.Event | None,
) -> None:
    """Review, rehearse, propose or sign, execute, prove: the same code path as each
    step's own command."""
    assert outcome.written is not None, "called with a plan"
    plan, path, safe = outcome.written.plan, outcome.written.path, outcome.safe
    checkpoint(cancel, outcome, "review")
    session.progress(f"reviewing {plan.safe_tx_hash} (nonce {plan.tx.nonce}) …")
    checked = review(session, Subject("plan", safe, plan.tx, plan))
    outcome.review = checked
    if not checked.ok:
        raise Refused(checked.verdict(), hint=f"`safeops review {path}` shows the whole report.")
    checkpoint(cancel, outcome, "rehearse")
    session.progress("rehearsing on a fork …")
    rehearsal = rehearse_plan(session, path, plan)
    outcome.rehearsed = rehearsal.passed
    if not rehearsal.passed:
        raise Refused(
            f"rehearsal failed: {rehearsal.reason}",
            hint=f"`safeops rehearse {path}` shows the whole report.",
        )
    if dry_run:
        outcome.status = REHEARSED
        return
    checkpoint(cancel, outcome, "propose")
    _propose_or_sign(session, outcome, signer)
    if outcome.threshold is None or outcome.confirmations < outcome.threshold:
        outcome.status = WAITING
        return
    try:
        may_execute(session.policy, plan, signer.name)
    except Refused:
        outcome.status = WAITING  # the threshold is met: an executor must send it
        return
    checkpoint(cancel, outcome, "execute")
    session.progress(f"executing {plan.safe_tx_hash} …")
    outcome.executed = execute(session, plan.safe_tx_hash, signer, signer.name, safe)
    if not outcome.executed.proven:
        what = "did not do what was planned" if outcome.executed.success else "failed"
        raise Refused(
            f"{outcome.executed.tx_hash} was mined but {what}: see its postconditions",
            hint=f"Inspect {outcome.executed.tx_hash}; do not retry blindly.",
        )
    outcome.status = DONE


def _propose_or_sign(session: Session, outcome: Outcome, signer: EmergencySigner) -> None:
    """A proposer proposes (signing as it does when it is an owner); an owner who may only
    sign adds its signature to the pending proposal. Then count who signed."""
    assert outcome.written is not None, "called with a plan"
    plan, safe, policy = outcome.written.plan, outcome.safe, session.policy
    roles = policy.signers[signer.name].roles
    store = session.store(safe)
    existing = store.get(plan.safe_tx_hash)
    if "proposer" in roles:
        session.progress(f"proposing {plan.safe_tx_hash} …")
        propose(session, outcome.written.path, signer)
    elif existing is None:
        raise Refused(
            f"signer {signer.name} may not propose, and nothing is pending to sign",
            hint="A proposer of the policy runs the same command first.",
        )
    elif "signer" in roles and signer.address not in existing.signatures:
        session.progress(f"signing {plan.safe_tx_hash} …")
        sign(session, plan.safe_tx_hash, signer, safe=safe)
    _count(session, outcome)


def _count(session: Session, outcome: Outcome) -> None:
    assert outcome.written is not None, "called with a plan"
    safe, plan = outcome.safe, outcome.written.plan
    state = outcome.review.live.state if outcome.review is not None else None
    stored = session.store(safe).get(plan.safe_tx_hash)
    signed: set[str] = set()
    if stored is not None and state is not None:
        # Only what execution would count: a stored signature is a claim, not a confirmation
        # (junk, an eth_sign the policy refuses, an approval not on chain are not counted).
        chain = session.chain(safe)
        counted = counted_confirmations(
            chain, plan, safe, stored.signatures, state, stored.unreadable
        )
        signed = {owner.lower() for owner in counted}
    owners = {
        a.lower(): n for a, n in zip(safe.expect.owner_addresses, safe.expect.owners, strict=True)
    }
    outcome.signed_by = [name for address, name in owners.items() if address in signed]
    outcome.confirmations = len(signed)
    outcome.threshold = state.threshold if state is not None else safe.expect.threshold
    outcome.missing_signers = [n for a, n in owners.items() if a not in signed]
    outcome.executors = list(session.policy.actions[plan.action].executors)  # type: ignore[index]
