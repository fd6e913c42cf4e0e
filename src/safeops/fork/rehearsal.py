"""A rehearsal on a private fork: the queued proposals first, then the plan, then its proofs."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from safeops.core.plan import Plan
from safeops.core.rehearsal import SafeFinding, nonce_moved, stack_order
from safeops.core.rehearsal.warm import Prefetch
from safeops.core.safe_state import NONCE_SLOT
from safeops.core.transactions.safe_tx import SafeTx, SafeTxHash
from safeops.core.urls import redact_url
from safeops.errors import Refused
from safeops.fork.execute import Execution, execute_safe_tx, safe_nonce
from safeops.fork.node import Fork, open_fork
from safeops.fork.proofs import Proofs, prove_plan, safe_findings
from safeops.fork.warm import warm_fork
from safeops.interrupts import pause_point

Progress = Callable[[str], None]


@dataclass(frozen=True)
class QueuedTx:
    """A pending proposal that may have to run first, its hash computed here, not claimed."""

    tx: SafeTx
    safe_tx_hash: SafeTxHash
    action: str


@dataclass(frozen=True)
class StackedRun:
    """A pending lower-nonce proposal executed on the fork before the plan."""

    safe_tx_hash: SafeTxHash
    nonce: int
    action: str
    execution: Execution | None
    findings: tuple[SafeFinding, ...] = ()
    refused: str | None = None

    @property
    def success(self) -> bool:
        return (
            self.execution is not None
            and self.execution.success
            and all(finding.ok for finding in self.findings)
        )

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
            "safe_tx_hash": self.safe_tx_hash.hex0x,
            "nonce": self.nonce,
            "action": self.action,
            "success": self.success,
            "reason": self.reason,
            "tx_hash": execution.tx_hash if execution else None,
            "gas_used": execution.gas_used if execution else None,
        }


@dataclass(frozen=True)
class ForkRun:
    """Everything one fork showed: where it forked, what ran first, what the plan proved."""

    origin: str
    block: int
    timestamp: int
    stacked: tuple[StackedRun, ...]
    nonce_override: tuple[int, int] | None
    proofs: Proofs
    block_hash: str = ""
    """The hash of `block` on the origin, recorded so that the chain can confirm it."""
    start_seconds: float = 0.0
    run_seconds: float = 0.0
    total_seconds: float = 0.0
    """With the origin's reads (chain id, latest block) before the fork started."""

    @property
    def passed(self) -> bool:
        return all(run.success for run in self.stacked) and self.proofs.passed


def rehearse_on_fork(
    origin_url: str,
    plans: Sequence[Plan],
    queued: Sequence[QueuedTx] | None,
    *,
    fork_block: int | None = None,
    anvil: str | None = None,
    progress: Progress = lambda _: None,
    pinned: bool = False,
    prefetch: Prefetch | None = None,
) -> list[ForkRun]:
    """Fork `origin_url` and run the `plans` on it one after the other, in nonce order (one
    Safe's): before each, the `queued` proposals it needs first and the plans before it (None:
    no queue, each plan's nonce moved into place if it must be); then prove each. The fork is
    always stopped. `pinned`: `fork_block` is the run's block on a checked RPC. `prefetch`:
    what the fork should fetch at once before executing (a cache: it changes no result)."""
    progress(f"forking {redact_url(origin_url)} …")
    started = time.monotonic()
    ordered = sorted(plans, key=lambda plan: plan.tx.nonce)
    with open_fork(origin_url, ordered[0].chain_id, fork_block, anvil=anvil, pinned=pinned) as fork:
        ready = time.monotonic()
        if prefetch:
            reads, seconds = warm_fork(fork, prefetch)
            progress(f"fork warmed with {reads} reads of the origin in {seconds:.2f} s")
        progress(f"fork at block {fork.block} ready in {fork.start_seconds:.2f} s; executing …")
        pause_point("rehearse:fork-ready", fork_port=fork.anvil.port)
        runs: list[ForkRun] = []
        for index, plan in enumerate(ordered):
            begun = time.monotonic()
            stacked, override, proofs = _run(fork, plan, _queue(queued, ordered[:index]))
            done = time.monotonic()
            runs.append(
                ForkRun(
                    fork.origin,
                    fork.block,
                    fork.timestamp,
                    stacked,
                    override,
                    proofs,
                    fork.block_hash,
                    fork.start_seconds,
                    done - (ready if index == 0 else begun),
                    done - started,
                )
            )
        return runs


