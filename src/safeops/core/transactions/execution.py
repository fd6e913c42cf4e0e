"""The `execTransaction` call and the events that say whether this safeTxHash executed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eth_hash.auto import keccak

from safeops.core.decoding.selectors import encode_call
from safeops.core.transactions.safe_tx import SafeTx, SafeTxHash

EXEC_TRANSACTION = (
    "execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)"
)
EXECUTION_SUCCESS = keccak(b"ExecutionSuccess(bytes32,uint256)")
EXECUTION_FAILURE = keccak(b"ExecutionFailure(bytes32,uint256)")


@dataclass(frozen=True)
class Log:
    """An event as a node returns it, address checksummed."""

    address: str
    topics: tuple[bytes, ...]
    data: bytes


def exec_transaction_data(tx: SafeTx, signatures: bytes) -> bytes:
    """Calldata of `execTransaction` for `tx` with packed `signatures`."""
    return encode_call(EXEC_TRANSACTION, *tx.call_fields, signatures)


def execution_outcome(logs: Iterable[Log], safe: str, safe_tx_hash: SafeTxHash) -> bool | None:
    """True on this hash's ExecutionSuccess, False on its ExecutionFailure, None if neither."""
    for log in logs:
        if log.address != safe or not log.topics:
            continue
        # 1.4.0+ index the hash (topic 1); earlier versions put it first in the data.
        logged_hash = log.topics[1] if len(log.topics) > 1 else log.data[:32]
        if logged_hash != safe_tx_hash.raw:
            continue
        if log.topics[0] == EXECUTION_SUCCESS:
            return True
        if log.topics[0] == EXECUTION_FAILURE:
            return False
    return None
