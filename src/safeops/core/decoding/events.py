"""Decode the events a reviewer needs to read: the Safe's own and the protocol's usual ones."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eth_hash.auto import keccak

from safeops.core.hexes import hex0x
from safeops.core.transactions.execution import Log

# (signature, which inputs are indexed): enough to decode topics and data without an ABI file.
KNOWN_EVENTS: tuple[tuple[str, tuple[bool, ...]], ...] = (
    ("ExecutionSuccess(bytes32,uint256)", (True, False)),
    ("ExecutionFailure(bytes32,uint256)", (True, False)),
    ("ApproveHash(bytes32,address)", (True, True)),
    ("SafeReceived(address,uint256)", (True, False)),
    ("Paused(address)", (False,)),
    ("Unpaused(address)", (False,)),
    ("AllowedSet(address,bool)", (True, False)),
    ("EmergencyWithdrawal(address,address,uint256)", (True, True, False)),
    ("Transfer(address,address,uint256)", (True, True, False)),
    ("Approval(address,address,uint256)", (True, True, False)),
    ("RoleGranted(bytes32,address,address)", (True, True, True)),
    ("RoleRevoked(bytes32,address,address)", (True, True, True)),
    ("OwnershipTransferred(address,address)", (True, True)),
    ("AddedOwner(address)", (True,)),
    ("RemovedOwner(address)", (True,)),
    ("ChangedThreshold(uint256)", (False,)),
    ("EnabledModule(address)", (True,)),
    ("DisabledModule(address)", (True,)),
    ("ChangedGuard(address)", (True,)),
    ("ChangedFallbackHandler(address)", (True,)),
    ("ChangedModuleGuard(address)", (True,)),
    ("ChangedMasterCopy(address)", (False,)),
    # SafeL2 repeats every transaction in an event: its fields are shown shortened.
    (
        "SafeMultiSigTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,"
        "address,bytes,bytes)",
        (False,) * 11,
    ),
)
_BY_TOPIC = {keccak(sig.encode()): (sig, indexed) for sig, indexed in KNOWN_EVENTS}


@dataclass(frozen=True)
class DecodedEvent:
    address: str
    name: str
    args: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.name}({', '.join(self.args)}) at {self.address}"

    def to_json(self) -> dict[str, str | list[str]]:
        return {"address": self.address, "name": self.name, "args": list(self.args)}


def _show(abi_type: str, value: object) -> str:
    from eth_utils.address import to_checksum_address

    if abi_type == "address" and isinstance(value, str):
        return str(to_checksum_address(value))
    if isinstance(value, bytes):
        return hex0x(value) if len(value) <= 32 else f"0x{value[:8].hex()}… ({len(value)} bytes)"
    return str(value)


def decode_event(log: Log) -> DecodedEvent:
    """Name and arguments of a known event; an unknown one shows its topic0."""
    from eth_abi.abi import decode
    from eth_abi.exceptions import DecodingError

    known = _BY_TOPIC.get(log.topics[0]) if log.topics else None
    if known is None:
        topic = hex0x(log.topics[0]) if log.topics else "anonymous"
        return DecodedEvent(log.address, f"unknown event {topic}", ())
    signature, indexed = known
    types = signature[signature.index("(") + 1 : -1].split(",")
    try:
        plain = list(decode([t for t, i in zip(types, indexed, strict=True) if not i], log.data))
        topics = iter(log.topics[1:])
        values = [
            decode([t], next(topics))[0] if i else plain.pop(0)
            for t, i in zip(types, indexed, strict=True)
        ]
    except (DecodingError, StopIteration, ValueError):
        return DecodedEvent(log.address, signature.split("(")[0] + " (undecodable)", ())
    shown = tuple(_show(t, v) for t, v in zip(types, values, strict=True))
    return DecodedEvent(log.address, signature.split("(")[0], shown)


def decode_events(logs: Iterable[Log]) -> list[DecodedEvent]:
    return [decode_event(log) for log in logs]
