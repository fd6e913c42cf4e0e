"""A private anvil fork of a chain at a pinned block, reached over one HTTP connection."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from safeops.chain.anvil import AnvilProcess, start_anvil
from safeops.chain.jsonrpc import JsonRpcNode
from safeops.chain.safe_reader import Rpc, check_chain_ids, connect, pinned_block
from safeops.core.hexes import hex0x, word_hex
from safeops.errors import BadInput, ChainMismatch, DevnetError, RpcUnavailable
from safeops.interrupts import signals_held

# A fork fetches the state it has not seen yet from the origin, so one request can take long.
FORK_TIMEOUT_S = 60
RECEIPT_TIMEOUT_S = 30.0
RECEIPT_POLL_S = 0.002


@dataclass(frozen=True)
class CallResult:
    """What an `eth_call` returned, or the revert data when it reverted."""

    success: bool
    output: bytes


def hex_bytes(text: object) -> bytes:
    """`0x…` from a JSON-RPC answer as bytes; anything else (absent, null) as no bytes."""
    return bytes.fromhex(text[2:]) if isinstance(text, str) and text.startswith("0x") else b""


@dataclass
class Fork:
    """A running fork of `origin` (a redacted label) started at `block`."""

    anvil: AnvilProcess
    node: JsonRpcNode
    origin: str
    chain_id: int
    block: int
    timestamp: int = 0
    block_hash: str = ""
    """The fork block's hash as the origin serves it: `propose` checks it against the policy's
    RPCs, so a record made on another chain or a made-up fork cannot pass."""
    gas_limit: int = 0
    start_seconds: float = 0.0
    """How long anvil took to start and answer: the fixed cost of a rehearsal."""
    origin_url: str = field(default="", repr=False)
    """Kept only to scrub it from the fork's error messages: it may embed an API key."""

    def _scrubbed(self, message: object) -> str:
        text = str(message)
        return text.replace(self.origin_url, self.origin) if self.origin_url else text

    @property
    def rpc(self) -> Rpc:
        """The fork as `chain.safe_reader` reads it, over the same connection."""
        return Rpc(self.anvil.rpc_url, self.node)

    def request(self, method: str, params: list[Any]) -> Any:
        """One JSON-RPC request; transport failures and error answers become exit-3 errors."""
        try:
            answer = self.node.make_request(method, params)
        except Exception as error:
            raise RpcUnavailable(
                f"the fork stopped answering on {method} ({type(error).__name__})"
            ) from None
        if "error" in answer:
            message = self._scrubbed(answer["error"].get("message", answer["error"]))
            raise RpcUnavailable(f"the fork refused {method}: {message}")
        return answer["result"]

    def call(self, to: str, data: bytes, block: int) -> CallResult:
        """`eth_call` at `block`; a revert is a result (with its data), not an error."""
        (result,) = self.calls([(to, data)], block)
        return result

    def calls(self, calls: Sequence[tuple[str, bytes]], block: int) -> list[CallResult]:
        """`call` for each (to, data), in one JSON-RPC batch: a revoke of 200 accounts proves
        200 views, one HTTP round trip instead of 200."""
        requests = [
            ("eth_call", [{"to": to, "data": hex0x(data)}, hex(block)]) for to, data in calls
        ]
        try:
            replies = self.node.batch(requests)
        except Exception as error:
            raise RpcUnavailable(f"the fork failed on eth_call ({type(error).__name__})") from None
        results = []
        for reply in replies:
            if reply.error is None:
                results.append(CallResult(True, hex_bytes(reply.result)))
                continue
            # Execution reverted: code 3 with the revert data (geth and anvil alike).
            if reply.error.code == 3 or "revert" in reply.error.message:
                results.append(CallResult(False, hex_bytes(reply.error.data)))
                continue
            message = self._scrubbed(reply.error.message)
            raise RpcUnavailable(f"the fork refused eth_call: {message}")
        return results

    def block_number(self) -> int:
        return int(self.request("eth_blockNumber", []), 16)

    def balance(self, address: str, block: int) -> int:
        return int(self.request("eth_getBalance", [address, hex(block)]), 16)

    def set_storage(self, address: str, slot: int, value: int) -> None:
        self.request("anvil_setStorageAt", [address, hex(slot), word_hex(value)])

    def impersonate(self, address: str, minimum_balance: int) -> None:
        """Send as `address` from now on, with at least `minimum_balance` wei."""
        self.request("anvil_impersonateAccount", [address])
        if self.balance(address, self.block_number()) < minimum_balance:
            self.request("anvil_setBalance", [address, hex(minimum_balance)])

    def send(self, sender: str, to: str, data: bytes) -> dict[str, Any]:
        """Mine one transaction from an impersonated `sender` and return its receipt.

        Gas price 0 (the fork's base fee is 0) keeps gas costs out of every balance, so a
        balance postcondition or the changed-accounts list shows only the transaction's effect.
        """
        tx = {
            "from": sender,
            "to": to,
            "data": hex0x(data),
            "gas": hex(self.gas_limit),
            "gasPrice": "0x0",
        }
        tx_hash = self.request("eth_sendTransaction", [tx])
        receipt = self._receipt(str(tx_hash))
        if int(receipt["transactionIndex"], 16) != 0:
            # Reading "the state before" at the previous block relies on this.
            raise DevnetError(f"the fork mined {tx_hash} behind other transactions")
        return receipt

    def _receipt(self, tx_hash: str) -> dict[str, Any]:
        # anvil mines on arrival but publishes the receipt a moment later: poll briefly.
        deadline = time.monotonic() + RECEIPT_TIMEOUT_S
        while time.monotonic() < deadline:
            receipt = self.request("eth_getTransactionReceipt", [tx_hash])
            if receipt is not None:
                return dict(receipt)
            time.sleep(RECEIPT_POLL_S)
        raise DevnetError(f"the fork did not mine {tx_hash} within {RECEIPT_TIMEOUT_S:.0f} s")

    def trace(self, tx_hash: str, tracer: str, config: dict[str, Any] | None = None) -> Any:
        options: dict[str, Any] = {"tracer": tracer}
        if config:
            options["tracerConfig"] = config
        return self.request("debug_traceTransaction", [tx_hash, options])


