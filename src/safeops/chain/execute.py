"""Sign the executor's `execTransaction`, broadcast it and wait for it: EIP-1559 fees, estimated
gas plus a margin; signing and sending are two steps so that the hash is recorded in between."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from eth_hash.auto import keccak

from safeops.chain.jsonrpc import Call, data_bytes, quantity
from safeops.chain.safe_reader import checksummed
from safeops.core.hexes import hex0x
from safeops.core.transactions.execution import Log, exec_transaction_data
from safeops.core.transactions.safe_tx import SafeTx
from safeops.errors import EnvironmentProblem, Refused, RpcUnavailable

if TYPE_CHECKING:
    from safeops.chain.jsonrpc import JsonRpcNode

GAS_MARGIN_PERCENT = 25
GAS_MARGIN_FLAT = 50_000  # execTransaction's own bookkeeping is not fully in an estimate
RECEIPT_TIMEOUT_S = 180.0


class TransactionSigner(Protocol):
    """What the executor must offer; the keys layer's Signer satisfies it."""

    @property
    def address(self) -> str: ...

    def sign_transaction(self, transaction: Mapping[str, Any]) -> bytes: ...


@dataclass(frozen=True)
class Sent:
    tx_hash: str
    block: int
    status: int
    gas_used: int
    logs: tuple[Log, ...]
    block_hash: bytes = b""


class TransactionPending(EnvironmentProblem):
    """The transaction was sent but not mined in time: it may still land."""


def _reason(error: Exception) -> str:
    """What failed, without the exception's text (it can quote the URL and its API key)."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return f"HTTP {status}" if isinstance(status, int) else type(error).__name__


def _call(what: str, action: Any) -> Any:
    try:
        return action()
    except Exception as error:
        raise RpcUnavailable(f"{what} failed ({_reason(error)})") from None


@dataclass(frozen=True)
class SignedSend:
    """An execTransaction signed and not yet broadcast: its hash is known before it is sent,
    so it can be recorded first (write-ahead) and looked up after any failure."""

    raw: bytes
    tx_hash: str
    sender: str
    nonce: int

    def __repr__(self) -> str:  # the raw transaction is public once sent, but long
        return f"SignedSend({self.tx_hash}, sender={self.sender}, nonce={self.nonce})"


def sign_exec_transaction(
    node: JsonRpcNode,
    tx: SafeTx,
    signatures: bytes,
    executor: TransactionSigner,
    chain_id: int,
    nonce: int | None = None,
) -> SignedSend:
    """Estimate, price and sign `execTransaction` without sending it. `nonce` (the sender's)
    reuses the one of a dropped transaction, so that at most one of the two can ever mine."""
    data = exec_transaction_data(tx, signatures)
    sender = checksummed(executor.address)
    call = {"from": sender, "to": checksummed(tx.safe), "data": hex0x(data)}
    # The gas, the fees and the sender's nonce in one round trip: none depends on another.
    reads: list[Call] = [
        ("eth_estimateGas", [call]),
        ("eth_getBlockByNumber", ["latest", False]),
        ("eth_maxPriorityFeePerGas", []),
    ]
    if nonce is None:
        reads.append(("eth_getTransactionCount", [sender, "pending"]))
    estimated, block, tip, *count = _call("eth_estimateGas", lambda: node.batch(reads))
    try:
        estimate = quantity(estimated.value())
    except Exception as error:
        raise Refused(
            f"the node refuses to estimate execTransaction: it would revert "
            f"({type(error).__name__})",
            hint="Run `safeops review` on it.",
        ) from None
    base_fee = quantity(_call("eth_getBlockByNumber", block.value).get("baseFeePerGas", "0x0"))
    priority_fee = quantity(_call("eth_maxPriorityFeePerGas", tip.value))
    if nonce is None:
        nonce = quantity(_call("eth_getTransactionCount", count[0].value))
    transaction = {
        "chainId": chain_id,
        "nonce": nonce,
        "to": checksummed(tx.safe),
        "value": 0,
        "data": data,
        "gas": estimate * (100 + GAS_MARGIN_PERCENT) // 100 + GAS_MARGIN_FLAT,
        "maxPriorityFeePerGas": priority_fee,
        "maxFeePerGas": 2 * base_fee + priority_fee,
        "type": 2,
    }
    raw = bytes(executor.sign_transaction(transaction))
    # The hash of a (typed) transaction is the keccak of its raw bytes, envelope included.
    return SignedSend(raw, hex0x(keccak(raw)), sender, nonce)


def broadcast(node: JsonRpcNode, signed: SignedSend) -> None:
    """`eth_sendRawTransaction`; any failure is RpcUnavailable, to be followed by a lookup of
    the hash: a node may have taken the transaction and failed only to answer (HTTP 502)."""
    answered = _call(
        "eth_sendRawTransaction",
        lambda: data_bytes(node.request("eth_sendRawTransaction", [hex0x(signed.raw)])),
    )
    if hex0x(answered) != signed.tx_hash:
        raise RpcUnavailable(
            f"the node answered eth_sendRawTransaction with {hex0x(answered)}, "
            f"not the hash of what was sent ({signed.tx_hash})",
            hint="Do not trust this node: look the transaction up on another one.",
        )


def sent_from_receipt(tx_hash: str, receipt: Mapping[str, Any]) -> Sent:
    from eth_utils.address import to_checksum_address

    logs = tuple(
        Log(
            to_checksum_address(log["address"]),
            tuple(data_bytes(t) for t in log["topics"]),
            data_bytes(log["data"]),
        )
        for log in receipt["logs"]
    )
    block_hash = receipt.get("blockHash")
    return Sent(
        tx_hash,
        quantity(receipt["blockNumber"]),
        quantity(receipt["status"]),
        quantity(receipt["gasUsed"]),
        logs,
        data_bytes(block_hash) if block_hash else b"",
    )


def receipt_or_none(node: JsonRpcNode, tx_hash: str) -> Any:
    """The receipt as JSON-RPC gives it, or None while the transaction is not mined (or
    unknown)."""
    return node.request("eth_getTransactionReceipt", [tx_hash])


def transaction_or_none(node: JsonRpcNode, tx_hash: str) -> Any:
    """The transaction as the node knows it (mined or in its mempool), or None."""
    return node.request("eth_getTransactionByHash", [tx_hash])


def wait_for_receipt(node: JsonRpcNode, tx_hash: str, timeout: float = RECEIPT_TIMEOUT_S) -> Sent:
    """Poll for the receipt; past `timeout`, say so with the hash instead of sending again."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            receipt = receipt_or_none(node, tx_hash)
        except Exception:
            receipt = None
        if receipt is not None:
            return sent_from_receipt(tx_hash, receipt)
        if time.monotonic() > deadline:
            raise TransactionPending(
                f"transaction {tx_hash} was sent but is not mined after {timeout:.0f} s",
                hint="Do not send again: watch that hash; it may still be mined, or be "
                "replaced only on purpose with the same nonce. A re-run waits for it.",
            )
        time.sleep(0.2)
