"""Execute a Safe transaction on a fork the way it will run live: owners approve, one executes.

The chosen owners are impersonated; all but the last call `approveHash(safeTxHash)` and the
last sends `execTransaction` with every chosen owner's pre-approved signature, sorted by owner.
The threshold stays as it is, so the Safe's real signature checks run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from safeops.core.decoding.decode import decode_call
from safeops.core.decoding.revert import decode_revert
from safeops.core.decoding.selectors import encode_call
from safeops.core.rehearsal import nonce_moved
from safeops.core.transactions.execution import Log, exec_transaction_data, execution_outcome
from safeops.core.transactions.safe_tx import Operation, SafeTx, SafeTxHash
from safeops.core.transactions.signatures import approved_hash_signature, pack_signatures
from safeops.errors import HashMismatch, Refused
from safeops.fork.node import Fork, hex_bytes

OWNER_FUNDS = 10**18  # wei; gas is free on the fork, this only covers a non-zero gas price
GET_TRANSACTION_HASH = (
    "getTransactionHash(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,"
    "uint256)"
)


@dataclass(frozen=True)
class InnerFailure:
    """A call the Safe made that reverted; `index` is its place in the batch, if it is one."""

    index: int | None
    to: str
    reason: str

    def describe(self) -> str:
        where = f"batch item #{self.index}" if self.index is not None else "the call"
        return f"{where} to {self.to} reverted: {self.reason}"


@dataclass(frozen=True)
class Execution:
    """One `execTransaction` mined on the fork."""

    safe_tx_hash: SafeTxHash
    tx_hash: str
    block: int
    reverted: bool
    outcome: bool | None
    """True on this hash's ExecutionSuccess, False on ExecutionFailure, None on neither."""
    gas_used: int
    logs: tuple[Log, ...]
    signers: tuple[str, ...]
    revert_reason: str | None = None
    failures: tuple[InnerFailure, ...] = ()

    @property
    def success(self) -> bool:
        return not self.reverted and self.outcome is True

    @property
    def reason(self) -> str | None:
        """Why it failed, in one line; None when it succeeded."""
        if self.success:
            return None
        if self.reverted:
            head = f"execTransaction reverted: {self.revert_reason or 'no reason given'}"
        elif self.outcome is False:
            head = "the Safe emitted ExecutionFailure: the call it made failed"
        else:
            head = f"no ExecutionSuccess event for {self.safe_tx_hash}"
        return "; ".join([head, *(f.describe() for f in self.failures)])

    def to_json(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "reverted": self.reverted,
            "outcome": {True: "ExecutionSuccess", False: "ExecutionFailure", None: None}[
                self.outcome
            ],
            "tx_hash": self.tx_hash,
            "block": self.block,
            "gas_used": self.gas_used,
            "signers": list(self.signers),
            "reason": self.reason,
            "failures": [{"index": f.index, "to": f.to, "reason": f.reason} for f in self.failures],
        }


def _uint(fork: Fork, safe: str, signature: str, block: int) -> int:
    result = fork.call(safe, encode_call(signature), block)
    if not result.success or len(result.output) < 32:
        raise Refused(f"the Safe at {safe} does not answer {signature} on the fork")
    return int.from_bytes(result.output[:32], "big")


def safe_nonce(fork: Fork, safe: str, block: int) -> int:
    return _uint(fork, safe, "nonce()", block)


def signing_owners(fork: Fork, safe: str, block: int) -> tuple[str, ...]:
    """`threshold` live owners, lowest addresses first: the same set every rehearsal picks."""
    from eth_abi.abi import decode
    from eth_utils.address import to_checksum_address

    threshold = _uint(fork, safe, "getThreshold()", block)
    result = fork.call(safe, encode_call("getOwners()"), block)
    if not result.success:
        raise Refused(f"the Safe at {safe} does not answer getOwners() on the fork")
    (owners,) = decode(["address[]"], result.output)
    if not 0 < threshold <= len(owners):
        raise Refused(f"the Safe at {safe} has threshold {threshold} for {len(owners)} owners")
    ordered = sorted((to_checksum_address(o) for o in owners), key=lambda o: int(o, 16))
    return tuple(ordered[:threshold])


