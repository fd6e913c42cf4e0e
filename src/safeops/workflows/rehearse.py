"""Rehearse a plan on a private fork: run what is queued first, execute it, prove it, record it."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from safeops.chain.rpc import RpcPools
from safeops.chain.safe_reader import read_safe
from safeops.core.actions.postconditions import ETH_BALANCE
from safeops.core.decode import decode_call
from safeops.core.events import DecodedEvent, decode_events
from safeops.core.plan import Plan, Postcondition
from safeops.core.policy import Policy
from safeops.core.rebuild import policy_safe_of, verify_against_rebuild
from safeops.core.rehearsal import (
    ChangedAccount,
    CheckResult,
    RehearsalRecord,
    SafeFinding,
    build_record,
    changed_accounts,
    check_postcondition,
    compare_safe_states,
    evaluate_balance,
    evaluate_safe_diff,
    evaluate_view,
    failed_check,
    failure_reasons,
    nonce_moved,
    slot_names,
    split_postconditions,
    stack_order,
    view_calldata,
)
from safeops.core.revert import decode_revert
from safeops.core.safe_state import NONCE_SLOT, SafeState
from safeops.core.safe_tx import Operation, SafeTx, safe_tx_hashes
from safeops.core.urls import redact_url
from safeops.errors import Refused, SafeOpsError
from safeops.fork.execute import Execution, execute_safe_tx, safe_nonce
from safeops.fork.node import Fork, open_fork
from safeops.fork.state_diff import state_diff
from safeops.interrupts import pause_point
from safeops.proposals.local import Proposal
from safeops.proposals.store import store_for
from safeops.workflows.code_guard import require_code

# `x as x` re-exports: propose, queue and proposals read plans and records through this module.
from safeops.workflows.records import load_fresh_record as load_fresh_record
from safeops.workflows.records import read_plan as read_plan
from safeops.workflows.records import record_path as record_path
from safeops.workflows.records import remove_record, write_record

if TYPE_CHECKING:
    # Only for types: the Service's client loads safe-eth-py, which local stores never need.
    from safeops.proposals.tx_service import ServiceProposal

Progress = Callable[[str], None]


class PendingProposals(Protocol):
    """What stacking needs from a proposal store, whichever kind the policy names."""

    def pending(
        self, safe: str, from_nonce: int = 0
    ) -> Sequence[Proposal] | Sequence[ServiceProposal]: ...


@dataclass(frozen=True)
class Queued:
    """A pending proposal to execute first, with the safeTxHash computed here, not claimed."""

    tx: SafeTx
    safe_tx_hash: str
    action: str

    @classmethod
    def of(cls, proposal: Proposal | ServiceProposal, plan: Plan) -> Queued:
        if isinstance(proposal, Proposal):
            own = proposal.plan
            return cls(own.tx, own.safe_tx_hash, own.action)
        # The Service's copy has no plan: hash its fields as this Safe (the plan's) would.
        hashes = safe_tx_hashes(proposal.tx, plan.chain_id, plan.safe_version)
        return cls(proposal.tx, "0x" + hashes.safe_tx_hash.hex(), "Transaction Service proposal")


def _silent(_: str) -> None:
    return None


@dataclass(frozen=True)
class StackedRun:
    """A pending lower-nonce proposal executed on the fork before the plan."""

    safe_tx_hash: str
    nonce: int
    action: str
    execution: Execution | None
    findings: tuple[SafeFinding, ...] = ()
    refused: str | None = None

    @property
    def success(self) -> bool:
        return self.execution is not None and self.execution.success and self._clean

    @property
    def _clean(self) -> bool:
        return all(finding.ok for finding in self.findings)

    @property
    def reason(self) -> str | None:
        if self.refused is not None:
            return self.refused
        if self.execution is not None and not self.execution.success:
            return self.execution.reason
        bad = [f.message for f in self.findings if not f.ok]
        return f"it changes the Safe: {'; '.join(bad)}" if bad else None

    def to_json(self) -> dict[str, Any]:
        execution = self.execution
        return {
            "safe_tx_hash": self.safe_tx_hash,
            "nonce": self.nonce,
            "action": self.action,
            "success": self.success,
            "reason": self.reason,
            "tx_hash": execution.tx_hash if execution else None,
            "gas_used": execution.gas_used if execution else None,
        }


@dataclass(frozen=True)
class Proofs:
    """What the plan's own execution did, and whether that is what it had to do."""

    execution: Execution | None = None
    postconditions: tuple[CheckResult, ...] = ()
    storage_diff: tuple[SafeFinding, ...] = ()
    changed_accounts: tuple[ChangedAccount, ...] = ()
    events: tuple[DecodedEvent, ...] = ()


