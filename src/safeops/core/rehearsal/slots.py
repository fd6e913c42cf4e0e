"""The Safe's storage slots by name, so that a changed entry is named, not just numbered."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address

from safeops.core.safe_state import (
    FALLBACK_HANDLER_SLOT,
    GUARD_SLOT,
    MODULE_GUARD_SLOT,
    NONCE_SLOT,
    OWNER_COUNT_SLOT,
    SINGLETON_SLOT,
    THRESHOLD_SLOT,
)

SENTINEL = "0x0000000000000000000000000000000000000001"
MODULES_SLOT, OWNERS_SLOT, SIGNED_MESSAGES_SLOT, APPROVED_HASHES_SLOT = 1, 2, 7, 8

# How each of the Safe's own slots is named in findings, and how its value reads best.
_ADDRESS, _NUMBER, _WORD = "address", "number", "word"
SAFE_SLOTS: Mapping[int, tuple[str, str]] = {
    SINGLETON_SLOT: ("singleton", _ADDRESS),
    MODULES_SLOT: ("modules", _WORD),
    OWNERS_SLOT: ("owners", _WORD),
    OWNER_COUNT_SLOT: ("owner count", _NUMBER),
    THRESHOLD_SLOT: ("threshold", _NUMBER),
    NONCE_SLOT: ("nonce", _NUMBER),
    6: ("deprecated domain separator", _WORD),
    SIGNED_MESSAGES_SLOT: ("signedMessages", _WORD),
    APPROVED_HASHES_SLOT: ("approvedHashes", _WORD),
    GUARD_SLOT: ("guard", _ADDRESS),
    FALLBACK_HANDLER_SLOT: ("fallback handler", _ADDRESS),
    MODULE_GUARD_SLOT: ("module guard", _ADDRESS),
}


def _word(value: int | bytes | str) -> bytes:
    if isinstance(value, str):
        return bytes(12) + bytes.fromhex(value[2:])
    if isinstance(value, bytes):
        return value.rjust(32, b"\0")
    return value.to_bytes(32, "big")


def mapping_slot(key: int | bytes | str, base: int) -> int:
    """Solidity's slot of `mapping[key]` declared at slot `base`."""
    return int.from_bytes(keccak(_word(key) + _word(base)), "big")


def approved_hash_slot(owner: str, safe_tx_hash: bytes) -> int:
    """`approvedHashes[owner][safeTxHash]`: Safes before 1.3.0 clear it when they execute."""
    return mapping_slot(safe_tx_hash, mapping_slot(owner, APPROVED_HASHES_SLOT))


def show_slot_value(slot: int, value: int) -> str:
    """A slot's value as it reads best: a number, a checksummed address or a hex word."""
    kind = SAFE_SLOTS.get(slot, ("", _WORD))[1]
    if kind == _NUMBER:
        return str(value)
    if kind == _ADDRESS and value < 2**160:
        return to_checksum_address(value.to_bytes(20, "big"))
    return hex(value)


@dataclass(frozen=True)
class SlotNames:
    """Names for the mapping entries a reviewer can recognise: owners, modules, approvals."""

    names: Mapping[int, str]
    consumable: frozenset[int] = frozenset()
    """approvedHashes entries of this transaction's approvers, which may be cleared to zero."""

    def describe(self, slot: int) -> str:
        if slot in SAFE_SLOTS:
            number = str(slot) if slot < 2**16 else hex(slot)
            return f"slot {number} ({SAFE_SLOTS[slot][0]})"
        name = self.names.get(slot, "unknown: a mapping entry or a stray write")
        return f"slot {hex(slot)} ({name})"


def slot_names(
    owners: Iterable[str], modules: Iterable[str], approvers: Iterable[str], safe_tx_hash: bytes
) -> SlotNames:
    """Name the owners' and modules' list entries and this transaction's approvals."""
    names: dict[int, str] = {}
    for owner in (SENTINEL, *owners):
        names[mapping_slot(owner, OWNERS_SLOT)] = f"owners[{owner}]"
    for module in (SENTINEL, *modules):
        names[mapping_slot(module, MODULES_SLOT)] = f"modules[{module}]"
    consumable = set()
    for approver in approvers:
        slot = approved_hash_slot(approver, safe_tx_hash)
        names[slot] = f"approvedHashes[{approver}][0x{safe_tx_hash.hex()}]"
        consumable.add(slot)
    return SlotNames(names, frozenset(consumable))
