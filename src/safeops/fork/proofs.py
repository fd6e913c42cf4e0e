"""Prove what one execution on a fork did: postconditions, the Safe's storage, accounts, events.

Every postcondition must be made true by the transaction: a view is read before and after it,
and one that already held before fails ("done" must never mean "nothing changed")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from safeops.chain.safe_reader import read_safe
from safeops.core.actions.postconditions import ETH_BALANCE
from safeops.core.decoding.decode import decode_call
from safeops.core.decoding.events import DecodedEvent, decode_events
from safeops.core.decoding.revert import decode_revert
from safeops.core.plan import Plan, Postcondition
from safeops.core.rehearsal import (
    ChangedAccount,
    CheckResult,
    SafeFinding,
    changed_accounts,
    compare_safe_states,
    evaluate_balance,
    evaluate_safe_diff,
    evaluate_view,
    failed_check,
    require_change,
    slot_names,
    split_postconditions,
    view_calldata,
)
from safeops.core.safe_state import SafeState
from safeops.core.transactions.safe_tx import Operation, SafeTx
from safeops.errors import Refused, SafeOpsError
from safeops.fork.execute import Execution, execute_safe_tx
from safeops.fork.node import Fork
from safeops.fork.state_diff import state_diff


@dataclass(frozen=True)
class Proofs:
    """What the plan's own execution did, and whether that is what it had to do."""

    execution: Execution | None = None
    postconditions: tuple[CheckResult, ...] = ()
    storage_diff: tuple[SafeFinding, ...] = ()
    changed_accounts: tuple[ChangedAccount, ...] = ()
    events: tuple[DecodedEvent, ...] = ()

    @property
    def passed(self) -> bool:
        return (
            self.execution is not None
            and self.execution.success
            # No postcondition, no proof: a transaction that changed nothing would pass.
            and bool(self.postconditions)
            and all(check.ok for check in self.postconditions)
            and all(finding.ok for finding in self.storage_diff)
        )


def eth_sent(tx: SafeTx) -> int:
    """Wei the transaction sends out of the Safe: its value, or its batch items' values."""
    decoded = decode_call(tx.to, tx.value, tx.data, tx.operation)
    if tx.operation == Operation.DELEGATECALL and decoded.kind == "multisend":
        return tx.value + sum(item.value for item in decoded.inner)
    return tx.value


def safe_findings(fork: Fork, tx: SafeTx, execution: Execution) -> tuple[SafeFinding, ...]:
    """A queued transaction's effect on the Safe's own storage: only its nonce may move."""
    names = slot_names((), (), execution.signers[:-1], execution.safe_tx_hash.raw)
    diff = state_diff(fork, execution.tx_hash).get(tx.safe)
    return tuple(evaluate_safe_diff(diff, names, eth_sent=eth_sent(tx)))


def prove_plan(fork: Fork, plan: Plan) -> Proofs:
    """Execute the plan on the fork, then check every postcondition and the Safe's storage."""
    safe = plan.tx.safe
    execution = execute_safe_tx(fork, plan.tx, plan.safe_tx_hash)
    after = execution.block
    before = after - 1  # anvil mines one transaction per block: this is the state just before
    state_before = read_safe(fork.rpc, safe, before)
    if state_before is None:
        raise Refused(f"there is no contract at the Safe's address {safe} on the fork")
    state_after, unreadable = _read_after(fork, safe, after)
    names = slot_names(
        state_before.owners,
        state_before.modules,
        execution.signers[:-1],
        plan.safe_tx_hash.raw,
    )
    diffs = state_diff(fork, execution.tx_hash)
    reverted = execution.reverted
    findings = evaluate_safe_diff(
        diffs.get(safe), names, eth_sent=eth_sent(plan.tx), reverted=reverted
    )
    findings += compare_safe_states(state_before, state_after, unreadable, reverted=reverted)
    views, balances = split_postconditions(plan.postconditions)
    # A view must become true: read before too, so that a no-op cannot pass (fork/proofs.py).
    # Each side is one batch of calls: a revoke of 200 accounts proves 200 views.
    checks = [
        require_change(old, new)
        for old, new in zip(_views(fork, views, before), _views(fork, views, after), strict=True)
    ]
    checks += [_balance_change(fork, p, before, after) for p in balances]
    return Proofs(
        execution,
        tuple(checks),
        tuple(findings),
        tuple(changed_accounts(diffs)),
        tuple(decode_events(execution.logs)),
    )


def _read_after(fork: Fork, safe: str, block: int) -> tuple[SafeState | None, str]:
    """The Safe after execution; a hijacked Safe (new singleton) may not answer at all."""
    from eth_abi.exceptions import DecodingError

    try:
        return read_safe(fork.rpc, safe, block), ""
    except (SafeOpsError, DecodingError, ValueError, OverflowError) as error:
        return None, str(error) or type(error).__name__


def _views(fork: Fork, views: Sequence[Postcondition], block: int) -> list[CheckResult]:
    calls = [(p.target, view_calldata(p)) for p in views]
    results = fork.calls(calls, block) if calls else []
    return [
        evaluate_view(p, r.success, r.output, "" if r.success else decode_revert(r.output))
        for p, r in zip(views, results, strict=True)
    ]


def _balance_at(fork: Fork, postcondition: Postcondition, block: int) -> int | str:
    if postcondition.call == ETH_BALANCE:
        return fork.balance(postcondition.target, block)
    result = fork.call(postcondition.target, view_calldata(postcondition), block)
    if not result.success or len(result.output) != 32:
        return f"balanceOf failed: {decode_revert(result.output)}"
    return int.from_bytes(result.output, "big")


def _balance_change(
    fork: Fork, postcondition: Postcondition, before: int, after: int
) -> CheckResult:
    old, new = _balance_at(fork, postcondition, before), _balance_at(fork, postcondition, after)
    if isinstance(old, str) or isinstance(new, str):
        return failed_check(postcondition, old if isinstance(old, str) else str(new))
    return evaluate_balance(postcondition, old, new)
