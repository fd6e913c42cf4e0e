"""Simulate the exact Safe transaction with `eth_simulateV1`, without anyone's signature.

An owner's pre-approved signature and a threshold of 1 (a state override) let the real
`execTransaction` path run; a failure is then diagnosed call by call from the Safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from safeops.core.decoding.decode import DecodedCall, decode_call
from safeops.core.decoding.revert import decode_revert
from safeops.core.hexes import hex0x, word_hex
from safeops.core.safe_state import GUARD_SLOT, NONCE_SLOT, THRESHOLD_SLOT
from safeops.core.transactions.execution import Log, exec_transaction_data, execution_outcome
from safeops.core.transactions.safe_tx import Operation, SafeTx, SafeTxHash
from safeops.core.transactions.signatures import approved_hash_signature
from safeops.core.urls import redact_url
from safeops.errors import RpcUnavailable

if TYPE_CHECKING:
    from safeops.chain.jsonrpc import JsonRpcNode


@dataclass(frozen=True)
class CallFailure:
    """A call inside the Safe transaction that reverts when run from the Safe."""

    index: int | None  # position in a batch; None for a single call
    to: str
    reason: str


@dataclass(frozen=True)
class Simulation:
    """What running the transaction would do at `block`."""

    success: bool
    gas_used: int
    revert_reason: str | None
    block: int
    logs: tuple[Log, ...]
    failures: tuple[CallFailure, ...]
    with_guard: bool


def _word(value: int) -> str:
    return word_hex(value)


def _simulate(
    node: JsonRpcNode, block: int, overrides: dict[str, Any], calls: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    request = {
        "blockStateCalls": [{"stateOverrides": overrides, "calls": calls}],
        "validation": False,
    }
    try:
        answer = node.make_request("eth_simulateV1", [request, hex(block)])
    except Exception as error:
        label = redact_url(node.url)
        raise RpcUnavailable(
            f"eth_simulateV1 failed on {label} ({type(error).__name__})",
            hint="The RPC must support eth_simulateV1 (anvil, geth, reth, nethermind do).",
        ) from None
    if "error" in answer:
        raise RpcUnavailable(f"eth_simulateV1 refused: {answer['error'].get('message', '?')}")
    result: list[dict[str, Any]] = answer["result"][0]["calls"]
    return result


def _logs(raw: list[dict[str, Any]]) -> tuple[Log, ...]:
    from eth_utils.address import to_checksum_address

    return tuple(
        Log(
            to_checksum_address(item["address"]),
            tuple(bytes.fromhex(t[2:]) for t in item["topics"]),
            bytes.fromhex(item["data"][2:]),
        )
        for item in raw
    )


def simulate_safe_tx(
    node: JsonRpcNode,
    tx: SafeTx,
    safe_tx_hash: SafeTxHash,
    owner: str,
    block: int,
    *,
    keep_guard: bool,
    nonce_override: bool = False,
) -> Simulation:
    """Run `execTransaction` from `owner` at `block` with threshold 1 and (unless
    `keep_guard`) no guard; success needs this hash's ExecutionSuccess, not just no revert."""
    overrides: dict[int, int] = {THRESHOLD_SLOT: 1}
    if nonce_override:
        # A queued transaction runs after those ahead of it: simulate it at its own nonce.
        overrides[NONCE_SLOT] = tx.nonce
    if not keep_guard:
        overrides[GUARD_SLOT] = 0
    state = {tx.safe: {"stateDiff": {_word(slot): _word(v) for slot, v in overrides.items()}}}
    signatures = approved_hash_signature(owner)
    return _run(node, tx, safe_tx_hash, owner, block, state, signatures, with_guard=keep_guard)


def simulate_signed(
    node: JsonRpcNode,
    tx: SafeTx,
    safe_tx_hash: SafeTxHash,
    executor: str,
    block: int,
    signatures: bytes,
) -> Simulation:
    """The final check before sending: the real signatures, no state override, guard kept."""
    return _run(node, tx, safe_tx_hash, executor, block, {}, signatures, with_guard=True)


def _run(
    node: JsonRpcNode,
    tx: SafeTx,
    safe_tx_hash: SafeTxHash,
    sender: str,
    block: int,
    state: dict[str, Any],
    signatures: bytes,
    *,
    with_guard: bool,
) -> Simulation:
    data = exec_transaction_data(tx, signatures)
    (outcome,) = _simulate(
        node, block, state, [{"from": sender, "to": tx.safe, "data": hex0x(data)}]
    )
    logs = _logs(outcome.get("logs", []))
    reverted = outcome["status"] != "0x1"
    executed = None if reverted else execution_outcome(logs, tx.safe, safe_tx_hash)
    success = executed is True
    reason: str | None = None
    if reverted:
        reason = decode_revert(bytes.fromhex(outcome.get("returnData", "0x")[2:]))
    elif executed is False:
        reason = "the Safe emitted ExecutionFailure: an inner call failed"
    elif executed is None:
        reason = "no ExecutionSuccess event for this safeTxHash"
    failures = () if success else _diagnose(node, tx, block, state)
    return Simulation(
        success, int(outcome["gasUsed"], 16), reason, block, logs, failures, with_guard
    )


def _diagnose(
    node: JsonRpcNode, tx: SafeTx, block: int, state: dict[str, Any]
) -> tuple[CallFailure, ...]:
    """Replay each inner call from the Safe to find which one fails, and why."""
    decoded = decode_call(tx.to, tx.value, tx.data, tx.operation)
    items: list[tuple[int | None, DecodedCall]]
    if tx.operation == Operation.DELEGATECALL and decoded.kind == "multisend" and decoded.inner:
        items = list(enumerate(decoded.inner))
    elif tx.operation == Operation.CALL:
        items = [(None, decoded)]
    else:
        return ()  # a delegatecall into arbitrary code cannot be replayed as calls
    calls = [
        {"from": tx.safe, "to": call.to, "value": hex(call.value), "data": hex0x(call.data)}
        for _, call in items
    ]
    outcomes = _simulate(node, block, state, calls)
    return tuple(
        CallFailure(index, call.to, decode_revert(bytes.fromhex(out.get("returnData", "0x")[2:])))
        for (index, call), out in zip(items, outcomes, strict=True)
        if out["status"] != "0x1"
    )