def _fork_block(origin: Rpc, chain_id: int, block: int | None) -> int:
    """The block to fork at: the origin's latest (read now, so it is recorded) or `block`."""
    check_chain_ids([origin], chain_id)
    latest = pinned_block([origin])
    if block is None:
        return latest
    if not 0 <= block <= latest:
        raise BadInput(f"--fork-block {block} is not mined yet on {origin.label} (latest {latest})")
    return block


def _start(
    origin_url: str, label: str, chain_id: int, number: int, anvil: str | None
) -> AnvilProcess:
    args = [
        "--fork-url",
        origin_url,
        "--fork-block-number",
        str(number),
        # Checked on the origin already: anvil need not ask it again.
        "--fork-chain-id",
        str(chain_id),
        # A rehearsal must see the origin's state as it is: no disk cache shared across runs.
        "--no-storage-caching",
        # Free gas (with gas price 0): balances then move only by what the transaction does.
        # A gas price of its own also spares anvil asking the origin for one.
        "--block-base-fee-per-gas",
        "0",
        "--gas-price",
        "0",
        # Owners are impersonated and funded: anvil's ten dev accounts would only cost start-up
        # requests against the origin (about 40 of them).
        "--accounts",
        "0",
    ]
    try:
        return start_anvil(extra_args=args, binary=anvil)
    except DevnetError as error:
        raise DevnetError(
            f"the fork of {label} at block {number} did not start ({error.message})",
            hint="Check that the RPC is reachable and serves the state of that block.",
        ) from None


@contextmanager
def open_fork(
    origin_url: str,
    chain_id: int,
    block: int | None = None,
    *,
    anvil: str | None = None,
    pinned: bool = False,
) -> Iterator[Fork]:
    """Start anvil forking `origin_url` at `block` (default: its latest), check the chain, and
    stop it when the block exits, however it exits (errors, Ctrl-C and SIGTERM included).
    `anvil` is the configured binary, if any. `pinned`: `block` is the run's pinned block on an
    RPC whose chain id the run has checked, so the origin is not asked either again."""
    import requests

    (origin,) = connect([origin_url])
    number = block if pinned and block is not None else _fork_block(origin, chain_id, block)
    started = time.monotonic()
    process = _start(origin_url, origin.label, chain_id, number, anvil)
    try:
        with requests.Session() as session:
            node = JsonRpcNode(process.rpc_url, session, FORK_TIMEOUT_S)
            fork = Fork(process, node, origin.label, chain_id, number, origin_url=origin_url)
            fork.start_seconds = time.monotonic() - started
            served = int(fork.request("eth_chainId", []), 16)
            if served != chain_id:
                raise ChainMismatch(f"the fork serves chain {served}, the policy says {chain_id}")
            header = fork.request("eth_getBlockByNumber", [hex(number), False])
            fork.timestamp = int(header["timestamp"], 16)
            fork.block_hash = str(header["hash"]).lower()
            fork.gas_limit = int(header["gasLimit"], 16)
            yield fork
    finally:
        # A second Ctrl-C (or the SIGTERM the CLI turns into one) must not cut the teardown
        # short and leave anvil running: the signals wait until it has stopped.
        with signals_held():
            process.stop()
