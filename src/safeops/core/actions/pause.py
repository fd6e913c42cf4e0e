"""Pause and unpause: the targets' calls, grouped into one plan per Safe that makes them."""

from __future__ import annotations

from collections.abc import Sequence

from safeops.core.actions.common import ActionPlan, lookup, numbered, show, unique
from safeops.core.actions.postconditions import after_target
from safeops.core.plan import Postcondition
from safeops.core.policy import Action, Policy, TargetAction, TargetEntry
from safeops.core.transactions.batch import Call
from safeops.errors import BadInput


def plan_pause(
    policy: Policy, targets: Sequence[str], all_targets: bool = False, unpause: bool = False
) -> list[ActionPlan]:
    """One plan per Safe, in the policy's order of Safes; calls in the policy's order of targets.

    Policy order, not the operator's, makes the same request always give the same transaction
    (and safeTxHash), so a retried run finds its earlier proposal instead of making another.
    A name given twice is kept once, with a note: a second `pause()` in the same batch would
    revert on most contracts (OpenZeppelin's `whenNotPaused`) and sink the whole batch.
    """
    action = "unpause" if unpause else "pause"
    chosen, notes = _choose(policy, targets, all_targets, unpause)
    by_safe: dict[str, list[TargetEntry]] = {}
    for target in policy.targets.values():
        if target.name in chosen:
            by_safe.setdefault(_action(target, unpause).safe, []).append(target)
    if len(by_safe) > 1:
        groups = "; ".join(
            f"{safe}: {', '.join(t.name for t in group)}"
            for safe in policy.safes
            if (group := by_safe.get(safe))
        )
        notes.append(f"{len(by_safe)} plans, one per Safe that may {action} ({groups})")
    plans = [
        _plan(policy, safe, by_safe[safe], all_targets, unpause, tuple(notes))
        for safe in policy.safes
        if safe in by_safe
    ]
    return numbered(plans)


def _choose(
    policy: Policy, names: Sequence[str], all_targets: bool, unpause: bool
) -> tuple[set[str], list[str]]:
    """The target names to act on and the notes about the choice."""
    action = "unpause" if unpause else "pause"
    if all_targets and names:
        raise BadInput(
            f"name targets or use --all, not both (got {', '.join(names)})",
            hint="Drop --all to act on the named targets only.",
        )
    if all_targets:
        chosen = {t.name for t in policy.targets.values() if _has(t, unpause)}
        if not chosen:
            raise BadInput(
                f"no target of the policy has {action}",
                hint=f"Give a target a `{action}` call in the policy (docs/policy.md).",
            )
        return chosen, []
    if not names:
        raise BadInput(
            f"name the targets to {action}, or use --all",
            hint=f"Targets of the policy: {', '.join(policy.targets) or 'none'}.",
        )
    kept, repeated = unique(names)
    for name in kept:
        target = lookup(policy.targets, "target", name)
        if not _has(target, unpause):
            raise BadInput(
                f"target {name!r} has no {action} in the policy",
                hint=f"The policy gives {name} no `{action}` call: it cannot be {action}d.",
            )
    notes = []
    if repeated:
        notes.append(f"named more than once, acted on once: {', '.join(sorted(set(repeated)))}")
    return set(kept), notes


def _has(target: TargetEntry, unpause: bool) -> bool:
    return (target.unpause if unpause else target.pause) is not None


def _action(target: TargetEntry, unpause: bool) -> TargetAction:
    action = target.unpause if unpause else target.pause
    assert action is not None, "targets were filtered on having the action"
    return action


def _plan(
    policy: Policy,
    safe: str,
    targets: list[TargetEntry],
    all_targets: bool,
    unpause: bool,
    notes: tuple[str, ...],
) -> ActionPlan:
    action: Action = "unpause" if unpause else "pause"
    calls: list[Call] = []
    checks: list[Postcondition] = []
    for target in targets:
        template = _action(target, unpause).call
        shown = ", ".join(show(arg) for arg in template.render({}))
        function = f"{template.signature.name}({shown})"
        description = f"{action} {target.name} ({target.address}): {function}"
        calls.append(Call(target.address, template.calldata({}), 0, description))
        if (check := after_target(target, unpause)) is not None:
            checks.append(check)
    return ActionPlan(
        action=action,
        arguments={"targets": [t.name for t in targets], "all": all_targets},
        safe_name=safe,
        calls=tuple(calls),
        postconditions=tuple(checks),
        notes=notes,
    )
