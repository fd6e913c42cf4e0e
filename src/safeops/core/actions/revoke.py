"""Revoke accounts from an allow-list: one array call or one call per account, split to fit."""

from __future__ import annotations

from collections.abc import Sequence

from safeops.core.actions.common import ActionPlan, lookup, numbered, unique
from safeops.core.actions.postconditions import after_revoke
from safeops.core.addresses import address_shape, looks_like, parse_address
from safeops.core.plan import Postcondition
from safeops.core.policy import AllowlistEntry, Policy
from safeops.core.transactions.batch import Call
from safeops.errors import BadInput, InvalidAddress, Refused

# The gas estimate that decides splits. Deliberately rough and on the high side: the real figure
# comes from simulating each plan; this only keeps a plan far enough below the block gas limit
# that it is sure to be included, even while other transactions compete for the block.
BASE_GAS = 60_000
"""execTransaction without its calls: intrinsic gas, signature checks, nonce, events."""
DEFAULT_GAS_PER_ITEM = 30_000
"""One revocation: a cold storage write and, in the per-call form, a cold CALL and its data."""
DEFAULT_BLOCK_GAS_LIMIT = 30_000_000
BLOCK_SHARE = 3
"""A plan may use at most 1/BLOCK_SHARE of the block gas limit."""
_SHOWN_ERRORS = 5


def plan_revoke(
    policy: Policy,
    list_name: str,
    addresses: Sequence[str],
    gas_per_item: int = DEFAULT_GAS_PER_ITEM,
    block_gas_limit: int = DEFAULT_BLOCK_GAS_LIMIT,
) -> list[ActionPlan]:
    """Revoke `addresses` from the allow-list `list_name`, in the order given, repeats removed.

    Split rule: a plan revokes at most `max_addresses(...)` accounts, that is the allow-list's
    `max_batch` and the most `n` with `BASE_GAS + gas_per_item * n <= block_gas_limit // 3`.
    The first plans are full and the last takes the rest.
    """
    allowlist = lookup(policy.allowlists, "allow-list", list_name)
    accounts, repeated = unique(_parse_accounts(addresses))
    _refuse_look_alikes(policy, accounts)
    notes = []
    if repeated:
        count = len(repeated)
        notes.append(f"{count} repeated address{'es' if count > 1 else ''} removed")
    size, reason = max_addresses(allowlist, gas_per_item, block_gas_limit)
    chunks = [accounts[start : start + size] for start in range(0, len(accounts), size)]
    if len(chunks) > 1:
        noun = "address" if size == 1 else "addresses"
        notes.append(
            f"split into {len(chunks)} plans of at most {size} {noun} ({reason}): "
            "propose and execute each"
        )
    plans = [_plan(allowlist, chunk, len(accounts), tuple(notes)) for chunk in chunks]
    return numbered(plans)


def max_addresses(
    allowlist: AllowlistEntry, gas_per_item: int, block_gas_limit: int
) -> tuple[int, str]:
    """The most accounts one plan may revoke, and which limit sets it."""
    if gas_per_item < 1 or block_gas_limit < 1:
        raise BadInput("gas per item and block gas limit must be positive integers")
    budget = block_gas_limit // BLOCK_SHARE
    by_gas = (budget - BASE_GAS) // gas_per_item
    if by_gas < 1:
        raise Refused(
            f"one revocation needs an estimated {BASE_GAS + gas_per_item:,} gas, more than a "
            f"third of the block gas limit {block_gas_limit:,}"
        )
    if by_gas < allowlist.max_batch:
        reason = (
            f"estimated {BASE_GAS:,} + {gas_per_item:,} gas per address must stay within a "
            f"third of the block gas limit, {budget:,}"
        )
        return by_gas, reason
    return allowlist.max_batch, f"max_batch of allowlists.{allowlist.name}"


def _parse_accounts(addresses: Sequence[str]) -> list[str]:
    """Every address checksummed and non-zero, or one error listing the bad ones."""
    if not addresses:
        raise BadInput("no address to revoke: give at least one")
    accounts: list[str] = []
    errors: list[str] = []
    for index, text in enumerate(addresses, 1):
        try:
            accounts.append(parse_address(text, what=f"address #{index}", allow_zero=False))
        except InvalidAddress as error:
            errors.append(error.message)
    if errors:
        shown = "; ".join(errors[:_SHOWN_ERRORS])
        more = f"; and {len(errors) - _SHOWN_ERRORS} more" if len(errors) > _SHOWN_ERRORS else ""
        raise InvalidAddress(f"{len(errors)} of {len(addresses)} addresses refused: {shown}{more}")
    return accounts


def _refuse_look_alikes(policy: Policy, accounts: Sequence[str]) -> None:
    """An account shaped like a policy address without being it is most likely a poisoned copy
    pasted from a transaction history: stop before revoking the wrong account (rule 13)."""
    by_shape = {
        address_shape(address): (address, label) for address, label in policy.labels().items()
    }
    for account in accounts:
        known, label = by_shape.get(address_shape(account), (account, ""))
        if looks_like(account, known):
            raise Refused(
                f"{account} looks like {label} {known} (same first and last 4 hex digits) "
                "but is another address",
                hint="Possible address poisoning: check the address against a trusted source.",
            )


def _plan(
    allowlist: AllowlistEntry, chunk: list[str], total: int, notes: tuple[str, ...]
) -> ActionPlan:
    where = f"{allowlist.name} ({allowlist.address})"
    template = allowlist.revoke
    if allowlist.batched:
        data = template.calldata({"accounts": chunk})
        calls = [Call(allowlist.address, data, 0, f"revoke {len(chunk)} accounts from {where}")]
    else:
        calls = [
            Call(
                allowlist.address, template.calldata({"account": a}), 0, f"revoke {a} from {where}"
            )
            for a in chunk
        ]
    checks: list[Postcondition] = [
        check for account in chunk if (check := after_revoke(allowlist, account)) is not None
    ]
    return ActionPlan(
        action="revoke",
        arguments={
            "list": allowlist.name,
            "addresses": list(chunk),
            "count": len(chunk),
            "total": total,
        },
        safe_name=allowlist.safe,
        calls=tuple(calls),
        postconditions=tuple(checks),
        notes=notes,
    )
