"""The prestate tracer's diff, read as the changes one transaction made, account by account."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eth_utils.address import to_checksum_address

from safeops.core.decoding.decode import JsonValue

# The prestate tracer's diff (geth semantics, which anvil follows): `pre` holds every touched
# account's balance, nonce and code but only the storage slots that changed (zero values
# omitted); `post` holds only what changed, and omits a slot that became zero.


@dataclass(frozen=True)
class AccountDiff:
    """What one transaction changed in one account; None fields did not change."""

    address: str
    balance: tuple[int, int] | None = None
    nonce: tuple[int, int] | None = None
    code_changed: bool = False
    removed: bool = False
    storage: Mapping[int, tuple[int, int]] = field(default_factory=dict)


def _int(value: object) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return int(value, 16) if value.startswith("0x") else int(value)
    raise ValueError(f"not a number: {value!r}")


def parse_state_diff(trace: Mapping[str, Any]) -> dict[str, AccountDiff]:
    """The tracer's `{"pre": ..., "post": ...}` as changes per checksummed address."""
    try:
        pre: Mapping[str, Mapping[str, Any]] = trace["pre"]
        post: Mapping[str, Mapping[str, Any]] = trace["post"]
        diffs: dict[str, AccountDiff] = {}
        for raw in {*pre, *post}:
            before, after = pre.get(raw, {}), post.get(raw)
            diffs[to_checksum_address(raw)] = _account_diff(raw, before, after)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValueError(f"unreadable state diff ({type(error).__name__}: {error})") from None
    return diffs


def _account_diff(
    raw: str, before: Mapping[str, Any], after: Mapping[str, Any] | None
) -> AccountDiff:
    address = to_checksum_address(raw)
    if after is None:
        # In `pre` only: geth's diff mode lists an account that the transaction deleted.
        return AccountDiff(address, removed=True)
    old_storage = {_int(k): _int(v) for k, v in (before.get("storage") or {}).items()}
    new_storage = {_int(k): _int(v) for k, v in (after.get("storage") or {}).items()}
    storage = {
        slot: (old_storage.get(slot, 0), new_storage.get(slot, 0))
        for slot in sorted({*old_storage, *new_storage})
        if old_storage.get(slot, 0) != new_storage.get(slot, 0)
    }
    balance = nonce = None
    if "balance" in after:
        balance = (_int(before.get("balance", 0)), _int(after["balance"]))
    if "nonce" in after:
        nonce = (_int(before.get("nonce", 0)), _int(after["nonce"]))
    code_changed = "code" in after and after["code"] != before.get("code")
    return AccountDiff(address, balance, nonce, code_changed, False, storage)


@dataclass(frozen=True)
class ChangedAccount:
    """An account whose balance or code the transaction changed."""

    address: str
    balance_before: int | None
    balance_after: int | None
    code_changed: bool
    removed: bool = False

    def to_json(self) -> dict[str, JsonValue]:
        delta = None
        if self.balance_before is not None and self.balance_after is not None:
            delta = f"{self.balance_after - self.balance_before:+d}"
        return {
            "address": self.address,
            "balance_before": None if self.balance_before is None else str(self.balance_before),
            "balance_after": None if self.balance_after is None else str(self.balance_after),
            "balance_delta": delta,
            "code_changed": self.code_changed,
            "removed": self.removed,
        }


def changed_accounts(diffs: Mapping[str, AccountDiff]) -> list[ChangedAccount]:
    """Every account whose balance or code changed (or that disappeared), by address."""
    changed = []
    for address in sorted(diffs, key=lambda a: int(a, 16)):
        diff = diffs[address]
        moved = diff.balance is not None and diff.balance[0] != diff.balance[1]
        if not (moved or diff.code_changed or diff.removed):
            continue
        before, after = diff.balance if diff.balance is not None else (None, None)
        changed.append(ChangedAccount(address, before, after, diff.code_changed, diff.removed))
    return changed
