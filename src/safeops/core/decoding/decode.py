"""Calldata decoding: known Safe, MultiSend, ERC-20 and admin functions, batches recursively."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address

from safeops.core.addresses import parse_address
from safeops.core.decoding.known_functions import KNOWN_FUNCTIONS, KnownFunction
from safeops.core.hexes import MAX_CALLDATA_BYTES, hex0x
from safeops.core.transactions.safe_tx import UINT256_MAX
from safeops.errors import BadInput

JsonValue: TypeAlias = "bool | int | str | list[JsonValue] | dict[str, JsonValue] | None"

# A batch can nest batches; these caps keep a hostile payload from exhausting memory or time.
MAX_DEPTH = 8
MAX_ITEMS = 10_000
# Each decoded level keeps its payload several times over (the call's bytes, its argument and
# their hex for display), so the bytes of all batch payloads decoded are capped too: once
# the calldata (one batch; a batch in it only when small), and at least SMALL_BATCH_BYTES.
# That keeps the decoder within 20x the input's memory (tests/unit/core/test_decode_size.py).
BATCH_BYTES_FACTOR = 1
SMALL_BATCH_BYTES = 64 * 1024
# operation (1) + to (20) + value (32) + data length (32), packed without padding.
_ITEM_HEADER = 85


@dataclass(frozen=True)
class DecodedArg:
    """One decoded argument: addresses checksummed, bytes as 0x-hex, integers as int."""

    name: str
    type: str
    value: JsonValue


@dataclass(frozen=True)
class DecodedCall:
    """A call as the Safe (or a batch) makes it, with what could be understood of its data."""

    to: str
    value: int
    operation: int
    data: bytes
    selector: str | None
    signature: str | None
    kind: str | None
    args: tuple[DecodedArg, ...] = ()
    inner: tuple[DecodedCall, ...] = ()
    error: str | None = None


MULTISEND_SELECTOR = keccak(b"multiSend(bytes)")[:4]


@dataclass
class _Budget:
    """Batch items and payload bytes decoded so far across the whole tree of one decode_call."""

    limit: int
    items: int = 0
    batch_bytes: int = 0


def decode_call(to: str, value: int, data: bytes, operation: int) -> DecodedCall:
    """Decode one call and, for a multiSend, every call of its batch. Never raises on bad data;
    calldata larger than a block can carry is not decoded at all."""
    if len(data) > MAX_CALLDATA_BYTES:
        error = f"calldata of {len(data):,} bytes is more than one block can carry: not decoded"
        selector = hex0x(data[:4]) if len(data) >= 4 else None
        return DecodedCall(
            _checksummed_or_same(to), value, operation, b"", selector, None, None, error=error
        )
    limit = max(BATCH_BYTES_FACTOR * len(data), SMALL_BATCH_BYTES)
    return _decode(to, value, bytes(data), operation, 0, _Budget(limit))


def _decode(
    to: str, value: int, data: bytes, operation: int, depth: int, budget: _Budget
) -> DecodedCall:
    to = _checksummed_or_same(to)
    if not data:
        return DecodedCall(to, value, operation, data, None, None, None)
    if len(data) < 4:
        return DecodedCall(
            to, value, operation, data, None, None, None, error="calldata shorter than a selector"
        )
    selector = hex0x(data[:4])
    function = KNOWN_FUNCTIONS.get(data[:4])
    if function is None:
        return DecodedCall(to, value, operation, data, selector, None, None)
    values, error = _decode_args(function, data[4:])
    if values is None:
        return DecodedCall(
            to, value, operation, data, selector, function.signature, function.kind, error=error
        )
    args = tuple(
        DecodedArg(name, type_, _to_json(type_, raw))
        for name, type_, raw in zip(function.arg_names, function.arg_types, values, strict=True)
    )
    inner: tuple[DecodedCall, ...] = ()
    if function.kind == "multisend":
        budget.batch_bytes += len(values[0])
        if depth >= MAX_DEPTH:
            batch_error: str | None = f"batch nested more than {MAX_DEPTH} levels deep: not decoded"
        elif budget.batch_bytes > budget.limit:
            batch_error = (
                f"batches within batches hold more than {budget.limit:,} bytes: not decoded"
            )
        else:
            inner, batch_error = _decode_batch(values[0], depth + 1, budget)
        error = "; ".join(e for e in (error, batch_error) if e) or None
    return DecodedCall(
        to, value, operation, data, selector, function.signature, function.kind, args, inner, error
    )


def _decode_args(function: KnownFunction, body: bytes) -> tuple[tuple[Any, ...] | None, str | None]:
    """The ABI-decoded arguments, or None, and why the encoding is wrong or unusual."""
    from eth_abi.abi import decode, encode
    from eth_abi.exceptions import DecodingError

    types = function.arg_types
    try:
        values = decode(types, body)
    except (DecodingError, ValueError, OverflowError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0][:120]
        return None, f"arguments of {function.signature} do not decode: {reason}"
    # Re-encoding catches bytes hidden after the arguments or behind odd offsets: what a contract
    # reads may then differ from what a reviewer is shown.
    canonical = encode(types, values)
    if canonical == body:
        return values, None
    if body.startswith(canonical):
        extra = len(body) - len(canonical)
        return values, f"{extra} unexpected bytes after the arguments of {function.signature}"
    return values, f"arguments of {function.signature} are not in canonical ABI encoding"


def _decode_batch(
    payload: bytes, depth: int, budget: _Budget
) -> tuple[tuple[DecodedCall, ...], str | None]:
    """Split a MultiSend payload into its calls; on a malformed item keep those read before it."""
    items: list[DecodedCall] = []
    offset = 0
    while offset < len(payload):
        index = len(items)
        where = f"batch item {index} (byte {offset})"
        if budget.items >= MAX_ITEMS:
            cap = f"more than {MAX_ITEMS} calls in batches: {where} and after not decoded"
            return tuple(items), cap
        left = len(payload) - offset
        if left < _ITEM_HEADER:
            return tuple(items), f"{where} is truncated: {left} bytes left, a header needs 85"
        operation = payload[offset]
        if operation > 1:
            return tuple(items), f"{where} has operation {operation}, neither call nor delegatecall"
        to = to_checksum_address(payload[offset + 1 : offset + 21])
        value = int.from_bytes(payload[offset + 21 : offset + 53], "big")
        length = int.from_bytes(payload[offset + 53 : offset + _ITEM_HEADER], "big")
        start = offset + _ITEM_HEADER
        if length > len(payload) - start:
            left = len(payload) - start
            return tuple(items), f"{where} declares {length} data bytes but only {left} remain"
        budget.items += 1
        items.append(_decode(to, value, payload[start : start + length], operation, depth, budget))
        offset = start + length
    return tuple(items), None


def _to_json(type_: str, raw: Any) -> JsonValue:
    if isinstance(raw, list | tuple):
        element = type_[: type_.rindex("[")] if type_.endswith("]") else type_
        return [_to_json(element, item) for item in raw]
    if type_ == "address":
        return to_checksum_address(raw)
    if isinstance(raw, bytes):
        return hex0x(raw)
    if isinstance(raw, bool | int | str):
        return raw
    return str(raw)


def _checksummed_or_same(address: str) -> str:
    try:
        return to_checksum_address(address)
    except (ValueError, TypeError):
        return address


def walk(call: DecodedCall, path: str = "call") -> Iterator[tuple[str, DecodedCall]]:
    """Every call of the tree depth-first, the call itself first, with its path."""
    stack = [(path, call)]
    while stack:
        here, current = stack.pop()
        yield here, current
        children = [(f"{here}.batch[{i}]", child) for i, child in enumerate(current.inner)]
        stack.extend(reversed(children))


def call_to_json(call: DecodedCall) -> dict[str, JsonValue]:
    """Plain JSON: integers as decimal strings (they exceed JSON's safe range), bytes as 0x-hex."""
    return {
        "to": call.to,
        "value": str(call.value),
        "operation": call.operation,
        "data": hex0x(call.data),
        "selector": call.selector,
        "signature": call.signature,
        "kind": call.kind,
        "args": [
            {"name": arg.name, "type": arg.type, "value": _json_safe(arg.value)}
            for arg in call.args
        ],
        "inner": [call_to_json(child) for child in call.inner],
        "error": call.error,
    }


def _json_safe(value: JsonValue) -> JsonValue:
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def encode_multisend(calls: Sequence[tuple[int, str, int, bytes]]) -> bytes:
    """multiSend(bytes) calldata for (operation, to, value, data) calls, in order."""
    from eth_abi.abi import encode

    payload = bytearray()
    for index, (operation, to, value, data) in enumerate(calls):
        if operation not in (0, 1):
            raise BadInput(f"batch call {index}: operation must be 0 or 1, got {operation}")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= UINT256_MAX:
            raise BadInput(f"batch call {index}: value is not a uint256: {value!r}")
        address = parse_address(to, what=f"batch call {index} target")
        payload += operation.to_bytes(1, "big") + bytes.fromhex(address[2:])
        payload += value.to_bytes(32, "big") + len(data).to_bytes(32, "big") + bytes(data)
    return MULTISEND_SELECTOR + encode(["bytes"], [bytes(payload)])
