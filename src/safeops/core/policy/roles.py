"""Who may act on what, by policy name: the owners who sign, the proposers, the executors."""

from __future__ import annotations

from collections.abc import Collection

from safeops.core.policy.model import Policy


def owners_who_sign(policy: Policy, safe_name: str, signed: Collection[str] = ()) -> list[str]:
    """The Safe's owners with the signer role, by policy name, minus those who `signed`
    (names or addresses)."""
    safe = policy.safes[safe_name]
    return [
        name
        for name in safe.expect.owners
        if "signer" in policy.signers[name].roles
        and name not in signed
        and policy.signers[name].address not in signed
    ]


def executors_of(policy: Policy, action: str) -> list[str]:
    """Who may execute `action`: `[actions]` of the policy, else every executor."""
    roles = policy.actions.get(action)  # type: ignore[call-overload]
    if roles is not None:
        return list(roles.executors)
    return [name for name, signer in policy.signers.items() if "executor" in signer.roles]


def proposers_of(policy: Policy, action: str, safe_name: str) -> list[str]:
    """Who may propose `action`, the Safe's owners first: an owner signs as it proposes."""
    roles = policy.actions.get(action)  # type: ignore[call-overload]
    names = (
        list(roles.proposers)
        if roles is not None
        else [name for name, signer in policy.signers.items() if "proposer" in signer.roles]
    )
    owners = policy.safes[safe_name].expect.owners
    return sorted(names, key=lambda name: name not in owners)
