"""What the chain knows of a transaction or of a safeTxHash, asked of every RPC: mined, pending
or unknown; and which transaction executed a safeTxHash (its ExecutionSuccess event)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from safeops.chain.execute import Sent, receipt_or_none, sent_from_receipt, transaction_or_none
from safeops.chain.jsonrpc import data_bytes, quantity
from safeops.chain.rpc import Rpc, RpcPool, ask
from safeops.chain.safe_reader import checksummed
from safeops.core.hexes import hex0x
from safeops.core.transactions.execution import EXECUTION_SUCCESS, Log, execution_outcome
from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.errors import RpcDisagreement

# ExecutionSuccess logs are searched backwards from the pinned block in windows most providers
# accept for one eth_getLogs, up to LOOKBACK_BLOCKS: an execution older than that is reported
# as "nonce used" without its transaction (the Safe's nonce alone proves it can never run).
LOG_WINDOW_BLOCKS = 10_000
LOOKBACK_BLOCKS = 200_000

Lookup = Sent | Literal["pending"] | None
"""Mined (with its receipt), pending in some RPC's mempool, or unknown to every RPC."""


def lookup_transaction(pool: RpcPool, tx_hash: str) -> Lookup:
    """Ask every RPC: a receipt (the same on each that has its block) means mined; the
    transaction known to any of them means pending; otherwise no RPC knows it."""
    mined = agreed_receipt(pool, tx_hash)
    if mined is not None:
        return mined
    known = pool.each(
        "the sent transaction",
        lambda rpc: ask(
            rpc, "eth_getTransactionByHash", lambda: transaction_or_none(rpc.node, tx_hash)
        ),
    )
    return "pending" if any(found is not None for _, found in known) else None


def account_nonce(pool: RpcPool, address: str) -> int:
    """The account's nonce in the latest block: its mined transactions, none pending."""
    rpc = pool.primary
    sender = checksummed(address)
    return int(
        ask(
            rpc,
            "eth_getTransactionCount",
            lambda: quantity(rpc.node.request("eth_getTransactionCount", [sender, "latest"])),
        )
    )


def _log(entry: Any) -> Log:
    return Log(
        checksummed(entry["address"]),
        tuple(data_bytes(topic) for topic in entry["topics"]),
        data_bytes(entry["data"]),
    )


def find_executions(
    pool: RpcPool,
    safe: str,
    safe_tx_hashes: Sequence[SafeTxHash],
    to_block: int,
    candidates: Sequence[str] = (),
    lookback_blocks: int = LOOKBACK_BLOCKS,
) -> dict[SafeTxHash, Sent]:
    """The mined transactions whose ExecutionSuccess names one of `safe_tx_hashes`, at or
    before `to_block`, each confirmed by every RPC that has its block. The `candidates`
    (recorded sends) are looked at first, one receipt each; then the Safe's logs, backwards
    over `lookback_blocks`, one request per window for all the hashes at once."""
    rpc = pool.primary
    address = checksummed(safe)
    wanted = set(safe_tx_hashes)
    found: dict[SafeTxHash, Sent] = {}
    for tx_hash in candidates:
        receipt = ask(
            rpc, "eth_getTransactionReceipt", lambda h=tx_hash: receipt_or_none(rpc.node, h)
        )
        if receipt is None or quantity(receipt["blockNumber"]) > to_block:
            continue
        sent = sent_from_receipt(tx_hash, receipt)
        for safe_tx_hash in wanted - set(found):
            if sent.status == 1 and execution_outcome(sent.logs, address, safe_tx_hash) is True:
                found[safe_tx_hash] = confirmed(pool, tx_hash, safe, safe_tx_hash)
    floor = max(0, to_block - lookback_blocks + 1)
    high = to_block
    while high >= floor and wanted - set(found):
        low = max(floor, high - LOG_WINDOW_BLOCKS + 1)
        query = {
            "address": address,
            "fromBlock": hex(low),
            "toBlock": hex(high),
            # Topic 0 only: Safes before 1.4.0 log the hash in the data, not as a topic.
            "topics": [hex0x(EXECUTION_SUCCESS)],
        }
        logs = ask(rpc, "eth_getLogs", lambda q=query: rpc.node.request("eth_getLogs", [q]))
        for entry in reversed(list(logs)):
            for safe_tx_hash in wanted - set(found):
                if execution_outcome([_log(entry)], address, safe_tx_hash) is True:
                    tx_hash = hex0x(data_bytes(entry["transactionHash"]))
                    found[safe_tx_hash] = confirmed(pool, tx_hash, safe, safe_tx_hash)
        high = low - 1
    return found


def agreed_receipt(pool: RpcPool, tx_hash: str) -> Sent | None:
    """The receipt of `tx_hash`, the same on every RPC that has its block; None when no RPC
    has one. A lying RPC must not make safeops believe a transaction was mined."""

    def receipt(rpc: Rpc) -> tuple[Sent | None, int]:
        found = ask(rpc, "eth_getTransactionReceipt", lambda: receipt_or_none(rpc.node, tx_hash))
        if found is not None:
            return sent_from_receipt(tx_hash, found), -1
        head = ask(rpc, "eth_blockNumber", lambda: quantity(rpc.node.request("eth_blockNumber")))
        return None, int(head)

    answers = pool.each("the receipt of the transaction", receipt)
    mined = [(rpc, sent) for rpc, (sent, _) in answers if sent is not None]
    if not mined:
        return None
    (first_rpc, first), *others = mined
    for rpc, sent in others:
        if (sent.block, sent.block_hash, sent.status, sent.logs) != (
            first.block,
            first.block_hash,
            first.status,
            first.logs,
        ):
            raise RpcDisagreement(
                f"RPCs {first_rpc.label} and {rpc.label} disagree on transaction {tx_hash}"
            )
    _require_behind(answers, first, tx_hash)
    return first


def confirmed(pool: RpcPool, tx_hash: str, safe: str, safe_tx_hash: SafeTxHash) -> Sent:
    """The receipt of `tx_hash`, agreed by every RPC, holding the ExecutionSuccess of
    `safe_tx_hash`: no single RPC can make safeops report "already done" for a pause that
    never happened."""
    sent = agreed_receipt(pool, tx_hash)
    if sent is None:
        raise RpcDisagreement(f"no RPC has the receipt of {tx_hash}, found in their logs")
    _require_success(pool.primary, sent, safe, safe_tx_hash)
    return sent


def _require_success(rpc: Rpc, sent: Sent, safe: str, safe_tx_hash: SafeTxHash) -> None:
    if (
        sent.status != 1
        or execution_outcome(sent.logs, checksummed(safe), safe_tx_hash) is not True
    ):
        raise RpcDisagreement(
            f"RPC {rpc.label} logs an ExecutionSuccess of {safe_tx_hash} in {sent.tx_hash}, "
            "whose receipt does not hold it"
        )


def _require_behind(
    answers: Sequence[tuple[Rpc, tuple[Sent | None, int]]], sent: Sent, tx_hash: str
) -> None:
    """An RPC without the receipt is only lagging if its head is below the receipt's block."""
    for rpc, (receipt, head) in answers:
        if receipt is None and head >= sent.block:
            raise RpcDisagreement(
                f"RPC {rpc.label} is at block {head} but has no receipt of {tx_hash}, "
                f"mined in block {sent.block} according to the others"
            )