def _queue(queued: Sequence[QueuedTx] | None, earlier: Sequence[Plan]) -> list[QueuedTx] | None:
    """What may run before a plan: the queued proposals and the plans before it (already run
    on the fork unless they failed; `_run` only executes what the fork's nonce still needs)."""
    if queued is None:
        return None
    known = {q.safe_tx_hash for q in queued}
    return [
        *queued,
        *(QueuedTx(p.tx, p.safe_tx_hash, p.action) for p in earlier if p.safe_tx_hash not in known),
    ]


@dataclass(frozen=True)
class ForkRehearser:
    """`rehearse_on_fork` with the configured anvil: the `Rehearser` workflows are given."""

    anvil: str | None = None

    def __call__(
        self,
        origin_url: str,
        plans: Sequence[Plan],
        queued: Sequence[QueuedTx] | None,
        *,
        fork_block: int | None = None,
        progress: Progress = lambda _: None,
        pinned: bool = False,
        prefetch: Prefetch | None = None,
    ) -> list[ForkRun]:
        return rehearse_on_fork(
            origin_url,
            plans,
            queued,
            fork_block=fork_block,
            anvil=self.anvil,
            progress=progress,
            pinned=pinned,
            prefetch=prefetch,
        )


def _run(
    fork: Fork, plan: Plan, queued: Sequence[QueuedTx] | None
) -> tuple[tuple[StackedRun, ...], tuple[int, int] | None, Proofs]:
    safe, planned = plan.tx.safe, plan.tx.nonce
    # The fork's nonce now: plans rehearsed before this one on the fork have moved it.
    onchain = safe_nonce(fork, safe, fork.block_number())
    override = None
    first: list[QueuedTx] = []
    if queued is not None:
        ahead = [q for q in queued if onchain <= q.tx.nonce < planned]
        order = stack_order(onchain, planned, [(q.tx.nonce, q.safe_tx_hash) for q in ahead])
        by_hash = {q.safe_tx_hash: q for q in ahead}
        first = [by_hash[safe_tx_hash] for safe_tx_hash in order]
    elif planned < onchain:
        raise Refused(nonce_moved(onchain, planned), hint="The plan is stale: build a new one.")
    elif planned > onchain:
        # Alone means as if the queued proposals were skipped: move the nonce, nothing else,
        # in a block of its own so that "the state before the transaction" includes it.
        fork.set_storage(safe, NONCE_SLOT, planned)
        fork.request("evm_mine", [])
        override = (onchain, planned)
    runs: list[StackedRun] = []
    for item in first:
        runs.append(_run_stacked(fork, item))
        if not runs[-1].success:
            return tuple(runs), override, Proofs()
    return tuple(runs), override, prove_plan(fork, plan)


def _run_stacked(fork: Fork, item: QueuedTx) -> StackedRun:
    try:
        execution = execute_safe_tx(fork, item.tx, item.safe_tx_hash)
    except Refused as error:
        return StackedRun(
            item.safe_tx_hash, item.tx.nonce, item.action, None, refused=error.message
        )
    # A queued transaction that rewires the Safe changes what the plan's execution means.
    findings = safe_findings(fork, item.tx, execution) if execution.success else ()
    return StackedRun(item.safe_tx_hash, item.tx.nonce, item.action, execution, findings)
