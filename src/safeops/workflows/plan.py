"""`safeops plan`: turn an action into Safe transactions the policy allows, at the right nonce."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from safeops.chain.rpc import RpcPools
from safeops.chain.safe_reader import read_safe_agreed
from safeops.core.actions import ActionPlan, PolicyViolation
from safeops.core.evaluate import evaluate
from safeops.core.plan import Plan
from safeops.core.policy import Policy
from safeops.core.safe_state import SafeState
from safeops.core.safe_tx import SafeVersion
from safeops.errors import BadInput, Refused
from safeops.files import write_atomically
from safeops.proposals.store import store_for

DEFAULT_PLAN_DIR = Path(".safeops/plans")


@dataclass(frozen=True)
class WrittenPlan:
    plan: Plan
    path: Path
    onchain_nonce: int


def live_safe(policy: Policy, safe_name: str, rpcs: RpcPools) -> SafeState:
    """The Safe read from every RPC at one block; no contract there is a refusal."""
    safe = policy.safes[safe_name]
    state = read_safe_agreed(rpcs.open(safe.rpc, safe.chain_id), safe.address)
    if state is None:
        raise Refused(
            f"there is no contract at Safe {safe_name} ({safe.address})",
            hint="Check the policy's address and chain id, and `safeops policy check`.",
        )
    return state


def choose_nonces(
    policy: Policy,
    safe_name: str,
    onchain: int,
    count: int,
    requested: int | None,
    replace: bool,
) -> list[int]:
    """`count` consecutive nonces: the next free ones after pending proposals, or `requested`.

    A nonce below the chain's is spent; one beyond the next free would leave a gap no one can
    execute past; one a pending proposal holds is a conflict unless replacing it knowingly.
    """
    pending = store_for(policy.safes[safe_name]).pending(policy.safes[safe_name].address, onchain)
    taken = {p.nonce: p.safe_tx_hash for p in pending}
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
        raise BadInput(f"nonce {requested} is already used on chain (the Safe is at {onchain})")
    next_free = max([onchain - 1, *taken]) + 1
    if requested > next_free:
        raise BadInput(f"nonce {requested} would leave a gap: the next free nonce is {next_free}")
    nonces = list(range(requested, requested + count))
    clashes = [n for n in nonces if n in taken]
    if clashes and not replace:
        raise Refused(
            f"nonce {clashes[0]} is taken by pending proposal {taken[clashes[0]]}",
            hint="Pass --replace to plan a replacement knowingly, or omit --nonce.",
        )
    return nonces


def make_plans(
    policy: Policy,
    action_plans: Sequence[ActionPlan],
    rpcs: RpcPools,
    *,
    nonce: int | None = None,
    replace: bool = False,
    out_dir: Path = DEFAULT_PLAN_DIR,
) -> list[WrittenPlan]:
    """Build, evaluate and write one plan file per ActionPlan; nothing is written when any
    of them would violate the policy."""
    by_safe: dict[str, list[ActionPlan]] = {}
    for action_plan in action_plans:
        by_safe.setdefault(action_plan.safe_name, []).append(action_plan)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    built: list[tuple[Plan, int]] = []
    for safe_name, group in by_safe.items():
        live = live_safe(policy, safe_name, rpcs)
        version = SafeVersion.parse(live.version)
        nonces = choose_nonces(policy, safe_name, live.nonce, len(group), nonce, replace)
        for action_plan, chosen in zip(group, nonces, strict=True):
            plan = action_plan.to_plan(policy, nonce=chosen, version=version, created_at=now)
            violations = evaluate(
                policy, safe_name, plan.tx, plan.chain_id, action=action_plan.action
            )
            if violations:
                raise PolicyViolation(violations)
            built.append((plan, live.nonce))
    return [
        WrittenPlan(plan, write_json(out_dir / plan.file_name, plan.to_json()), onchain)
        for plan, onchain in built
    ]


def write_json(path: Path, document: object) -> Path:
    """Write atomically: a reader never sees half a plan."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomically(path, json.dumps(document, indent=2) + "\n")
