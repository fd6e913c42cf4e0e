"""Safe Transaction Service multisig-transaction JSON (camelCase) to and from `SafeTx`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from safeops.core.addresses import ZERO_ADDRESS, parse_address
from safeops.core.hexes import calldata_from_hex, hex0x
from safeops.core.transactions.safe_tx import UINT256_MAX, SafeTx, SafeVersion
from safeops.errors import BadInput

REQUIRED_FIELDS = ("safe", "to", "nonce")
_INT_FIELDS = {
    "value": "value",
    "operation": "operation",
    "safeTxGas": "safe_tx_gas",
    "baseGas": "base_gas",
    "gasPrice": "gas_price",
    "nonce": "nonce",
}
_ADDRESS_FIELDS = {"gasToken": "gas_token", "refundReceiver": "refund_receiver"}
_DIGITS = re.compile(r"[0-9]{1,80}")
_HINT = "Use the transaction exactly as the Safe Transaction Service returns it, unedited."


@dataclass(frozen=True)
class ServiceTx:
    """A transaction read from a Service JSON, with what the file claims about it."""

    tx: SafeTx
    claimed_safe_tx_hash: str | None
    chain_id: int | None
    safe_version: SafeVersion | None


def _integer(document: dict[str, Any], key: str) -> int:
    raw = document.get(key)
    if raw is None:
        return 0
    if isinstance(raw, bool):
        raise BadInput(f"field {key} must be an integer, got {raw!r}", hint=_HINT)
    number: int | None = None
    if isinstance(raw, int):
        number = raw
    # ASCII digits only: str.isdigit() also accepts "²" (which int() refuses) and "١" (which it
    # reads as 1).
    elif isinstance(raw, str) and _DIGITS.fullmatch(raw.strip()):
        number = int(raw.strip())
    if number is None:
        raise BadInput(f"field {key} must be a non-negative integer, got {_shown(raw)}", hint=_HINT)
    if not 0 <= number <= UINT256_MAX:
        raise BadInput(f"field {key} is out of the uint256 range: {_shown(raw)}", hint=_HINT)
    return number


def _shown(raw: object) -> str:
    """The offending value for a message, cut short: a file may hold anything."""
    text = repr(raw)
    return text if len(text) <= 80 else text[:77] + "..."


def _data(document: dict[str, Any]) -> bytes:
    raw = document.get("data")
    if raw in (None, "", "0x"):
        return b""
    if not isinstance(raw, str):
        raise BadInput(
            "field data must be 0x-prefixed hex with an even number of digits", hint=_HINT
        )
    return calldata_from_hex(raw, "field data")


def parse_service_tx(document: object) -> ServiceTx:
    """Read a Service multisig-transaction object strictly: unknown shapes are bad input."""
    if not isinstance(document, dict):
        raise BadInput("the transaction file must hold one JSON object", hint=_HINT)
    missing = [key for key in REQUIRED_FIELDS if document.get(key) in (None, "")]
    if missing:
        raise BadInput(f"the transaction file lacks {', '.join(missing)}", hint=_HINT)
    fields: dict[str, Any] = {
        attribute: _integer(document, key) for key, attribute in _INT_FIELDS.items()
    }
    for key, attribute in _ADDRESS_FIELDS.items():
        raw = document.get(key) or ZERO_ADDRESS
        fields[attribute] = parse_address(raw, what=f"field {key}")
    tx = SafeTx(
        safe=parse_address(document["safe"], what="field safe", allow_zero=False),
        to=parse_address(document["to"], what="field to"),
        data=_data(document),
        **fields,
    )
    claimed = document.get("safeTxHash")
    if claimed is not None and not (isinstance(claimed, str) and _is_hash(claimed)):
        raise BadInput(f"field safeTxHash is not a 32-byte hex hash: {_shown(claimed)}", hint=_HINT)
    chain_id = document.get("chainId")
    version = document.get("safeVersion")
    return ServiceTx(
        tx=tx,
        claimed_safe_tx_hash=claimed.lower() if claimed else None,
        chain_id=_integer(document, "chainId") if chain_id is not None else None,
        safe_version=SafeVersion.parse(str(version)) if version is not None else None,
    )


def _is_hash(text: str) -> bool:
    if not text.startswith("0x") or len(text) != 66:
        return False
    try:
        int(text, 16)
    except ValueError:
        return False
    return True


def to_service_json(tx: SafeTx, safe_tx_hash: bytes | None = None) -> dict[str, Any]:
    """The Service's field names and types: value as a decimal string, data as 0x-hex or None."""
    document: dict[str, Any] = {
        "safe": tx.safe,
        "to": tx.to,
        "value": str(tx.value),
        "data": hex0x(tx.data) if tx.data else None,
        "operation": tx.operation,
        "gasToken": tx.gas_token,
        "safeTxGas": tx.safe_tx_gas,
        "baseGas": tx.base_gas,
        "gasPrice": str(tx.gas_price),
        "refundReceiver": tx.refund_receiver,
        "nonce": tx.nonce,
    }
    if safe_tx_hash is not None:
        document["safeTxHash"] = hex0x(safe_tx_hash)
    return document