@dataclass(frozen=True)
class Rehearsal:
    """A finished rehearsal (passed or not) and the record written beside the plan."""

    plan: Plan
    origin: str
    fork_block: int
    fork_block_timestamp: int
    stacked: tuple[StackedRun, ...]
    stack_skipped: bool
    nonce_override: tuple[int, int] | None
    proofs: Proofs
    record: RehearsalRecord
    record_path: Path
    timings: Mapping[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.record.passed

    @property
    def reasons(self) -> list[str]:
        return failure_reasons(self.record.document["results"])

    @property
    def reason(self) -> str | None:
        reasons = self.reasons
        if not reasons:
            return None
        more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
        return reasons[0] + more

    def to_json(self) -> dict[str, Any]:
        results = self.record.document["results"]
        execution = self.proofs.execution
        return {
            "safe_tx_hash": self.plan.safe_tx_hash,
            "passed": self.passed,
            "reason": self.reason,
            "reasons": self.reasons,
            "safe": {"name": self.plan.safe_name, "address": self.plan.tx.safe},
            "action": self.plan.action,
            "nonce": self.plan.tx.nonce,
            "chain_id": self.plan.chain_id,
            "origin": self.origin,
            "fork_block": self.fork_block,
            "fork_block_timestamp": self.fork_block_timestamp,
            "stacked": results["stacked"],
            "stack_skipped": self.stack_skipped,
            "nonce_override": results["nonce_override"],
            "gas_used": execution.gas_used if execution else None,
            "execution": results["execution"],
            "postconditions": results["postconditions"],
            "storage_diff": results["storage_diff"],
            "changed_accounts": results["changed_accounts"],
            "events": results["events"],
            "record": {"path": str(self.record_path), "digest": self.record.digest},
            "timings": {name: round(seconds, 3) for name, seconds in self.timings.items()},
        }


# ---------------------------------------------------------------------------------------------
# The rehearsal.


def rehearse_plan(
    plan_path: Path,
    plan: Plan,
    policy: Policy,
    rpcs: RpcPools,
    *,
    fork_block: int | None = None,
    fork_url: str | None = None,
    stack: bool = True,
    progress: Progress = _silent,
    clock: Callable[[], float] = time.time,
) -> Rehearsal:
    """Fork the Safe's chain, execute the queued proposals then the plan, and prove its effects.

    The previous record is removed first: an interrupted or refused rehearsal leaves none, so a
    stale pass can never outlive a newer attempt. The new one is written passed or failed.
    """
    entry = policy_safe_of(policy, plan)
    # "Does what the plan says" only holds for what the plan's intent rebuilds. A mismatch
    # fails the rehearsal, but the fork still runs: its proofs show what the file would do.
    intent_mismatch = _intent_mismatch(policy, plan)
    for postcondition in plan.postconditions:
        check_postcondition(postcondition)  # a bad plan is refused before any fork starts
    store = store_for(entry) if stack else None
    path = record_path(plan_path)
    remove_record(path)
    require_code(policy, entry, plan.tx, rpcs)  # refused: no record, no fork
    # The first RPC that answers, not rpc[0]: a dead primary must not stop the rehearsal.
    origin = fork_url or rpcs.open(entry.rpc, entry.chain_id).primary.url
    started = time.monotonic()
    progress(f"forking {redact_url(origin)} …")
    with open_fork(origin, plan.chain_id, fork_block) as fork:
        ready = time.monotonic()
        progress(f"fork at block {fork.block} ready in {fork.start_seconds:.2f} s; executing …")
        pause_point("rehearse:fork-ready", fork_port=fork.anvil.port)
        runs, override, proofs = _rehearse_on(fork, plan, store)
        done = time.monotonic()
    results = _results(runs, override, proofs) | {"intent_mismatch": intent_mismatch}
    record = build_record(
        plan,
        fork_block=fork.block,
        fork_block_timestamp=fork.timestamp,
        rehearsed_at=int(clock()),
        stacked=[run.safe_tx_hash for run in runs],
        stack_skipped=not stack,
        results=results,
    )
    write_record(path, record)
    timings = {
        "fork_start_s": fork.start_seconds,
        "rehearsal_s": done - ready,
        "total_s": done - started,  # with the origin's reads (chain id, latest block)
    }
    return Rehearsal(
        plan=plan,
        origin=fork.origin,
        fork_block=fork.block,
        fork_block_timestamp=fork.timestamp,
        stacked=runs,
        stack_skipped=not stack,
        nonce_override=override,
        proofs=proofs,
        record=record,
        record_path=path,
        timings=timings,
    )


def _intent_mismatch(policy: Policy, plan: Plan) -> str | None:
    try:
        verify_against_rebuild(policy, plan, plan.tx)
    except SafeOpsError as error:
        return f"the plan is not what its intent rebuilds: {error.message}"
    return None


def _results(
    runs: tuple[StackedRun, ...], override: tuple[int, int] | None, proofs: Proofs
) -> dict[str, Any]:
    execution = proofs.execution
    return {
        "stacked": [run.to_json() for run in runs],
        "nonce_override": None if override is None else {"from": override[0], "to": override[1]},
        "execution": execution.to_json()
        if execution is not None
        else {"success": False, "reason": None, "executed": False},
        "postconditions": [check.to_json() for check in proofs.postconditions],
        "storage_diff": [finding.to_json() for finding in proofs.storage_diff],
        "changed_accounts": [account.to_json() for account in proofs.changed_accounts],
        "events": [event.to_json() for event in proofs.events],
    }


def _rehearse_on(
    fork: Fork, plan: Plan, store: PendingProposals | None
) -> tuple[tuple[StackedRun, ...], tuple[int, int] | None, Proofs]:
    safe, planned = plan.tx.safe, plan.tx.nonce
    onchain = safe_nonce(fork, safe, fork.block)
    override = None
    queued: list[Queued] = []
    if store is not None:
        found = store.pending(safe, from_nonce=onchain)
        pending = [Queued.of(p, plan) for p in found if p.nonce < planned]
        order = stack_order(onchain, planned, [(q.tx.nonce, q.safe_tx_hash) for q in pending])
        by_hash = {q.safe_tx_hash: q for q in pending}
        queued = [by_hash[safe_tx_hash] for safe_tx_hash in order]
    elif planned < onchain:
        raise Refused(nonce_moved(onchain, planned), hint="The plan is stale: build a new one.")
    elif planned > onchain:
        # Alone means as if the queued proposals were skipped: move the nonce, nothing else,
        # in a block of its own so that "the state before the transaction" includes it.
        fork.set_storage(safe, NONCE_SLOT, planned)
        fork.request("evm_mine", [])
        override = (onchain, planned)
    runs: list[StackedRun] = []
    for item in queued:
        runs.append(_run_stacked(fork, item))
        if not runs[-1].success:
            return tuple(runs), override, Proofs()
    return tuple(runs), override, _prove(fork, plan)


def _hash_bytes(safe_tx_hash: str) -> bytes:
    return bytes.fromhex(safe_tx_hash[2:])


def _eth_sent(tx: SafeTx) -> int:
    """Wei the transaction sends out of the Safe: its value, or its batch items' values."""
    decoded = decode_call(tx.to, tx.value, tx.data, tx.operation)
    if tx.operation == Operation.DELEGATECALL and decoded.kind == "multisend":
        return tx.value + sum(item.value for item in decoded.inner)
    return tx.value


def _run_stacked(fork: Fork, item: Queued) -> StackedRun:
    tx, safe_tx_hash = item.tx, _hash_bytes(item.safe_tx_hash)
    try:
        execution = execute_safe_tx(fork, tx, safe_tx_hash)
    except Refused as error:
        return StackedRun(item.safe_tx_hash, tx.nonce, item.action, None, refused=error.message)
    findings: tuple[SafeFinding, ...] = ()
    if execution.success:
        # A queued transaction that rewires the Safe changes what the plan's execution means.
        names = slot_names((), (), execution.signers[:-1], safe_tx_hash)
        diff = state_diff(fork, execution.tx_hash).get(tx.safe)
        findings = tuple(evaluate_safe_diff(diff, names, eth_sent=_eth_sent(tx)))
    return StackedRun(item.safe_tx_hash, tx.nonce, item.action, execution, findings)


def _prove(fork: Fork, plan: Plan) -> Proofs:
    safe = plan.tx.safe
    execution = execute_safe_tx(fork, plan.tx, _hash_bytes(plan.safe_tx_hash))
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
        _hash_bytes(plan.safe_tx_hash),
    )
    diffs = state_diff(fork, execution.tx_hash)
    reverted = execution.reverted
    findings = evaluate_safe_diff(
        diffs.get(safe), names, eth_sent=_eth_sent(plan.tx), reverted=reverted
    )
    findings += compare_safe_states(state_before, state_after, unreadable, reverted=reverted)
    views, balances = split_postconditions(plan.postconditions)
    checks = [_view(fork, p, after) for p in views]
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


def _view(fork: Fork, postcondition: Postcondition, block: int) -> CheckResult:
    result = fork.call(postcondition.target, view_calldata(postcondition), block)
    reason = "" if result.success else decode_revert(result.output)
    return evaluate_view(postcondition, result.success, result.output, reason)


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
