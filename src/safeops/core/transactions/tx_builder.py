"""Safe{Wallet} Transaction Builder batch files: writing them, reading them, their checksum."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_hash.auto import keccak

from safeops.core.addresses import parse_address
from safeops.core.hexes import hex0x, require_calldata_size
from safeops.core.transactions.builder_abi import encode_method_call
from safeops.errors import BadInput, HashMismatch

_HINT = "Export the batch again from the Transaction Builder of Safe{Wallet}, unedited."

BUILDER_VERSION = "1.18.0"


@dataclass(frozen=True)
class BuilderCall:
    """One call of a batch: always a CALL (the Builder batches through MultiSendCallOnly)."""

    to: str
    value: int
    data: bytes


def _serialize(value: Any) -> str:
    """The Builder's own canonical form: sorted keys, then each value followed by a comma."""
    if isinstance(value, list):
        return "[" + ",".join(_serialize(item) for item in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value)
        return "{" + _json(keys) + "".join(_serialize(value[k]) + "," for k in keys) + "}"
    return _json(value)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def checksum(batch: dict[str, Any]) -> str:
    """keccak256 of the serialised batch with `meta.name` nulled and no checksum in it."""
    meta = {k: v for k, v in batch.get("meta", {}).items() if k != "checksum"}
    return hex0x(keccak(_serialize({**batch, "meta": {**meta, "name": None}}).encode()))


def build_batch(
    calls: Sequence[BuilderCall],
    chain_id: int,
    safe: str,
    name: str,
    description: str,
    created_at_ms: int,
) -> dict[str, Any]:
    """A batch file the Transaction Builder imports, checksum included."""
    batch: dict[str, Any] = {
        "version": "1.0",
        "chainId": str(chain_id),
        "createdAt": created_at_ms,
        "meta": {
            "name": name,
            "description": description,
            "txBuilderVersion": BUILDER_VERSION,
            "createdFromSafeAddress": safe,
            "createdFromOwnerAddress": "",
        },
        "transactions": [
            {
                "to": c.to,
                "value": str(c.value),
                "data": hex0x(c.data),
                "contractMethod": None,
                "contractInputsValues": None,
            }
            for c in calls
        ],
    }
    batch["meta"]["checksum"] = checksum(batch)
    return batch


@dataclass(frozen=True)
class BuilderBatch:
    chain_id: int
    safe: str | None
    calls: tuple[BuilderCall, ...]


def read_batch(document: object) -> BuilderBatch:
    """Parse a batch file strictly; a checksum that does not match is a tampered file."""
    if not isinstance(document, dict) or not isinstance(document.get("transactions"), list):
        raise BadInput("not a Transaction Builder batch file: no transactions list", hint=_HINT)
    meta = document.get("meta")
    if not isinstance(meta, dict):
        raise BadInput("not a Transaction Builder batch file: no meta object", hint=_HINT)
    claimed = meta.get("checksum")
    if claimed is not None and claimed != checksum(document):
        raise HashMismatch("the batch file's checksum does not match its content")
    chain_id = _whole_number(document.get("chainId"))
    if chain_id is None or chain_id == 0:
        raise BadInput("the batch file has no numeric chainId", hint=_HINT)
    calls = tuple(_read_call(i, item) for i, item in enumerate(document["transactions"]))
    if not calls:
        raise BadInput("the batch file holds no transactions", hint=_HINT)
    safe = meta.get("createdFromSafeAddress") or None
    return BuilderBatch(
        chain_id, parse_address(safe, what="createdFromSafeAddress") if safe else None, calls
    )


def _read_call(index: int, item: object) -> BuilderCall:
    """One entry in any form the Builder writes: custom hex `data`; `contractMethod` with
    `contractInputsValues` (data null); or neither, a plain transfer of `value`."""
    where = f"transactions[{index}]"
    if not isinstance(item, dict):
        raise BadInput(f"{where} is not an object", hint=_HINT)
    data = item.get("data")
    if isinstance(data, str) and data:  # the app sends a non-empty data string as it is
        if not data.startswith("0x"):
            raise BadInput(f"{where} has malformed calldata: no 0x prefix", hint=_HINT)
        require_calldata_size((len(data) - 2) // 2, f"{where}.data")
        try:
            raw = bytes.fromhex(data[2:])
        except ValueError:
            raise BadInput(f"{where} has malformed calldata: not hex", hint=_HINT) from None
    elif data is None or data == "":
        method = item.get("contractMethod")
        values = item.get("contractInputsValues")
        raw = b"" if method is None else encode_method_call(method, values, where)
    else:
        raise BadInput(
            f"{where}.data must be 0x-hex or null, got {type(data).__name__}", hint=_HINT
        )
    value = _whole_number(item.get("value") or "0")
    if value is None:
        raise BadInput(
            f"{where}.value must be a whole number of wei, got {item.get('value')!r}", hint=_HINT
        )
    return BuilderCall(parse_address(item.get("to", ""), what=f"{where}.to"), value, raw)


def _whole_number(raw: object) -> int | None:
    """A non-negative integer written as a JSON integer or a string of ASCII digits, else None.

    `int()` would take 1.5 as 1, true as 1 and "١" as 1: a value must be exactly what it says.
    """
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if raw >= 0 else None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 80:
        return int(raw)
    return None
