"""`[recipients.NAME]` and `[tokens.NAME]`: where funds may go, what they are, how much at most."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from safeops.core.policy.amounts import MAX_DECIMALS, parse_amount
from safeops.core.policy.model import RecipientEntry, TokenEntry
from safeops.core.policy.reader import Table, kind_of

RECIPIENT_KEYS = ("address",)
TOKEN_KEYS = ("address", "decimals", "max_withdraw")


def read_recipients(entries: Mapping[str, Table]) -> dict[str, RecipientEntry]:
    recipients: dict[str, RecipientEntry] = {}
    for name, table in entries.items():
        table.check_keys(RECIPIENT_KEYS)
        address = table.address("address")
        if address is not None:
            recipients[name] = RecipientEntry(name, address)
    return recipients


def read_tokens(entries: Mapping[str, Table]) -> dict[str, TokenEntry]:
    tokens: dict[str, TokenEntry] = {}
    for name, table in entries.items():
        before = len(table.problems.items)
        table.check_keys(TOKEN_KEYS)
        # The zero address stands for the chain's native coin (ETH).
        address = table.address("address", allow_zero=True)
        if "decimals" not in table.data and "max_withdraw" in table.data:
            table.missing("decimals", " (max_withdraw is in token units)")
            decimals = None
        else:
            decimals = table.integer("decimals", minimum=0, maximum=MAX_DECIMALS)
        cap = _cap(table, decimals)
        if address is None or decimals is None or len(table.problems.items) != before:
            continue
        tokens[name] = TokenEntry(name, address, decimals, cap)
    return tokens


def _cap(table: Table, decimals: int | None) -> Decimal | None:
    value = table.get("max_withdraw", required=False)
    if value is None:
        return None
    if not isinstance(value, str):
        why = "amounts are exact, " if isinstance(value, float) else ""
        table.add(
            "max_withdraw",
            f'expected a decimal string such as "5000000" or "12.5", got {kind_of(value)} '
            f"({why}write it in quotes)",
        )
        return None
    if decimals is None:
        return None
    try:
        cap = parse_amount(value, decimals)
    except ValueError as error:
        table.add("max_withdraw", str(error))
        return None
    if cap == 0:
        table.add("max_withdraw", "a cap of 0 forbids every withdrawal; drop the token instead")
        return None
    return cap
