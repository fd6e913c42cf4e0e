"""The plan file: one Safe transaction, why it exists, what must hold after it, and its hashes.

Anyone can recompute the hashes from the fields (`safeops tx hash --file PLAN`); loading a
plan recomputes them and refuses one whose stored hashes no longer match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from safeops.core.addresses import parse_address
from safeops.core.batch import Call
from safeops.core.decode import JsonValue, call_to_json
from safeops.core.inspection import Inspection, inspect_transaction
from safeops.core.safe_tx import SafeTx, SafeVersion
from safeops.core.service_tx import parse_service_tx, to_service_json
from safeops.errors import BadInput, HashMismatch

PLAN_FORMAT = 1


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
    inspection: Inspection = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "inspection", inspect_transaction(self.tx, self.chain_id, self.safe_version)
        )

    @property
    def safe_tx_hash(self) -> str:
        return "0x" + self.inspection.hashes.safe_tx_hash.hex()

    @property
    def file_name(self) -> str:
        return f"{self.safe_tx_hash}.json"

    def to_json(self) -> dict[str, Any]:
        hashes = self.inspection.hashes
        return {
            "format": PLAN_FORMAT,
            "action": {"kind": self.action, "arguments": self.arguments},
            "part": {"index": self.part[0], "of": self.part[1]},
            "safeName": self.safe_name,
            # The Safe Transaction Service's names, so `tx hash --file` reads a plan as is.
            **to_service_json(self.tx),
            "chainId": self.chain_id,
            "safeVersion": str(self.safe_version),
            "domainHash": "0x" + hashes.domain_hash.hex(),
            "messageHash": "0x" + hashes.message_hash.hex(),
            "safeTxHash": self.safe_tx_hash,
            "calls": [
                {
                    "to": c.to,
                    "value": str(c.value),
                    "data": "0x" + c.data.hex(),
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
        raise BadInput(f"not a safeops plan (format {PLAN_FORMAT})")
    try:
        service = parse_service_tx(document)
        action = document["action"]
        part = document.get("part", {"index": 1, "of": 1})
        plan = Plan(
            action=str(action["kind"]),
            arguments=dict(action.get("arguments", {})),
            safe_name=str(document["safeName"]),
            chain_id=int(document["chainId"]),
            safe_version=SafeVersion.parse(str(document["safeVersion"])),
            tx=service.tx,
            calls=tuple(
                Call(
                    parse_address(c["to"], what="calls[].to"),
                    bytes.fromhex(c["data"][2:]),
                    int(c["value"]),
                    str(c.get("description", "")),
                )
                for c in document["calls"]
            ),
            postconditions=tuple(
                Postcondition(
                    str(p["description"]),
                    parse_address(p["target"]),
                    str(p["call"]),
                    tuple(p.get("args", [])),
                    p["expected"],
                )
                for p in document["postconditions"]
            ),
            policy_digest=str(document["policyDigest"]),
            created_at=str(document.get("createdAt", "")),
            part=(int(part["index"]), int(part["of"])),
            notes=tuple(str(n) for n in document.get("notes", [])),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise BadInput(f"the plan is malformed ({type(error).__name__}: {error})") from None
    for key, computed in (
        ("domainHash", plan.inspection.hashes.domain_hash),
        ("messageHash", plan.inspection.hashes.message_hash),
        ("safeTxHash", plan.inspection.hashes.safe_tx_hash),
    ):
        stored = str(document.get(key, "")).lower()
        if stored != "0x" + computed.hex():
            raise HashMismatch(
                f"the plan's {key} {stored} differs from the computed 0x{computed.hex()}"
            )
    return plan
