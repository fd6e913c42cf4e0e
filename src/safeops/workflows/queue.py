"""`safeops queue`: what waits to be signed or executed, per Safe, with conflicts shown."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from safeops.chain.confirmations import verify_confirmations
from safeops.chain.rpc import RpcPools
from safeops.core.confirmations import Skipped
from safeops.core.policy import Policy
from safeops.core.safe_tx import SafeVersion
from safeops.errors import SafeOpsError
from safeops.proposals.local import Proposal
from safeops.proposals.store import store_for
from safeops.workflows.plan import live_safe
from safeops.workflows.proposals import DEFAULT_PLAN_DIR
from safeops.workflows.rehearse import load_fresh_record, read_plan


@dataclass(frozen=True)
class Pending:
    safe: str
    safe_tx_hash: str
    nonce: int
    action: str
    confirmations: int
    threshold: int
    conflict: bool  # another pending proposal holds the same nonce
    rehearsal: str  # fresh | stale: why | none
    skipped: tuple[Skipped, ...] = ()  # confirmations that execution would not count


def _rehearsal(policy: Policy, safe_tx_hash: str, block: int, plan_dir: Path) -> str:
    path = plan_dir / f"{safe_tx_hash}.json"
    if not path.exists():
        return "no local plan"
    try:
        load_fresh_record(path, read_plan(path), policy, block, int(time.time()))
    except SafeOpsError as error:
        return f"not fresh: {error.message}"
    return "fresh"


def pending(policy: Policy, rpcs: RpcPools, plan_dir: Path = DEFAULT_PLAN_DIR) -> list[Pending]:
    rows: list[Pending] = []
    for safe in policy.safes.values():
        live = live_safe(policy, safe.name, rpcs)
        waiting = store_for(safe).pending(safe.address, live.nonce)
        nonces = [p.nonce for p in waiting]
        pool, version = rpcs.open(safe.rpc, safe.chain_id), SafeVersion.parse(live.version)
        for proposal in waiting:
            counted = verify_confirmations(
                pool,
                proposal.tx,
                safe.chain_id,
                version,
                proposal.signatures,
                live.owners,
                safe.signatures,
                live.block,
                unreadable=getattr(proposal, "unreadable", {}),
            )
            action = proposal.plan.action if isinstance(proposal, Proposal) else "?"
            rows.append(
                Pending(
                    safe.name,
                    proposal.safe_tx_hash,
                    proposal.nonce,
                    action,
                    len(counted.usable),
                    live.threshold,
                    nonces.count(proposal.nonce) > 1,
                    _rehearsal(policy, proposal.safe_tx_hash, live.block, plan_dir),
                    counted.skipped,
                )
            )
    return rows
