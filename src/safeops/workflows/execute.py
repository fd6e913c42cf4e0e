"""`safeops execute`: every signature proven, the nonce current, a final simulation with the
real signatures, then send, require ExecutionSuccess and prove the effects on chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from safeops.chain.execute import TransactionSigner, send_exec_transaction, wait_for_receipt
from safeops.chain.proofs import prove, read_balances
from safeops.chain.rpc import RpcPools
from safeops.core.actions import PolicyViolation
from safeops.core.evaluate import evaluate
from safeops.core.execution import execution_outcome
from safeops.core.plan import Plan
from safeops.core.policy import Policy
from safeops.core.rehearsal import CheckResult
from safeops.core.safe_state import SafeState
from safeops.core.safe_tx import SafeVersion
from safeops.core.signatures import collect_signatures
from safeops.errors import Refused
from safeops.interrupts import Interrupted, pause_point
from safeops.proposals.local import LocalStore
from safeops.simulate import simulate_signed
from safeops.workflows.code_guard import require_code
from safeops.workflows.policy_check import check_safe
from safeops.workflows.proposals import find_proposal

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True)
class Executed:
    safe_tx_hash: str
    plan: Plan
    tx_hash: str
    block: int
    success: bool
    postconditions: tuple[CheckResult, ...]

    @property
    def proven(self) -> bool:
        return self.success and all(check.ok for check in self.postconditions)


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
    policy: Policy,
    safe_tx_hash: str,
    executor: TransactionSigner,
    executor_name: str,
    rpcs: RpcPools,
    progress: Callable[[str], None] = lambda _: None,
) -> Executed:
    found = find_proposal(policy, safe_tx_hash)
    plan, safe = found.plan, found.safe
    if found.executed_tx is not None:
        raise Refused(f"proposal {safe_tx_hash} was already executed in {found.executed_tx}")
    may_execute(policy, plan, executor_name)
    live = _checked_live_safe(policy, plan, rpcs)
    require_code(policy, safe, plan.tx, rpcs, live.block)
    if plan.tx.nonce != live.nonce:
        why = (
            "it was executed or replaced"
            if plan.tx.nonce < live.nonce
            else "the proposals before it must execute first"
        )
        raise Refused(
            f"the Safe is at nonce {live.nonce}, this transaction has {plan.tx.nonce}: {why}"
        )
    hash_bytes = plan.inspection.hashes.safe_tx_hash
    signatures = collect_signatures(
        hash_bytes,
        [bytes.fromhex(s.removeprefix("0x")) for s in found.signatures.values()],
        live.owners,
        live.threshold,
    )
    rpc = rpcs.open(safe.rpc, safe.chain_id).primary
    final = simulate_signed(rpc.w3, plan.tx, hash_bytes, executor.address, live.block, signatures)
    if not final.success:
        raise Refused(
            f"the final simulation with the real signatures fails: {final.revert_reason}",
            hint="Nothing was sent.",
        )
    before = read_balances(rpc, plan.postconditions, live.block)
    pause_point("execute:before-send")
    progress("sending execTransaction …")
    try:
        tx_hash = send_exec_transaction(rpc.w3, plan.tx, signatures, executor, safe.chain_id)
    except KeyboardInterrupt as interrupt:
        raise Interrupted(
            "while sending execTransaction: it may have reached the node",
            interrupt,
            sent="unknown",
        ) from None
    progress(f"sent {tx_hash}; waiting for it to be mined …")
    try:
        pause_point("execute:after-send")
        sent = wait_for_receipt(rpc.w3, tx_hash)
    except KeyboardInterrupt as interrupt:
        # The proposal stays pending: it is marked executed only from a receipt.
        raise Interrupted(
            f"after sending {tx_hash}, before its receipt: it may still be mined",
            interrupt,
            tx_hash=tx_hash,
        ) from None
    success = sent.status == 1 and execution_outcome(sent.logs, safe.address, hash_bytes) is True
    # A mined transaction used the Safe's nonce (even with ExecutionFailure); a reverted one
    # did not, so its proposal stays pending and its signatures stay valid.
    if sent.status == 1 and isinstance(found.store, LocalStore):
        with found.store.locked():
            proposal = found.store.get(plan.safe_tx_hash)
            if proposal is not None:
                proposal.executed_tx = tx_hash
                found.store.put(proposal)
    checks = tuple(prove(rpc, plan.postconditions, before, sent.block)) if success else ()
    return Executed(plan.safe_tx_hash, plan, tx_hash, sent.block, success, checks)


def _checked_live_safe(policy: Policy, plan: Plan, rpcs: RpcPools) -> SafeState:
    """The Safe as it is now, refused unless it still matches the policy (owners, threshold,
    modules, guard, …), runs the version the plan was hashed for, and the plan still passes
    the policy: signatures collected earlier must not carry a changed situation through."""
    safe = policy.safes[plan.safe_name]
    check = check_safe(safe, rpcs)
    if check.state is None:
        raise Refused(f"there is no contract at Safe {safe.name} ({safe.address})")
    if check.drift:
        raise Refused(
            f"Safe {safe.name} drifted from the policy: {check.drift[0].message}",
            hint="Run `safeops policy check`; do not execute until the drift is explained.",
        )
    if SafeVersion.parse(check.state.version) != plan.safe_version:
        raise Refused(
            f"the Safe runs {check.state.version}, the plan was hashed for {plan.safe_version}"
        )
    violations = evaluate(policy, safe.name, plan.tx, plan.chain_id, action=plan.action)
    if violations:
        raise PolicyViolation(violations)
    return check.state
