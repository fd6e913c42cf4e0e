"""`safeops plan`: turn an action into Safe transactions the policy allows, at the right nonce."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from safeops.core.actions import ActionPlan
from safeops.core.plan import Plan
from safeops.core.policy import SafeEntry
from safeops.core.transactions.safe_tx import SafeTxHash, SafeVersion
from safeops.errors import BadInput, Refused
from safeops.workflows.guards import live_safe, require_policy
from safeops.workflows.plan_files import write_plan
from safeops.workflows.session import Session

_NONCE_HINT = "Omit --nonce: safeops takes the next free one after the pending proposals."


@dataclass(frozen=True)
class WrittenPlan:
    plan: Plan
    path: Path
    onchain_nonce: int

    def to_json(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "plan": str(self.path),
            "safe": plan.safe_name,
            "safe_address": plan.tx.safe,
            "chain_id": plan.chain_id,
            **plan.inspection.hashes.to_json(),
            "nonce": plan.tx.nonce,
            "onchain_nonce": self.onchain_nonce,
            "part": list(plan.part),
            "calls": [c.description for c in plan.calls],
            "warnings": [
                {"code": f.code, "message": f.message, "path": f.path}
                for f in plan.inspection.findings
            ],
            "violations": [],
            "notes": list(plan.notes),
            "postconditions": len(plan.postconditions),
        }


def choose_nonces(
    session: Session,
    safe: SafeEntry,
    onchain: int,
    count: int,
    requested: int | None,
    replace: bool,
) -> list[int]:
    """`count` consecutive nonces: the next free ones after pending proposals, or `requested`.

    A nonce below the chain's is spent; one beyond the next free would leave a gap no one can
    execute past; one a pending proposal holds is a conflict unless replacing it knowingly.
    """
    taken: dict[int, SafeTxHash] = {
        p.nonce: p.safe_tx_hash for p in session.store(safe).pending(onchain)
    }
    if requested is None:
        # The first `count` nonces no pending proposal holds: several plans may interleave
        # with queued ones, but never take a nonce that is already spoken for.
        free: list[int] = []
        candidate = onchain
        while len(free) < count:
            if candidate not in taken:
                free.append(candidate)
            candidate += 1
        return free
    if requested < onchain:
        raise BadInput(
            f"nonce {requested} is already used on chain (the Safe is at {onchain})",
            hint=_NONCE_HINT,
        )
    next_free = max([onchain - 1, *taken]) + 1
    if requested > next_free:
        raise BadInput(
            f"nonce {requested} would leave a gap: the next free nonce is {next_free}",
            hint=_NONCE_HINT,
        )
    nonces = list(range(requested, requested + count))
    clashes = [n for n in nonces if n in taken]
    if clashes and not replace:
        raise Refused(
            f"nonce {clashes[0]} is taken by pending proposal {taken[clashes[0]]}",
            hint="Pass --replace to plan a replacement knowingly, or omit --nonce.",
        )
    return nonces


def make_plans(
    session: Session,
    action_plans: Sequence[ActionPlan],
    *,
    nonce: int | None = None,
    replace: bool = False,
    out_dir: Path | None = None,
) -> list[WrittenPlan]:
    """Build, evaluate and write one plan file per ActionPlan (to the session's plan folder
    unless `out_dir`); nothing is written when any of them would violate the policy."""
    by_safe: dict[str, list[ActionPlan]] = {}
    for action_plan in action_plans:
        by_safe.setdefault(action_plan.safe_name, []).append(action_plan)
    now = datetime.fromtimestamp(session.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    built: list[tuple[Plan, int]] = []
    for safe_name, group in by_safe.items():
        safe = session.safe(safe_name)
        live = live_safe(session, safe)
        version = SafeVersion.parse(live.version)
        nonces = choose_nonces(session, safe, live.nonce, len(group), nonce, replace)
        for action_plan, chosen in zip(group, nonces, strict=True):
            plan = action_plan.to_plan(
                session.policy, nonce=chosen, version=version, created_at=now
            )
            require_policy(session.policy, plan)
            built.append((plan, live.nonce))
    folder = session.plan_dir if out_dir is None else out_dir
    return [WrittenPlan(plan, write_plan(folder, plan), onchain) for plan, onchain in built]
