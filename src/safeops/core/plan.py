"""The plan file: one Safe transaction, why it exists, what must hold after it, and its hashes.

Anyone can recompute the hashes from the fields (`safeops tx hash --file PLAN`); loading a
plan recomputes them and refuses one whose stored hashes no longer match.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from safeops.core.addresses import parse_address
from safeops.core.decoding.decode import JsonValue, call_to_json
from safeops.core.decoding.inspection import Inspection, inspect_transaction
from safeops.core.hexes import hex0x, require_calldata_size
from safeops.core.transactions.batch import Call
from safeops.core.transactions.safe_tx import SafeTx, SafeTxHash, SafeVersion
from safeops.core.transactions.service_tx import parse_service_tx, to_service_json
from safeops.errors import BadInput, HashMismatch

_HINT = "Plan files are written by `safeops plan`: plan again rather than edit one."

PLAN_FORMAT = 1
HASH = re.compile(r"0x[0-9a-fA-F]{64}")
T = TypeVar("T")


@dataclass(frozen=True)
class Postcondition:
    """A view call that proves the effect: `target.call(args) == expected` after execution."""

    description: str
    target: str
    call: str
    args: tuple[JsonValue, ...]
    expected: JsonValue


@dataclass(frozen=True)
class Plan:
    """Everything needed to review, rehearse, propose and execute one Safe transaction."""

    action: str
    arguments: dict[str, JsonValue]
    safe_name: str
    chain_id: int
    safe_version: SafeVersion
    tx: SafeTx
    calls: tuple[Call, ...]
    postconditions: tuple[Postcondition, ...]
    policy_digest: str
    created_at: str
    part: tuple[int, int] = (1, 1)
    notes: tuple[str, ...] = ()
    libraries: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    """The Safe's own library addresses from the policy, trusted in the warnings (not saved)."""
    inspection: Inspection = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        inspection = inspect_transaction(self.tx, self.chain_id, self.safe_version, self.libraries)
        object.__setattr__(self, "inspection", inspection)

    @property
    def safe_tx_hash(self) -> SafeTxHash:
        return self.inspection.hashes.safe_tx_hash

    @property
    def file_name(self) -> str:
        """`<chainId>-<safeTxHash>.json`: before Safe 1.3.0 the hash has no chain id, so one
        Safe at one address on two chains would give two plans the same name."""
        return f"{self.chain_id}-{self.safe_tx_hash}.json"

    def to_json(self) -> dict[str, Any]:
        hashes = self.inspection.hashes.to_json()
        return {
            "format": PLAN_FORMAT,
            "action": {"kind": self.action, "arguments": self.arguments},
            "part": {"index": self.part[0], "of": self.part[1]},
            "safeName": self.safe_name,
            # The Safe Transaction Service's names, so `tx hash --file` reads a plan as is.
            **to_service_json(self.tx),
            "chainId": self.chain_id,
            "safeVersion": str(self.safe_version),
            "domainHash": hashes["domain_hash"],
            "messageHash": hashes["message_hash"],
            "safeTxHash": hashes["safe_tx_hash"],
            "calls": [
                {
                    "to": c.to,
                    "value": str(c.value),
                    "data": hex0x(c.data),
                    "description": c.description,
                }
                for c in self.calls
            ],
            "decoded": call_to_json(self.inspection.decoded),
            "warnings": [
                {"code": f.code, "message": f.message, "path": f.path}
                for f in self.inspection.findings
            ],
            "postconditions": [
                {
                    "description": p.description,
                    "target": p.target,
                    "call": p.call,
                    "args": list(p.args),
                    "expected": p.expected,
                }
                for p in self.postconditions
            ],
            "policyDigest": self.policy_digest,
            "createdAt": self.created_at,
            "notes": list(self.notes),
        }


