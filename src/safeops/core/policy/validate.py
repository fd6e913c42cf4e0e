"""Checks across sections: one name per address, look-alikes, chains that agree, roles that act."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from safeops.core.addresses import address_shape
from safeops.core.policy.locate import KeyPath, format_where
from safeops.core.policy.model import (
    Action,
    ActionRoles,
    AllowlistEntry,
    SafeEntry,
    SignerEntry,
    TargetEntry,
    VaultEntry,
)
from safeops.core.policy.reader import Problems

# Sections whose entries are one address each: an address there has exactly one name...
_ENTITY_KINDS = {
    "safes": "Safe",
    "signers": "signer",
    "targets": "target",
    "allowlists": "allow-list",
    "vaults": "vault",
    "recipients": "recipient",
    "tokens": "token",
}
# ...except that one contract may hold several powers (a pausable vault, a pausable token), and
# funds may be withdrawn into one of the policy's own Safes.
_CONTRACT_KINDS = frozenset({"targets", "allowlists", "vaults", "tokens"})
_MAY_SHARE = frozenset({frozenset({"recipients", "safes"})})


def check_addresses(problems: Problems, chains: Mapping[tuple[str, str], int]) -> None:
    """Duplicate addresses under different names, and look-alike addresses (poisoning)."""
    _duplicates(problems, chains)
    _look_alikes(problems)


def entity_chains(
    safes: Mapping[str, SafeEntry],
    targets: Mapping[str, TargetEntry],
    allowlists: Mapping[str, AllowlistEntry],
    vaults: Mapping[str, VaultEntry],
) -> dict[tuple[str, str], int]:
    """The chain each Safe and contract lives on, where the policy tells it unambiguously."""
    chains = {("safes", name): safe.chain_id for name, safe in safes.items()}
    for name, target in targets.items():
        on = {safes[s].chain_id for s in _target_safes(target) if s in safes}
        if len(on) == 1:
            chains["targets", name] = on.pop()
    for kind, entries in (("allowlists", allowlists), ("vaults", vaults)):
        for name, entry in entries.items():
            if entry.safe in safes:
                chains[kind, name] = safes[entry.safe].chain_id
    return chains


def check_target_chains(
    problems: Problems, targets: Mapping[str, TargetEntry], safes: Mapping[str, SafeEntry]
) -> None:
    """A contract lives on one chain: every Safe acting on it must be on that chain."""
    for name, target in targets.items():
        on = sorted({safes[s].chain_id for s in _target_safes(target) if s in safes})
        if len(on) > 1:
            chains = " and ".join(str(chain) for chain in on)
            problems.add(
                ("targets", name),
                f"its Safes are on different chains ({chains}): one target, one chain",
            )


def check_roles(
    problems: Problems,
    signers: Mapping[str, SignerEntry],
    owners: Collection[str],
    actions: Mapping[Action, ActionRoles],
    in_use: Collection[Action],
) -> None:
    """Every role granted is usable, and every action the policy allows has people to do it."""
    for name, signer in signers.items():
        if "signer" in signer.roles and name not in owners:
            message = "has the 'signer' role but owns no Safe (no expect.owners lists it)"
            problems.add(("signers", name, "roles"), message)
    for action in in_use:
        roles = actions[action]
        for key, names, verb, role in (
            ("proposers", roles.proposers, "propose", "proposer"),
            ("executors", roles.executors, "execute", "executor"),
        ):
            if not names:
                message = f"no signer may {verb} {action}: give one the {role!r} role"
                problems.add(("actions", action, key), message)


def _target_safes(target: TargetEntry) -> list[str]:
    return [action.safe for action in (target.pause, target.unpause) if action is not None]


def _in_file_order(problems: Problems) -> list[tuple[KeyPath, str]]:
    """The addresses met, in the order they appear in the file: the later one is reported."""
    unknown = float("inf")
    return sorted(problems.addresses, key=lambda use: problems.lines.get(use[0], unknown))


def _duplicates(problems: Problems, chains: Mapping[tuple[str, str], int]) -> None:
    seen: dict[str, list[KeyPath]] = {}
    for path, address in _in_file_order(problems):
        if len(path) != 3 or path[0] not in _ENTITY_KINDS or path[2] != "address":
            continue
        if int(address, 16) == 0:
            continue  # the native-coin marker, not an account
        for earlier in seen.get(address, []):
            if not _may_share(earlier, path, chains):
                kind = _ENTITY_KINDS[str(earlier[0])]
                message = f"{address} is also {kind} {earlier[1]!r} ({format_where(earlier)})"
                problems.add(path, message + ": one address, one name")
                break
        seen.setdefault(address, []).append(path)


def _may_share(first: KeyPath, second: KeyPath, chains: Mapping[tuple[str, str], int]) -> bool:
    a, b = (str(first[0]), str(first[1])), (str(second[0]), str(second[1]))
    if a in chains and b in chains and chains[a] != chains[b]:
        return True  # CREATE2 deployments share addresses across chains
    if a[0] != b[0] and {a[0], b[0]} <= _CONTRACT_KINDS:
        return True
    return frozenset({a[0], b[0]}) in _MAY_SHARE


def _look_alikes(problems: Problems) -> None:
    """Same first and last 4 hex digits, different address: what address poisoning forges."""
    first_use: dict[str, KeyPath] = {}
    for path, address in _in_file_order(problems):
        if int(address, 16) != 0:
            first_use.setdefault(address, path)
    by_shape: dict[tuple[str, str], str] = {}
    for address, path in first_use.items():
        shape = address_shape(address)
        other = by_shape.setdefault(shape, address)
        if other != address:
            where = format_where(first_use[other])
            message = f"{address} looks like {other} ({where}): same first and last 4 hex digits"
            problems.add(path, message + "; check both against a trusted source")