def check_transaction_hash(fork: Fork, tx: SafeTx, safe_tx_hash: SafeTxHash, block: int) -> None:
    """The Safe must be at the plan's nonce and compute the plan's safeTxHash itself."""
    onchain = safe_nonce(fork, tx.safe, block)
    if onchain != tx.nonce:
        raise Refused(nonce_moved(onchain, tx.nonce), hint="Rebuild the plan at the current nonce.")
    args = (tx.to, tx.value, tx.data, tx.operation, tx.safe_tx_gas, tx.base_gas, tx.gas_price)
    data = encode_call(GET_TRANSACTION_HASH, *args, tx.gas_token, tx.refund_receiver, tx.nonce)
    result = fork.call(tx.safe, data, block)
    computed = result.output[:32] if result.success else b""
    if computed != safe_tx_hash.raw:
        raise HashMismatch(
            f"the Safe computes 0x{computed.hex()} for this transaction, the plan says "
            f"{safe_tx_hash}",
            hint="Do not sign: the plan does not match the Safe (chain, version or fields).",
        )


def execute_safe_tx(fork: Fork, tx: SafeTx, safe_tx_hash: SafeTxHash) -> Execution:
    """Approve and execute `tx` with the Safe's real threshold; mine it; read its outcome."""
    block = fork.block_number()
    check_transaction_hash(fork, tx, safe_tx_hash, block)
    signers = signing_owners(fork, tx.safe, block)
    for owner in signers:
        fork.impersonate(owner, OWNER_FUNDS)
    *approvers, executor = signers
    for owner in approvers:
        approve = encode_call("approveHash(bytes32)", safe_tx_hash.raw)
        receipt = fork.send(owner, tx.safe, approve)
        if int(receipt["status"], 16) != 1:
            raise Refused(f"owner {owner} could not approveHash {safe_tx_hash}")
    signatures = pack_signatures({owner: approved_hash_signature(owner) for owner in signers})
    receipt = fork.send(executor, tx.safe, exec_transaction_data(tx, signatures))
    logs = tuple(_log(raw) for raw in receipt["logs"])
    reverted = int(receipt["status"], 16) != 1
    execution = Execution(
        safe_tx_hash=safe_tx_hash,
        tx_hash=str(receipt["transactionHash"]),
        block=int(receipt["blockNumber"], 16),
        reverted=reverted,
        outcome=None if reverted else execution_outcome(logs, tx.safe, safe_tx_hash),
        gas_used=int(receipt["gasUsed"], 16),
        logs=logs,
        signers=signers,
    )
    if execution.success:
        return execution
    return _diagnosed(fork, tx, execution)


def _log(raw: Mapping[str, Any]) -> Log:
    from eth_utils.address import to_checksum_address

    return Log(
        to_checksum_address(raw["address"]),
        tuple(bytes.fromhex(t[2:]) for t in raw["topics"]),
        bytes.fromhex(raw["data"][2:]),
    )


def _diagnosed(fork: Fork, tx: SafeTx, execution: Execution) -> Execution:
    """Name what failed from the mined transaction's call trace: no replay, no guess."""
    from dataclasses import replace

    from eth_utils.address import to_checksum_address

    trace = fork.trace(execution.tx_hash, "callTracer")
    reason = decode_revert(hex_bytes(trace.get("output"))) if execution.reverted else None
    items = _items(tx)
    failures = []
    position = 0  # the Safe makes its calls in order; a guard's calls match no item
    for frame in _frames(trace):
        if frame.get("type") != "CALL" or str(frame.get("from", "")).lower() != tx.safe.lower():
            continue
        to, data = str(frame.get("to", "")), hex_bytes(frame.get("input"))
        index: int | None = None
        if position < len(items) and items[position] == (to.lower(), data):
            index, position = position, position + 1
        if "error" in frame:
            shown = to_checksum_address(to) if to else "?"
            reason_here = decode_revert(hex_bytes(frame.get("output")))
            failures.append(InnerFailure(index if len(items) > 1 else None, shown, reason_here))
    return replace(execution, revert_reason=reason, failures=tuple(failures))


def _items(tx: SafeTx) -> list[tuple[str, bytes]]:
    """The calls the Safe makes, in order, as (lowercase to, data)."""
    decoded = decode_call(tx.to, tx.value, tx.data, tx.operation)
    if tx.operation == Operation.DELEGATECALL and decoded.kind == "multisend":
        return [(c.to.lower(), c.data) for c in decoded.inner]
    return [(tx.to.lower(), tx.data)]


def _frames(frame: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield frame
    for child in frame.get("calls") or ():
        yield from _frames(child)
