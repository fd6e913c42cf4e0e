"""Send the executor's `execTransaction` and wait for it: EIP-1559 fees, estimated gas plus a
margin, and a dropped or slow transaction reported with its hash, never re-sent blindly."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from safeops.chain.jsonrpc import data_bytes, quantity
from safeops.chain.safe_reader import checksummed
from safeops.core.execution import Log, exec_transaction_data
from safeops.core.hexes import hex0x
from safeops.core.safe_tx import SafeTx
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


class TransactionPending(EnvironmentProblem):
    """The transaction was sent but not mined in time: it may still land."""


def _call(what: str, action: Any) -> Any:
    try:
        return action()
    except Exception as error:
        raise RpcUnavailable(f"{what} failed ({type(error).__name__})") from None


def send_exec_transaction(
    node: JsonRpcNode, tx: SafeTx, signatures: bytes, executor: TransactionSigner, chain_id: int
) -> str:
    """Sign and broadcast `execTransaction`; returns the Ethereum transaction hash."""
    data = exec_transaction_data(tx, signatures)
    sender = checksummed(executor.address)
    call = {"from": sender, "to": checksummed(tx.safe), "data": hex0x(data)}
    # The gas, the fees and the sender's nonce in one round trip: none depends on another.
    estimated, block, tip, count = _call(
        "eth_estimateGas",
        lambda: node.batch(
            [
                ("eth_estimateGas", [call]),
                ("eth_getBlockByNumber", ["latest", False]),
                ("eth_maxPriorityFeePerGas", []),
                ("eth_getTransactionCount", [sender, "pending"]),
            ]
        ),
    )
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
    transaction = {
        "chainId": chain_id,
        "nonce": quantity(_call("eth_getTransactionCount", count.value)),
        "to": checksummed(tx.safe),
        "value": 0,
        "data": data,
        "gas": estimate * (100 + GAS_MARGIN_PERCENT) // 100 + GAS_MARGIN_FLAT,
        "maxPriorityFeePerGas": priority_fee,
        "maxFeePerGas": 2 * base_fee + priority_fee,
        "type": 2,
    }
    raw = executor.sign_transaction(transaction)
    sent = _call(
        "eth_sendRawTransaction", lambda: node.request("eth_sendRawTransaction", [hex0x(raw)])
    )
    return hex0x(data_bytes(sent))


def wait_for_receipt(node: JsonRpcNode, tx_hash: str, timeout: float = RECEIPT_TIMEOUT_S) -> Sent:
    """Poll for the receipt; past `timeout`, say so with the hash instead of sending again."""
    from eth_utils.address import to_checksum_address

    deadline = time.monotonic() + timeout
    while True:
        try:
            receipt = node.request("eth_getTransactionReceipt", [tx_hash])
        except Exception:
            receipt = None
        if receipt is not None:
            logs = tuple(
                Log(
                    to_checksum_address(log["address"]),
                    tuple(data_bytes(t) for t in log["topics"]),
                    data_bytes(log["data"]),
                )
                for log in receipt["logs"]
            )
            return Sent(
                tx_hash,
                quantity(receipt["blockNumber"]),
                quantity(receipt["status"]),
                quantity(receipt["gasUsed"]),
                logs,
            )
        if time.monotonic() > deadline:
            raise TransactionPending(
                f"transaction {tx_hash} was sent but is not mined after {timeout:.0f} s",
                hint="Do not send again: watch that hash; it may still be mined, or be "
                "replaced only on purpose with the same nonce.",
            )
        time.sleep(0.2)
