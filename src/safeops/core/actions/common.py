"""What every action builder returns, and the small helpers they share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from safeops.core.decoding.decode import JsonValue
from safeops.core.hexes import hex0x
from safeops.core.plan import Plan, Postcondition
from safeops.core.policy import Action, Policy
from safeops.core.transactions.batch import Call, build_for_safe
from safeops.core.transactions.safe_tx import SafeTx, SafeVersion
from safeops.errors import BadInput

T = TypeVar("T")


@dataclass(frozen=True)
class ActionPlan:
    """The calls one Safe makes for one action (or one part of a split action).

    Nonce and Safe version are left to the workflow, which reads them from the chain and the
    proposal store: `to_safe_tx` and `to_plan` take them.
    """

    action: Action
    arguments: dict[str, JsonValue]
    """What the operator asked, recorded in the plan file (names, addresses, amounts)."""
    safe_name: str
    calls: tuple[Call, ...]
    postconditions: tuple[Postcondition, ...]
    part: tuple[int, int] = (1, 1)
    notes: tuple[str, ...] = ()
    """Lines the operator must read: splits, duplicates removed, amounts capped."""

    def safe_address(self, policy: Policy) -> str:
        return policy.safes[self.safe_name].address

    def chain_id(self, policy: Policy) -> int:
        return policy.safes[self.safe_name].chain_id

    def to_safe_tx(self, policy: Policy, nonce: int, version: SafeVersion) -> SafeTx:
        """The Safe transaction: one call direct, several through the Safe's MultiSendCallOnly."""
        return build_for_safe(policy.safes[self.safe_name], self.calls, nonce, version)

    def to_plan(self, policy: Policy, *, nonce: int, version: SafeVersion, created_at: str) -> Plan:
        """The plan document; evaluate its `tx` against the policy before writing it."""
        return Plan(
            action=self.action,
            arguments=self.arguments,
            safe_name=self.safe_name,
            chain_id=self.chain_id(policy),
            safe_version=version,
            tx=self.to_safe_tx(policy, nonce, version),
            calls=self.calls,
            postconditions=self.postconditions,
            policy_digest=policy.digest,
            created_at=created_at,
            part=self.part,
            notes=self.notes,
            libraries=policy.safes[self.safe_name].libraries.by_address(),
        )


def lookup(entries: Mapping[str, T], kind: str, name: str) -> T:
    """`entries[name]`, or BadInput naming the known ones: `unknown target 'x' (known: a, b)`."""
    entry = entries.get(name)
    if entry is None:
        known = ", ".join(entries) or "none"
        raise BadInput(
            f"unknown {kind} {name!r} (known: {known})",
            hint="Names are the policy's own: pick one of those known, as spelt there.",
        )
    return entry


def unique(items: Sequence[T]) -> tuple[list[T], list[T]]:
    """The items in first-seen order without repeats, and the repeats that were dropped."""
    seen: set[T] = set()
    kept: list[T] = []
    dropped: list[T] = []
    for item in items:
        (dropped if item in seen else kept).append(item)
        seen.add(item)
    return kept, dropped


def json_value(value: object) -> JsonValue:
    """A template constant or decoded value as JSON: bytes as 0x-hex, tuples as lists."""
    if isinstance(value, bytes):
        return hex0x(value)
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    raise TypeError(f"not a JSON value: {value!r}")


def show(value: object) -> str:
    """A value as a reviewer reads it in a description: `true`, not `True`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return hex0x(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(item) for item in value) + "]"
    return str(value)


def format_units(units: int, decimals: int) -> str:
    """`format_units(12_500_000, 6) == "12.5"`: base units back to token units, exactly."""
    whole, fraction = divmod(units, 10**decimals)
    if not fraction:
        return str(whole)
    return f"{whole}.{str(fraction).rjust(decimals, '0').rstrip('0')}"


def numbered(plans: Sequence[ActionPlan]) -> list[ActionPlan]:
    """The plans with `part` set to (i, n) across all of them, so each says `plan 2 of 3`."""
    return [replace(plan, part=(index, len(plans))) for index, plan in enumerate(plans, 1)]
