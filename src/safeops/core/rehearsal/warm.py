"""What a rehearsal will read, known before the fork starts, so that it can be fetched at once.

A fork fetches the origin's state lazily, one account or slot per round trip, in the order the
EVM needs them: through an RPC 50 ms away that is most of a rehearsal. Asked for in advance
and all together, the same state costs a round trip or two. This is only a list of what to
fetch early: the fork fetches it itself, from the same origin at the same block, and fetches
anything missing from the list as it always does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from safeops.core.decoding.decode import decode_call
from safeops.core.hexes import hex0x
from safeops.core.rehearsal.slots import (
    MODULES_SLOT,
    OWNERS_SLOT,
    SENTINEL,
    approved_hash_slot,
    mapping_slot,
)
from safeops.core.safe_state import (
    FALLBACK_HANDLER_SLOT,
    GUARD_SLOT,
    MODULE_GUARD_SLOT,
    NONCE_SLOT,
    OWNER_COUNT_SLOT,
    SINGLETON_SLOT,
    THRESHOLD_SLOT,
    SafeState,
)
from safeops.core.transactions.execution import exec_transaction_data
from safeops.core.transactions.safe_tx import Operation, SafeTx, SafeTxHash
from safeops.core.transactions.signatures import approved_hash_signature, pack_signatures

Prefetch = Mapping[str, frozenset[int]]
"""Accounts (lowercase address) and, for each, the storage slots to fetch early."""

# EIP-2935 (Prague): every new block stores its parent's hash in this system contract, at
# slot (number - 1) % 8191. Each block a rehearsal mines writes one such slot.
HISTORY_STORAGE = "0x0000f90827f1c53a10cb7a02335b175320002935"
HISTORY_SERVE_WINDOW = 8191
BLOCKS_MINED = 4  # approvals, the execution, a moved nonce: a rehearsal mines a few blocks
# The fork's coinbase (anvil's default, the zero address) is credited by every block it mines.
COINBASE = "0x0000000000000000000000000000000000000000"


def signing_owners(owners: Iterable[str], threshold: int) -> tuple[str, ...]:
    """`threshold` owners, lowest addresses first: the ones a rehearsal approves and executes
    with (`fork.execute.signing_owners` picks them the same way from the fork)."""
    return tuple(sorted(owners, key=lambda owner: int(owner, 16))[:threshold])


def access_list_calls(
    tx: SafeTx, state: SafeState, safe_tx_hash: SafeTxHash
) -> list[dict[str, Any]]:
    """The calls whose `eth_createAccessList` names what the rehearsal touches: the
    `execTransaction` as the last signing owner sends it (complete when that owner alone meets
    the threshold; with more, the Safe stops at the missing approvals), and each call the Safe
    makes, from the Safe, for what lies beyond the signature check."""
    signers = signing_owners(state.owners, state.threshold)
    calls: list[dict[str, Any]] = []
    if signers:
        signatures = pack_signatures({owner: approved_hash_signature(owner) for owner in signers})
        data = exec_transaction_data(tx, signatures)
        calls.append({"from": signers[-1], "to": tx.safe, "data": hex0x(data)})
    decoded = decode_call(tx.to, tx.value, tx.data, tx.operation)
    if tx.operation == Operation.DELEGATECALL and decoded.kind == "multisend":
        inner = [(c.to, c.value, c.data) for c in decoded.inner if c.operation == Operation.CALL]
    elif tx.operation == Operation.CALL:
        inner = [(tx.to, tx.value, tx.data)]
    else:
        inner = []  # a delegatecall runs as the Safe: the execTransaction's list covers it
    calls += [
        {"from": tx.safe, "to": to, "value": hex(value), "data": hex0x(data)}
        for to, value, data in inner
    ]
    return calls


def safe_prefetch(state: SafeState, safe_tx_hash: SafeTxHash, fork_block: int) -> Prefetch:
    """What every rehearsal reads whatever the transaction: the Safe's own slots (a full read
    before and after, the storage diff), its singleton, the signing owners' accounts, their
    approvals of this hash, and the block-hash history slots the mined blocks write."""
    signers = signing_owners(state.owners, state.threshold)
    slots = {
        SINGLETON_SLOT,
        OWNER_COUNT_SLOT,
        THRESHOLD_SLOT,
        NONCE_SLOT,
        GUARD_SLOT,
        FALLBACK_HANDLER_SLOT,
        MODULE_GUARD_SLOT,
    }
    slots |= {mapping_slot(owner, OWNERS_SLOT) for owner in (SENTINEL, *state.owners)}
    slots |= {mapping_slot(module, MODULES_SLOT) for module in (SENTINEL, *state.modules)}
    slots |= {approved_hash_slot(owner, safe_tx_hash.raw) for owner in signers}
    history = {(fork_block + mined) % HISTORY_SERVE_WINDOW for mined in range(BLOCKS_MINED)}
    found: dict[str, frozenset[int]] = {
        state.address.lower(): frozenset(slots),
        state.singleton.lower(): frozenset(),
        HISTORY_STORAGE: frozenset(history),
        COINBASE: frozenset(),
    }
    found.update({owner.lower(): frozenset() for owner in signers})
    return found


def merge(*parts: Prefetch) -> Prefetch:
    """One Prefetch with every account and slot of `parts`."""
    merged: dict[str, frozenset[int]] = {}
    for part in parts:
        for address, slots in part.items():
            key = address.lower()
            merged[key] = merged.get(key, frozenset()) | slots
    return merged


def from_access_lists(lists: Iterable[Any]) -> Prefetch:
    """The accounts and slots of `eth_createAccessList` answers (`accessList` entries);
    anything malformed is skipped: this is only what to fetch early."""
    found: dict[str, frozenset[int]] = {}
    for answer in lists:
        entries = answer.get("accessList") if isinstance(answer, dict) else None
        for entry in entries if isinstance(entries, list) else ():
            try:
                address = str(entry["address"]).lower()
                slots = frozenset(int(key, 16) for key in entry.get("storageKeys") or ())
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
            found[address] = found.get(address, frozenset()) | slots
    return found