def plan_from_json(document: object) -> Plan:
    """Read a plan strictly and refuse it when its stored hashes do not match its fields."""
    if not isinstance(document, dict) or document.get("format") != PLAN_FORMAT:
        raise BadInput(f"not a safeops plan (format {PLAN_FORMAT})", hint=_HINT)
    service = parse_service_tx(document)
    kind, arguments = _field(document, "action", _action)
    index, of = _field(
        document, "part", lambda p: (_uint(_object(p)["index"]), _uint(p["of"])), _ONE_PART
    )
    if service.chain_id is None:
        raise BadInput("the plan is malformed: it lacks chainId", hint=_HINT)
    plan = Plan(
        action=kind,
        arguments=arguments,
        safe_name=_field(document, "safeName", _text),
        chain_id=service.chain_id,
        safe_version=SafeVersion.parse(_field(document, "safeVersion", _text)),
        tx=service.tx,
        calls=_field(document, "calls", lambda calls: tuple(map(_call, _items(calls)))),
        postconditions=_field(
            document, "postconditions", lambda items: tuple(map(_postcondition, _items(items)))
        ),
        policy_digest=_field(document, "policyDigest", _text),
        created_at=_field(document, "createdAt", str, ""),
        part=(index, of),
        notes=_field(document, "notes", lambda notes: tuple(map(str, _items(notes))), []),
    )
    for key, computed in (
        ("domainHash", plan.inspection.hashes.domain_hash),
        ("messageHash", plan.inspection.hashes.message_hash),
        ("safeTxHash", plan.inspection.hashes.safe_tx_hash.raw),
    ):
        stored = document.get(key)
        if not isinstance(stored, str) or not HASH.fullmatch(stored):
            raise BadInput(f"the plan's {key} is not a 32-byte 0x-hex hash", hint=_HINT)
        if stored.lower() != hex0x(computed):
            raise HashMismatch(
                f"the plan's {key} {stored} differs from the computed 0x{computed.hex()}"
            )
    return plan


_REQUIRED = object()
_ONE_PART = {"index": 1, "of": 1}


def _field(
    document: dict[str, Any], key: str, read: Callable[[Any], T], default: object = _REQUIRED
) -> T:
    """`read(document[key])`; any way the value is malformed becomes BadInput naming `key`."""
    if key not in document and default is _REQUIRED:
        raise BadInput(f"the plan is malformed: it lacks {key}", hint=_HINT)
    try:
        return read(document.get(key, default))
    except KeyError as error:
        raise BadInput(
            f"the plan's {key} is malformed: it lacks {error.args[0]!r}", hint=_HINT
        ) from None
    except (TypeError, ValueError, AttributeError) as error:
        raise BadInput(f"the plan's {key} is malformed ({error})", hint=_HINT) from None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _uint(value: object) -> int:
    """An integer as JSON or a string of ASCII digits: `int()` would take 1.5 or true as 1."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise ValueError(f"expected a non-negative integer, got {value!r:.40}")


def _object(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def _items(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def _action(value: object) -> tuple[str, dict[str, JsonValue]]:
    action = _object(value)
    arguments = action.get("arguments", {})
    if not isinstance(arguments, dict):
        raise TypeError(f"arguments must be an object, got {type(arguments).__name__}")
    return _text(action["kind"]), arguments


def _call(value: object) -> Call:
    item = _object(value)
    data = _text(item["data"])
    if not data.startswith("0x") or len(data) % 2:
        raise ValueError(f"data {data[:20]!r} is not 0x-hex")
    require_calldata_size((len(data) - 2) // 2, "calls[].data")
    return Call(
        parse_address(item["to"], what="calls[].to"),
        bytes.fromhex(data[2:]),
        _uint(item["value"]),
        str(item.get("description", "")),
    )


def _postcondition(value: object) -> Postcondition:
    item = _object(value)
    return Postcondition(
        str(item["description"]),
        parse_address(item["target"], what="postconditions[].target"),
        _text(item["call"]),
        tuple(_items(item.get("args", []))),
        item["expected"],
    )
