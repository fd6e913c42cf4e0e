"""`safeops execute`: every signature proven, the nonce current, a final simulation with the
real signatures, then send, require ExecutionSuccess and prove the effects on chain."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from safeops.core.confirmations import Skipped
from safeops.core.execution import execution_outcome
from safeops.core.plan import Plan
from safeops.core.policy import Policy
from safeops.core.rehearsal import CheckResult
from safeops.core.safe_state import SafeState
from safeops.core.safe_tx import SafeTxHash
from safeops.errors import Refused
from safeops.interrupts import Interrupted, pause_point
from safeops.workflows.guards import (
    require_live_version,
    require_not_executed,
    require_policy,
    undrifted_safe,
)
from safeops.workflows.ports import SafeChain, TransactionSigner
from safeops.workflows.proposals import Found, find_proposal
from safeops.workflows.session import Session


@dataclass(frozen=True)
class Executed:
    safe_tx_hash: SafeTxHash
    plan: Plan
    tx_hash: str
    block: int
    success: bool
    postconditions: tuple[CheckResult, ...]
    skipped: tuple[Skipped, ...] = ()
    """Confirmations not counted (eth_sign the policy refuses, an approval not on chain, …)."""

    @property
    def proven(self) -> bool:
        return self.success and all(check.ok for check in self.postconditions)

    def to_json(self) -> dict[str, Any]:
        return {
            "safe_tx_hash": self.safe_tx_hash.hex0x,
            "tx_hash": self.tx_hash,
            "block": self.block,
            "success": self.success,
            "postconditions": [c.to_json() for c in self.postconditions],
            "skipped_confirmations": [s.to_json() for s in self.skipped],
        }


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
    session: Session, safe_tx_hash: SafeTxHash, executor: TransactionSigner, executor_name: str
) -> Executed:
    found = find_proposal(session, safe_tx_hash)
    plan = found.plan
    require_not_executed(safe_tx_hash, found.executed_tx)
    may_execute(session.policy, plan, executor_name)
    # Repeated from propose and sign on purpose: signatures collected earlier must not carry
    # a changed situation (owners, modules, guard, version, policy) through to execution.
    live = undrifted_safe(session, found.safe)
    require_live_version(live, plan)
    require_policy(session.policy, plan)
    _require_current_nonce(plan, live)
    chain = session.chain(found.safe)
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
    before = chain.read_balances(plan.postconditions, live.block)
    executed = _send_and_prove(session, found, chain, signatures, executor, before)
    return replace(executed, skipped=tuple(confirmations.skipped))


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


def _send_and_prove(
    session: Session,
    found: Found,
    chain: SafeChain,
    signatures: bytes,
    executor: TransactionSigner,
    before: list[int],
) -> Executed:
    plan = found.plan
    pause_point("execute:before-send")
    session.progress("sending execTransaction …")
    try:
        tx_hash = chain.send(plan.tx, signatures, executor)
    except KeyboardInterrupt as interrupt:
        raise Interrupted(
            "while sending execTransaction: it may have reached the node",
            interrupt,
            sent="unknown",
        ) from None
    session.progress(f"sent {tx_hash}; waiting for it to be mined …")
    try:
        pause_point("execute:after-send")
        sent = chain.wait(tx_hash)
    except KeyboardInterrupt as interrupt:
        # The proposal stays pending: it is marked executed only from a receipt.
        raise Interrupted(
            f"after sending {tx_hash}, before its receipt: it may still be mined",
            interrupt,
            tx_hash=tx_hash,
        ) from None
    outcome = execution_outcome(sent.logs, plan.tx.safe, plan.safe_tx_hash)
    success = sent.status == 1 and outcome is True
    # A mined transaction used the Safe's nonce (even with ExecutionFailure); a reverted one
    # did not, so its proposal stays pending and its signatures stay valid.
    if sent.status == 1:
        found.store.mark_executed(plan.safe_tx_hash, tx_hash)
    checks = tuple(chain.prove(plan.postconditions, before, sent.block)) if success else ()
    return Executed(plan.safe_tx_hash, plan, tx_hash, sent.block, success, checks)
